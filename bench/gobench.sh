#!/usr/bin/env bash
# Go micro-benchmarks (-benchmem) of the flattener, the loader, the sandbox
# and the synthetic data generator, written to a file benchstat can compare.
#
# Usage: bench/gobench.sh [PACKAGE...]     (default ./pipeline/... ./internal/...)
#
# Environment (see also bench/lib.sh):
#   BENCH_COUNT  -count (default 6: benchstat wants >= 6 samples for its
#                confidence intervals)
#   BENCH_TIME   -benchtime (default 200ms)
#   BENCH_FILTER -bench regexp (default .)
#
# Output: $BENCH_DIR/gobench-<date>.txt, and gobench-latest.txt pointing at it;
# the run before it is kept as gobench-previous.txt.
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_SELF=gobench.sh
source bench/lib.sh

BENCH_COUNT=${BENCH_COUNT:-6}
BENCH_TIME=${BENCH_TIME:-200ms}
BENCH_FILTER=${BENCH_FILTER:-.}
pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./pipeline/... ./internal/...)

out="$BENCH_DIR/gobench-$(date -u +%Y%m%dT%H%M%SZ).txt"
say "go test -run '^\$' -bench '$BENCH_FILTER' -benchmem -count $BENCH_COUNT -benchtime $BENCH_TIME ${pkgs[*]} > $out"
if ! "$GO" test -run '^$' -bench "$BENCH_FILTER" -benchmem -count "$BENCH_COUNT" -benchtime "$BENCH_TIME" "${pkgs[@]}" >"$out" 2>&1; then
  tail -n 30 "$out" >&2
  die "go test -bench failed (output: $out)"
fi
if [ -e "$BENCH_DIR/gobench-latest.txt" ]; then
  cp "$(readlink -f "$BENCH_DIR/gobench-latest.txt")" "$BENCH_DIR/gobench-previous.txt"
fi
ln -sf "$(basename "$out")" "$BENCH_DIR/gobench-latest.txt"

# Median per benchmark of ns/op, MB/s, B/op, allocs/op (and a custom EOBs/s).
summary=$(awk '
  /^Benchmark/ {
    name = $1; sub(/-[0-9]+$/, "", name)
    if (!(name in seen)) { seen[name] = 1; order[++n] = name }
    for (i = 3; i < NF; i += 2) { k = name SUBSEP $(i+1); c = ++cnt[k]; v[k, c] = $i }
  }
  function median(k,    c, i, j, t, a) {
    c = cnt[k]; if (!c) return "-"
    for (i = 1; i <= c; i++) a[i] = v[k, i] + 0
    for (i = 2; i <= c; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
    return (c % 2) ? a[(c+1)/2] : (a[c/2] + a[c/2+1]) / 2
  }
  END {
    for (i = 1; i <= n; i++) {
      b = order[i]
      printf "%s\t%s\t%s\t%s\t%s\t%s\n", b, median(b SUBSEP "ns/op"), median(b SUBSEP "MB/s"), median(b SUBSEP "B/op"), median(b SUBSEP "allocs/op"), median(b SUBSEP "EOBs/s")
    }
  }' "$out")
[ -n "$summary" ] || die "no benchmark results in $out"

printf '%-34s %14s %10s %12s %10s\n' benchmark ns/op MB/s B/op allocs/op
while IFS=$'\t' read -r name ns mbs bop allocs eobs; do
  printf '%-34s %14.0f %10s %12s %10s\n' "$name" "$ns" "$mbs" "$bop" "$allocs"
  result "go.$name.ns_op" "$ns"
  [ "$mbs" = - ] || result "go.$name.mb_s" "$mbs"
  [ "$bop" = - ] || result "go.$name.b_op" "$bop"
  [ "$allocs" = - ] || result "go.$name.allocs_op" "$allocs"
  [ "$eobs" = - ] || result "go.$name.eobs_s" "$eobs"
done <<<"$summary"
echo "(medians of $BENCH_COUNT runs; raw output: $out)"

benchstat=$(command -v benchstat || true)
[ -n "$benchstat" ] || [ ! -x "$("$GO" env GOPATH)/bin/benchstat" ] || benchstat="$("$GO" env GOPATH)/bin/benchstat"
if [ -n "$benchstat" ]; then
  stat_out="$BENCH_DIR/benchstat.txt"
  if [ -e "$BENCH_DIR/gobench-previous.txt" ]; then
    say "benchstat, previous run vs this one (time per op; all units in $stat_out):"
    "$benchstat" "$BENCH_DIR/gobench-previous.txt" "$out" >"$stat_out" 2>&1 || warn "benchstat failed: $(head -n 3 "$stat_out")"
  else
    say "benchstat of this run (time per op; all units in $stat_out):"
    "$benchstat" "$out" >"$stat_out" 2>&1 || warn "benchstat failed: $(head -n 3 "$stat_out")"
  fi
  # the sec/op tables only, with their package lines
  awk 'BEGIN { RS = ""; ORS = "\n\n" } /sec\/op/' "$stat_out"
else
  say "benchstat not found (install: $GO install golang.org/x/perf/cmd/benchstat@latest)"
fi
say "compare two runs: benchstat OLD.txt NEW.txt, e.g. benchstat $BENCH_DIR/gobench-previous.txt $BENCH_DIR/gobench-latest.txt"
