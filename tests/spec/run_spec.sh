#!/usr/bin/env bash
# run_spec.sh — runs `kiln wast` over every .wast of one folder of the spec
# testsuite and compares the failures with known_failures.txt.
#
#   run_spec.sh KILN SPEC_DIR FOLDER KNOWN_FAILURES [--update] [WAST2JSON_FLAGS...]
#
# $KILN_SPEC_DIR, when set, overrides SPEC_DIR.  Prints pass/fail/skip counts
# per file and in total.  Exits 0 when the failures are exactly the known
# ones, 1 on a new failure or on a listed one that now passes, 77 (ctest:
# skipped) when the testsuite is absent.  --update rewrites this folder's
# entries of KNOWN_FAILURES from the results instead.
#
# Known-failure entries are `FOLDER/FILE.wast:LINE` for a failed command and
# `FOLDER/FILE.wast:LINE message` for a command whose outcome is right but
# whose error message differs from the spec's; text after `#` is a comment.
set -u
kiln=$1 spec=${KILN_SPEC_DIR:-$2} folder=$3 known=$4
shift 4
update=0
if [ "${1:-}" = --update ]; then update=1; shift; fi
flags=("$@")

if [ ! -d "$spec/$folder" ]; then
  echo "skipped: no testsuite ($spec/$folder not found)"
  exit 77
fi
# Everything below runs from the testsuite root, so make paths absolute first.
kiln=$(realpath "$kiln") known=$(realpath -m "$known") spec=$(realpath "$spec")
cd "$spec" || exit 1
manifest=$spec/manifest.tsv
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
: > "$work/current"

tp=0 tf=0 ts=0 files=0 unconverted=0 broken=0
for wast in $(ls "$folder"/*.wast | sort); do
  files=$((files + 1))
  out=$work/out
  "$kiln" wast "${flags[@]}" "$wast" > "$out" 2> "$work/err"
  rc=$?
  if grep -q 'wast2json cannot convert' "$work/err"; then
    if [ -f "$manifest" ] && grep -qP "^spec/\Q$wast\E\t[^\t]*\tno\t" "$manifest"; then
      echo "$wast: skipped: wast2json 1.0.32 cannot convert it (see spec/README.md)"
      unconverted=$((unconverted + 1))
    else
      echo "$wast: FAILED: $(head -1 "$work/err")"
      echo "$wast:0 # cannot convert" >> "$work/current"
      broken=$((broken + 1))
    fi
    continue
  fi
  totals=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$out" | tail -1)
  if [ -z "$totals" ] || [ $rc -gt 1 ]; then
    echo "$wast: FAILED: kiln wast exited $rc: $(head -1 "$work/err")"
    echo "$wast:0 # kiln wast did not finish" >> "$work/current"
    broken=$((broken + 1))
    continue
  fi
  read -r p _ f _ s _ <<< "$(echo "$totals" | tr -d ,)"
  tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
  echo "$wast: $totals"
  grep -E "^$wast:[0-9]+: " "$out" | while IFS= read -r line; do
    id=${line%%: *}
    case "$line" in
      *": message differs: "*) echo "$id message # ${line#*: message differs: }" ;;
      *) echo "$id # ${line#*: }" ;;
    esac
  done >> "$work/current"
done

echo "$folder: $files files ($unconverted not convertible by wast2json, $broken broken)"
echo "$tp passed, $tf failed, $ts skipped"

ids() { sed -e 's/[[:space:]]*#.*//' -e '/^[[:space:]]*$/d' "$1" | sort -u; }
ids "$work/current" > "$work/cur.ids"
grep -E "^$folder/" "$known" 2> /dev/null | ids /dev/stdin > "$work/known.ids"

if [ $update = 1 ]; then
  { grep -vE "^$folder/" "$known" 2> /dev/null; sort -t: -k1,1 -k2,2n "$work/current"; } > "$work/new"
  cp "$work/new" "$known"
  echo "updated $known: $(wc -l < "$work/cur.ids") entries for $folder"
  exit 0
fi

new=$(comm -23 "$work/cur.ids" "$work/known.ids")
fixed=$(comm -13 "$work/cur.ids" "$work/known.ids")
status=0
if [ -n "$new" ]; then
  echo "NEW failures (not in $(basename "$known")):"
  echo "$new" | while read -r id; do grep -F -- "$id " "$work/current" | head -1; done
  status=1
fi
if [ -n "$fixed" ]; then
  echo "FIXED (remove from $(basename "$known")):"
  echo "$fixed"
  status=1
fi
[ $status = 0 ] && echo "failures match $(basename "$known") ($(wc -l < "$work/known.ids") known)"
exit $status
