#!/usr/bin/env bash
# cache_hostile.sh KILN WASM — the code cache against a second user, run
# as root (exit 77, skipped, otherwise).  A temporary user (removed at
# exit) owns a cache directory in which it planted an artifact of another
# module at WASM's key and symbolic links to a root-owned 0600 file at
# the temporary names kiln once used; root must refuse that directory
# with one warning and still run WASM, write nothing there and leave the
# file alone.  In root's own cache: modes 0700/0600 and a 32-byte key; a
# forged, copied, foreign-owned or linked entry is refused, removed and
# recompiled; a group-writable directory or a foreign key is refused.
# The runs fill the cache with --cache-wait (the fill kiln run otherwise
# leaves to a background process, waited for), but the first, which
# leaves it to the background; a background fill started by hand in the
# foreign directory writes nothing there either.
set -u
kiln=$1 wasm=$2
[ "$(id -u)" = 0 ] || { echo "skipped: needs root"; exit 77; }
tmp=$(mktemp -d)
chmod 755 "$tmp"
user=kilnh$$
cleanup() { rm -rf "$tmp"; [ -n "$user" ] && userdel "$user" 2> /dev/null; }
trap cleanup EXIT
if ! useradd -M -r -s /usr/sbin/nologin "$user" 2> /dev/null; then
  user=""	# no useradd: a directory given to nobody stands for the second user
fi
other=${user:-nobody}
as_other() { if [ -n "$user" ]; then runuser -u "$other" -- "$@"; else "$@"; fi; }
fails=0
fail() { echo "FAIL: $1"; fails=$((fails + 1)); }
ok() { echo "ok: $1"; }

# A module whose _start traps: if kiln ever runs it instead of WASM, the
# output and the exit code show it.
printf '\0asm\1\0\0\0\1\4\1\x60\0\0\3\2\1\0\7\x0a\1\6_start\0\0\x0a\5\1\3\0\0\x0b' > "$tmp/trap.wasm"
"$kiln" compile "$wasm" -o "$tmp/hello.kwasm" || exit 1
"$kiln" compile "$tmp/trap.wasm" -o "$tmp/trap.kwasm" || exit 1
timeout 60 "$kiln" run --no-cache "$wasm" > "$tmp/want.out" || exit 1

# run_ok DESCRIPTION DIR WARNING : WASM runs right with KILN_CACHE_DIR=DIR
# and stderr is exactly one line matching WARNING (or empty when WARNING is
# ""); a miss is stored before it returns unless $fill is "".
fill=--cache-wait
run_ok() {
  KILN_CACHE_DIR=$2 timeout 60 "$kiln" run $fill "$wasm" > "$tmp/got.out" 2> "$tmp/got.err"
  local rc=$?
  if [ $rc -ne 0 ] || ! cmp -s "$tmp/want.out" "$tmp/got.out"; then
    fail "$1: exit $rc, output differs"; cat "$tmp/got.err"
  elif [ -z "$3" ] && [ -s "$tmp/got.err" ]; then fail "$1: unexpected stderr"; cat "$tmp/got.err"
  elif [ -n "$3" ] && { [ "$(wc -l < "$tmp/got.err")" -ne 1 ] || ! grep -q "$3" "$tmp/got.err"; }; then
    fail "$1: stderr is not one line matching '$3':"; cat "$tmp/got.err"
  else ok "$1${3:+: $(cat "$tmp/got.err")}"; fi
}
hits() { KILN_CACHE_DIR=$1 "$kiln" run --stats "$wasm" 2>&1 > /dev/null | grep -c '(0 functions)'; }

