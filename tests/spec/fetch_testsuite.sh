#!/usr/bin/env bash
# fetch_testsuite.sh SOURCE_DIR SPEC_DIR — checks scripts/fetch-testsuite
# offline: SPEC_DIR (a testsuite as the spec tests read it) is turned back
# into a repository shaped like the upstream one (scripts at the top,
# proposals/NAME/), the script fetches a commit of it through git, and what
# it lays out must hold the same scripts and the same manifest (flags,
# converts, command counts) as SPEC_DIR.  Exits 77 without a testsuite.
set -euo pipefail
src=$1 spec=${KILN_SPEC_DIR:-$2}
[ -d "$spec/core" ] && [ -f "$spec/manifest.tsv" ] ||
  { echo "skipped: no testsuite ($spec not found)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# An upstream-shaped repository, with one more proposal than kiln tests
# and a file that is not a script: both must stay out.
up=$work/upstream
mkdir -p "$up/proposals/annotations"
cp "$spec"/core/*.wast "$up/"
for d in "$spec"/proposals/*/; do
  mkdir -p "$up/proposals/$(basename "$d")"
  cp "$d"*.wast "$up/proposals/$(basename "$d")/"
done
echo '(module)' > "$up/proposals/annotations/annotations.wast"
echo 'not a script' > "$up/README.md"
git -C "$up" init -q
git -C "$up" -c user.name=t -c user.email=t@t add -A
git -C "$up" -c user.name=t -c user.email=t@t commit -q -m suite
commit=$(git -C "$up" rev-parse HEAD)
echo 'later' > "$up/later.wast"
git -C "$up" -c user.name=t -c user.email=t@t add -A
git -C "$up" -c user.name=t -c user.email=t@t commit -q -m later

# The pinned commit, not the branch head, is what lands.
KILN_TESTSUITE_URL=file://$up KILN_TESTSUITE_COMMIT=$commit \
  "$src/scripts/fetch-testsuite" "$work/got"
[ ! -e "$work/got/core/later.wast" ] || { echo "FAIL: fetched the branch head"; exit 1; }
[ ! -e "$work/got/proposals/annotations" ] || { echo "FAIL: untested proposal copied"; exit 1; }
diff <(cd "$spec" && find core proposals -name '*.wast' | sort) \
     <(cd "$work/got" && find core proposals -name '*.wast' | sort) ||
  { echo "FAIL: the scripts differ"; exit 1; }
diff <(sort "$spec/manifest.tsv") <(sort "$work/got/manifest.tsv") ||
  { echo "FAIL: the manifest differs"; exit 1; }

# A second fetch to the same place refuses; an unknown commit fails cleanly.
if KILN_TESTSUITE_URL=file://$up "$src/scripts/fetch-testsuite" "$work/got" 2> "$work/err"; then
  echo "FAIL: overwrote an existing testsuite"; exit 1
fi
grep -q 'already exists' "$work/err" || { cat "$work/err"; exit 1; }
if KILN_TESTSUITE_URL=file://$up KILN_TESTSUITE_COMMIT=0123456789abcdef0123456789abcdef01234567 \
   "$src/scripts/fetch-testsuite" "$work/none" 2> "$work/err"; then
  echo "FAIL: fetched a commit that does not exist"; exit 1
fi
grep -q 'cannot fetch' "$work/err" && [ ! -e "$work/none" ] || { cat "$work/err"; exit 1; }
echo "fetch-testsuite: layout and manifest match $spec"
