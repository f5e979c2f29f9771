#!/usr/bin/env bash
# run_spec.sh — runs `kiln wast` over every .wast of one folder of the spec
# testsuite and compares the results with the checked-in expectations.
#
#   run_spec.sh KILN SPEC_DIR FOLDER KNOWN_FAILURES EXPECTED [--update] [FLAGS...]
#
# FLAGS go to `kiln wast` (--enable-FEATURE, --aot, -O0, ...).
# $KILN_SPEC_DIR, when set, overrides SPEC_DIR.  Exits 77 (ctest: skipped)
# when SPEC_DIR does not exist at all; a testsuite without FOLDER, or with no
# .wast in it, fails.  Otherwise exits 0 when both match:
#
#   KNOWN_FAILURES  which commands fail: `FOLDER/FILE.wast:LINE` for a failed
#                   command, `FOLDER/FILE.wast:LINE message` for a command
#                   whose outcome is right but whose error message differs
#                   from the spec's; text after `#` is a comment.
#   EXPECTED        one line per file: its numbers of passed, failed and
#                   skipped commands, with the count of every skip reason
#                   (`FOLDER/FILE.wast: P passed, F failed, S skipped (N REASON; ...)`),
#                   or what became of it (`not convertible by wast2json`).
#                   The lines of FOLDER are exactly its files.
#
# Any difference fails, naming the file, the count, and what it was and is
# now.  --update rewrites FOLDER's entries of both files from the results
# instead (review the diff like code).
set -u
kiln=$1 spec=${KILN_SPEC_DIR:-$2} folder=$3 known=$4 expected=$5
shift 5
update=0
if [ "${1:-}" = --update ]; then update=1; shift; fi
flags=("$@")
export LC_ALL=C

if [ ! -d "$spec" ]; then
  echo "skipped: no testsuite ($spec not found)"
  exit 77
fi
if [ ! -d "$spec/$folder" ]; then
  echo "FAILED: the testsuite at $spec has no folder $folder"
  exit 1
fi
# Everything below runs from the testsuite root, so make paths absolute first.
kiln=$(realpath "$kiln") known=$(realpath -m "$known") spec=$(realpath "$spec")
expected=$(realpath -m "$expected")
cd "$spec" || exit 1
manifest=$spec/manifest.tsv
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
: > "$work/current"
: > "$work/counts"

