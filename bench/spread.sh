# bench/spread.sh — sourced by the paired benches (multimem.sh, mem64.sh).
# spread: median, Q1, Q3, min, max (interpolated quartiles) of the numbers
# on stdin, one line.
spread() {
  sort -g | awk '{ v[NR] = $1 }
    function q(f,  h, i) { h = (NR - 1) * f + 1; i = int(h); return v[i] + (h - i) * (v[i + 1] - v[i]) }
    END { v[NR + 1] = v[NR]; printf "%.3f %.3f %.3f %.3f %.3f\n", q(0.5), q(0.25), q(0.75), v[1], v[NR] }'
}
