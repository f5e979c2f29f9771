#!/usr/bin/env bash
# runner_checks.sh — run_spec.sh's own teeth, on a small testsuite made
# here (no real testsuite needed): counts that match pass; a changed count,
# a new command failure, a listed failure that now passes, a new "not
# supported yet" skip, a file added or
# gone, an empty or missing folder fail; an absent testsuite
# is a skip (77); and `kiln wast --min-passed` fails a script whose commands
# did not all pass.
#
#   runner_checks.sh KILN RUN_SPEC
set -u
kiln=$1 run_spec=$2
# Its own testsuite, whatever the caller's $KILN_SPEC_DIR (which would send
# run_spec.sh to the real one: every check then runs the whole suite).
unset KILN_SPEC_DIR
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
fails=0
spec=$work/spec known=$work/known.txt expected=$work/expected.txt
mkdir -p "$spec/core" "$spec/empty"
cat > "$spec/core/a.wast" <<'W'
(module (func (export "f") (param i32) (result i32) (i32.div_s (i32.const 7) (local.get 0))))
(assert_return (invoke "f" (i32.const 7)) (i32.const 1))
(assert_trap (invoke "f" (i32.const 0)) "integer divide by zero")
(assert_malformed (module quote "(func") "unexpected end")
W
printf '(module)\n' > "$spec/core/b.wast"
: > "$known"

# run WANT_RC OUT_PATTERN DESCRIPTION ARGS...: run_spec.sh's status and output.
check() {
  local want=$1 pattern=$2 what=$3
  shift 3
  "$run_spec" "$kiln" "$@" > "$work/out" 2>&1
  local rc=$?
  if [ $rc != "$want" ] || ! grep -qF -- "$pattern" "$work/out"; then
    echo "FAIL: $what: exit $rc (want $want), output:"
    sed 's/^/  /' "$work/out"
    fails=$((fails + 1))
  else
    echo "ok: $what"
  fi
}

check 0 "updated $expected: 2 files" "--update writes the counts" \
  "$spec" core "$known" "$expected" --update
grep -qxF 'core/a.wast: 3 passed, 0 failed, 1 skipped (1 text format)' "$expected" ||
  { echo "FAIL: unexpected line for a.wast:"; cat "$expected"; fails=$((fails + 1)); }
check 0 "counts match expected.txt (2 files)" "unchanged counts pass" \
  "$spec" core "$known" "$expected"

cp "$expected" "$work/good.txt"
sed -i 's/^core\/a.wast: 3 passed, 0 failed, 1 skipped (1 text format)$/core\/a.wast: 3 passed, 0 failed, 2 skipped (2 text format)/' "$expected"
check 1 "core/a.wast: skipped (text format) was 2, now 1" "a changed skip count fails" \
  "$spec" core "$known" "$expected"
check 1 "core/a.wast: skipped was 2, now 1" "... naming the total too" \
  "$spec" core "$known" "$expected"

cp "$work/good.txt" "$expected"
echo 'core/gone.wast: 1 passed, 0 failed, 0 skipped' >> "$expected"
check 1 "core/gone.wast: in expected.txt, now missing" "a file gone fails" \
  "$spec" core "$known" "$expected"

cp "$work/good.txt" "$expected"
printf '(module)\n' > "$spec/core/c.wast"
check 1 "core/c.wast: new (not in expected.txt)" "a new file fails" \
  "$spec" core "$known" "$expected"
rm "$spec/core/c.wast"

# A command that now fails, and a listed failure that now passes.
cp "$spec/core/a.wast" "$work/a.good"
echo '(assert_return (invoke "f" (i32.const 7)) (i32.const 2))' >> "$spec/core/a.wast"
check 1 "NEW failures" "a new command failure fails" "$spec" core "$known" "$expected"
cp "$work/a.good" "$spec/core/a.wast"
echo 'core/a.wast:2' > "$known"
check 1 "FIXED (remove from" "a listed failure that now passes fails" \
  "$spec" core "$known" "$expected"
: > "$known"
check 0 "counts match expected.txt (2 files)" "... and all is well again" \
  "$spec" core "$known" "$expected"

# A command kiln cannot run yet is a skip with its reason, counted: a new
# one changes the counts and fails.
args=$(printf ' (i32.const 1)%.0s' $(seq 33))
params=$(printf ' i32%.0s' $(seq 33))
printf '(module (func (export "g") (param%s) (result i32) (local.get 0)))\n' "$params" > "$work/n.wast"
printf '(assert_return (invoke "g"%s) (i32.const 1))\n' "$args" >> "$work/n.wast"
cat "$work/n.wast" >> "$spec/core/a.wast"
check 1 "skipped (not supported yet: more than 32 arguments) was 0, now 1" \
  "a new \"not supported yet\" skip fails, by its reason" "$spec" core "$known" "$expected"
cp "$work/a.good" "$spec/core/a.wast"

check 1 "no .wast files in" "an empty folder fails" "$spec" empty "$known" "$expected"
check 1 "has no folder proposals/gone" "a missing folder fails" \
  "$spec" proposals/gone "$known" "$expected"
check 77 "skipped: no testsuite" "an absent testsuite is a skip" \
  "$work/nowhere" core "$known" "$expected"

# kiln wast --min-passed: every command of a regress script must pass.
"$kiln" wast --min-passed 3 "$spec/core/a.wast" > /dev/null 2>&1 ||
  { echo "FAIL: --min-passed 3 with 3 passed"; fails=$((fails + 1)); }
if "$kiln" wast --min-passed 4 "$spec/core/a.wast" > /dev/null 2> "$work/err" ||
   ! grep -qF '3 passed, fewer than --min-passed 4' "$work/err"; then
  echo "FAIL: --min-passed 4 with 3 passed:"; cat "$work/err"; fails=$((fails + 1))
else
  echo "ok: --min-passed fails a script with fewer passes"
fi

[ $fails = 0 ] && echo "all runner checks passed"
[ $fails = 0 ]
