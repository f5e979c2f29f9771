# lib.sh — sourced by the CLI tests: a temporary folder ($tmp) removed when
# the test exits, a code cache of the test's own in it, and a failure count
# (fail MESSAGE prints it and counts; a test ends with `finish`).
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KILN_CACHE_DIR=$tmp/cache
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# wait_cache_entry: true once the cache holds an entry (kiln run stores a
# miss from a background process), false after 120 s.
wait_cache_entry() {
  for _ in $(seq 1200); do
    compgen -G "$KILN_CACHE_DIR/*.kwasm" > /dev/null && return 0
    sleep 0.1
  done
  return 1
}
# finish [WHAT]: exit 0 when nothing failed (saying WHAT passed), else 1.
finish() {
  [ $fails -eq 0 ] && [ $# -gt 0 ] && echo "$*"
  exit $((fails > 0))
}
# expect_out WANT CMD...: CMD's output must be WANT (else a failure, with
# CMD's stderr shown).
expect_out() {
  local want=$1 got; shift
  got=$("$@" 2> "$tmp/err")
  if [ "$got" != "$want" ]; then
    fail "$*: got '$got', want '$want'"; cat "$tmp/err"
  else
    echo "$*: $got"
  fi
}