shopt -s nullglob
wasts=("$folder"/*.wast)
if [ ${#wasts[@]} = 0 ]; then
  echo "FAILED: no .wast files in $spec/$folder"
  exit 1
fi

tp=0 tf=0 ts=0 files=0 unconverted=0 broken=0
for wast in $(printf '%s\n' "${wasts[@]}" | sort); do
  files=$((files + 1))
  out=$work/out
  "$kiln" wast "${flags[@]}" "$wast" > "$out" 2> "$work/err"
  rc=$?
  if grep -q 'wast2json cannot convert' "$work/err"; then
    if [ -f "$manifest" ] && grep -qP "^spec/\Q$wast\E\t[^\t]*\tno\t" "$manifest"; then
      echo "$wast: skipped: wast2json 1.0.32 cannot convert it (see spec/README.md)"
      echo "$wast: not convertible by wast2json" >> "$work/counts"
      unconverted=$((unconverted + 1))
    else
      echo "$wast: FAILED: $(head -1 "$work/err")"
      echo "$wast:0 # cannot convert" >> "$work/current"
      echo "$wast: cannot convert" >> "$work/counts"
      broken=$((broken + 1))
    fi
    continue
  fi
  totals=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$out" | tail -1)
  if [ -z "$totals" ] || [ $rc -gt 1 ]; then
    echo "$wast: FAILED: kiln wast exited $rc: $(head -1 "$work/err")"
    echo "$wast:0 # kiln wast did not finish" >> "$work/current"
    echo "$wast: did not finish" >> "$work/counts"
    broken=$((broken + 1))
    continue
  fi
  read -r p _ f _ s _ <<< "$(echo "$totals" | tr -d ,)"
  tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
  # The skip reasons, "N REASON" sorted by reason, joined by "; ".
  reasons=$(sed -n 's/^  skipped \([0-9]*\): \(.*\)$/\2\t\1/p' "$out" | sort |
            awk -F'\t' '{ printf "%s%s %s", (NR > 1 ? "; " : ""), $2, $1 }')
  echo "$wast: $totals${reasons:+ ($reasons)}" | tee -a "$work/counts"
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
# This folder's lines only (not those of a folder below it).
mine() { grep -E "^$folder/[^/]*: " "$1" 2> /dev/null | sort; }
mine "$expected" > "$work/expected"

# FILE's lines matching the pattern replaced by those of BLOCK, where the
# first of them was (or at the end): an update's diff shows only changes.
splice() {
  [ -f "$1" ] || : > "$1"
  awk -v re="$2" -v block="$3" '
    BEGIN { while ((getline l < block) > 0) b[++n] = l }
    $0 ~ re { if (!done) for (i = 1; i <= n; i++) print b[i]; done = 1; next }
    { print }
    END { if (!done) for (i = 1; i <= n; i++) print b[i] }' "$1" > "$work/new" &&
    cp "$work/new" "$1"
}

if [ $update = 1 ]; then
  sort -t: -k1,1 -k2,2n "$work/current" > "$work/block"
  splice "$known" "^$folder/" "$work/block"
  sort "$work/counts" > "$work/block"
  splice "$expected" "^$folder/[^/]*: " "$work/block"
  echo "updated $known: $(wc -l < "$work/cur.ids") entries for $folder"
  echo "updated $expected: $(wc -l < "$work/counts") files of $folder," \
       "$(comm -13 "$work/expected" <(sort "$work/counts") | wc -l) changed"
  exit 0
fi

status=0
new=$(comm -23 "$work/cur.ids" "$work/known.ids")
fixed=$(comm -13 "$work/cur.ids" "$work/known.ids")
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

# Counts: every number of every file, was (EXPECTED) and now.
if [ ! -s "$work/expected" ]; then
  echo "CHANGED: $(basename "$expected") has no lines for $folder (run with --update)"
  status=1
elif ! cmp -s "$work/expected" <(sort "$work/counts"); then
  echo "CHANGED counts (was: $(basename "$expected"), now: this run):"
  awk -v name="$(basename "$expected")" '
    # "FILE: P passed, F failed, S skipped (N REASON; ...)" into v[FILE, KEY].
    function parse(line, v, files,    file, rest, n, i, r, k) {
      file = substr(line, 1, index(line, ": ") - 1)
      rest = substr(line, index(line, ": ") + 2)
      files[file] = 1
      if (rest !~ /^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped/) {
        v[file, "state"] = rest
        return
      }
      split(rest, w, " ")
      v[file, "passed"] = w[1]; v[file, "failed"] = w[3]; v[file, "skipped"] = w[5] + 0
      keys[file, "passed"] = keys[file, "failed"] = keys[file, "skipped"] = 1
      if ((i = index(rest, " (")) == 0)
        return
      rest = substr(rest, i + 2, length(rest) - i - 2)
      n = split(rest, r, "; ")
      for (i = 1; i <= n; i++) {
        k = "skipped (" substr(r[i], index(r[i], " ") + 1) ")"
        v[file, k] = substr(r[i], 1, index(r[i], " ") - 1)
        keys[file, k] = 1
      }
    }
    FNR == NR { parse($0, was, wasf); next }
    { parse($0, now, nowf) }
    END {
      for (f in wasf)
        if (!(f in nowf)) printf "  %s: in %s, now missing from the testsuite\n", f, name
      for (f in nowf)
        if (!(f in wasf)) printf "  %s: new (not in %s)\n", f, name
      for (fk in keys) {
        split(fk, p, SUBSEP)
        if (!(p[1] in wasf) || !(p[1] in nowf)) continue
        a = (fk in was) ? was[fk] : 0; b = (fk in now) ? now[fk] : 0
        if (a != b) printf "  %s: %s was %s, now %s\n", p[1], p[2], a, b
      }
      for (f in wasf)
        if ((f in nowf) && was[f, "state"] != now[f, "state"])
          printf "  %s: was \"%s\", now \"%s\"\n", f,
                 was[f, "state"] != "" ? was[f, "state"] : "run",
                 now[f, "state"] != "" ? now[f, "state"] : "run"
    }' "$work/expected" <(sort "$work/counts") | sort
  status=1
fi
[ $status = 0 ] && echo "failures match $(basename "$known") ($(wc -l < "$work/known.ids") known)," \
  "counts match $(basename "$expected") ($(wc -l < "$work/expected") files)"
exit $status