# A fresh cache: modes, key, and WASM's key (the entry's name).
own=$tmp/root/a/cache
fill="" run_ok "a fresh cache" "$own" ""
for _ in $(seq 1200); do ls "$own"/*.kwasm > /dev/null 2>&1 && break; sleep 0.1; done
entry=$(ls "$own"/*.kwasm)
name=$(basename "$entry")
[ "$(stat -c %a "$tmp/root" "$tmp/root/a" "$own" "$entry" "$own/mac.key" | tr '\n' ' ')" = \
  "700 700 700 600 600 " ] && ok "modes 0700 (the directories kiln made), 0600 (entry, key)" ||
  fail "modes: $(stat -c '%a %n' "$tmp/root" "$tmp/root/a" "$own" "$entry" "$own/mac.key")"
[ "$(stat -c %s "$own/mac.key")" = 32 ] || fail "mac.key is not 32 bytes"
[ "$(hits "$own")" = 1 ] && ok "a good entry is a hit" || fail "a good entry is not a hit"

# The second user's directory: a planted artifact and planted links.
echo secret > "$tmp/victim"
chmod 600 "$tmp/victim"
foreign=$tmp/foreign
mkdir "$foreign"
chown "$other" "$foreign"
chmod 755 "$foreign"
cp "$tmp/trap.kwasm" "$tmp/plant" && chmod 644 "$tmp/plant"
as_other cp "$tmp/plant" "$foreign/$name"
[ -n "$user" ] || chown "$other" "$foreign/$name"
# perl -e "$plant" TARGET PREFIX : links PREFIX.tmp<pid> -> TARGET for the
# next 3000 process ids, in one process so that planting uses none of them.
# shellcheck disable=SC2016
plant='for my $p ($$ .. $$ + 3000) { symlink($ARGV[0], "$ARGV[1].tmp$p") or die "$!" }'
as_other perl -e "$plant" "$tmp/victim" "$foreign/$name"
as_other ln -s "$tmp/victim" "$foreign/mac.key"
run_ok "a foreign cache directory is refused" "$foreign" \
  "cache directory $foreign is owned by uid $(id -u "$other"), not by uid 0; running without the cache"
as_other rm "$foreign/$name"	# a miss: the run would store an entry
run_ok "a foreign cache directory without the entry" "$foreign" "owned by uid $(id -u "$other")"
[ "$(cat "$tmp/victim")" = secret ] && [ "$(stat -c '%a %U' "$tmp/victim")" = "600 root" ] &&
  ok "the planted links wrote nothing" || fail "the victim file changed"
key=${name%.kwasm}
KILN_CACHE_DIR=$foreign timeout 60 "$kiln" cache fill --key "$key" --background "$wasm" 2> /dev/null
[ $? -eq 1 ] && ok "a background fill refuses it" || fail "a background fill used the foreign directory"
[ -z "$(find "$foreign" -user root)" ] && ok "root wrote nothing in the foreign directory" ||
  fail "root wrote into the foreign directory: $(find "$foreign" -user root)"
as_other cp "$tmp/plant" "$foreign/$name"
KILN_CACHE_DIR=$foreign "$kiln" cache clean > /dev/null 2>&1
[ $? -eq 1 ] && [ -e "$foreign/$name" ] && ok "kiln cache clean refuses it" ||
  fail "kiln cache clean used the foreign directory"
ln -s "$own" "$tmp/their-link"
chown -h "$other" "$tmp/their-link"
run_ok "a link to root's cache owned by the other user" "$tmp/their-link" "symbolic link owned by another user"

# Root's own directory, planted into (as by a process of root's).
cp "$tmp/trap.kwasm" "$entry"
run_ok "an entry without a tag" "$own" "is unusable (not authenticated by this cache's key); removed, recompiling"
[ "$(hits "$own")" = 1 ] && ok "and replaced by a good one" || fail "the entry was not replaced"
{ cat "$tmp/trap.kwasm"; printf kilnmac1; head -c 32 /dev/urandom; } > "$entry"
run_ok "a forged tag" "$own" "is unusable (not authenticated by this cache's key)"
other_cache=$tmp/root/b
KILN_CACHE_DIR=$other_cache timeout 60 "$kiln" run --aot "$tmp/trap.wasm" > /dev/null 2>&1
cp "$(ls "$other_cache"/*.kwasm)" "$entry"
run_ok "an entry from another cache, under WASM's name" "$own" "not authenticated"
head -c 300 "$entry" > "$tmp/cut" && cp "$tmp/cut" "$entry"
run_ok "a truncated entry" "$own" "is unusable"
rm -f "$entry" && ln -s "$tmp/victim" "$entry"
run_ok "a symbolic link as the entry" "$own" "is unusable (a symbolic link)"
[ -f "$entry" ] && [ ! -L "$entry" ] && [ "$(cat "$tmp/victim")" = secret ] &&
  ok "the link was replaced by an entry, the victim untouched" || fail "a linked entry"
chown "$other" "$entry"
run_ok "an entry owned by another user" "$own" "is owned by uid $(id -u "$other")"
chmod 622 "$entry"
run_ok "an entry writable by others" "$own" "writable by group or others"
perl -e "$plant" "$tmp/victim" "$entry"
rm -f "$entry"
run_ok "links at the old temporary names" "$own" ""
[ "$(cat "$tmp/victim")" = secret ] && [ -f "$entry" ] && [ ! -L "$entry" ] &&
  ok "they were not followed" || fail "a link at a temporary name was written through"
chmod 770 "$own"
run_ok "a group-writable cache directory" "$own" "is writable by group or others (mode 0770)"
chmod 700 "$own"
chown "$other" "$own/mac.key"
run_ok "a key owned by another user" "$own" "cache key $own/mac.key is not a 0600 file"
[ "$(cat "$tmp/victim")" = secret ] || fail "the victim file changed"

echo "$fails failed"
[ $fails -eq 0 ]
