#!/usr/bin/env bash
# Report benchmark: time `ab2d-etl report` on a warehouse with GNU time (wall
# clock and peak RSS), BENCH_RUNS times, and record the fastest run, the
# page's size and the warehouse's size.
#
# Usage: bench/report.sh [WAREHOUSE]
#
# The warehouse is the argument, else $REPORT_WAREHOUSE, else
# $BENCH_DIR/wh-$REPORT_SIZE (the warehouse bench/load.sh leaves for that
# size; default size 2GB). The report is written to $BENCH_DIR, not into the
# warehouse.
#
# Environment (see also bench/lib.sh):
#   REPORT_WAREHOUSE  warehouse folder (when no argument is given)
#   REPORT_SIZE       size whose bench/load.sh warehouse to use (default 2GB)
#   BENCH_RUNS        runs; the fastest counts (default 3)
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_SELF=report.sh
source bench/lib.sh

case "${1:-}" in -h | --help)
  echo "usage: $0 [WAREHOUSE]   (default: \$REPORT_WAREHOUSE or \$BENCH_DIR/wh-\$REPORT_SIZE)" >&2
  exit 2
  ;;
esac
[ $# -le 1 ] || die "one warehouse at most"

REPORT_SIZE=${REPORT_SIZE:-2GB}
BENCH_RUNS=${BENCH_RUNS:-3}
[[ $BENCH_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer"
wh=${1:-${REPORT_WAREHOUSE:-$BENCH_DIR/wh-$REPORT_SIZE}}
[ -f "$wh/warehouse.duckdb" ] || die "no warehouse at $wh (give one, or run bench/load.sh $REPORT_SIZE first)"

need_gnu_time
need_binary

name=$(basename "$wh")
out="$BENCH_DIR/report-$name.html"
db_mb=$(calc "$(stat -c %s "$wh/warehouse.duckdb") / 1e6")
claims=$("$AB2D_ETL" query --out "$wh" --format csv "SELECT count(*) FROM claims" | tail -n 1 | tr -d '\r"')

best=
for run in $(seq "$BENCH_RUNS"); do
  report="$BENCH_DIR/time-report-$name-$run.txt"
  log="$BENCH_DIR/report-$name-$run.log"
  if ! "$TIME" -v -o "$report" "$AB2D_ETL" report --quiet --out "$wh" --output "$out" >"$log" 2>&1; then
    tail -n 20 "$log" >&2 || true
    die "ab2d-etl report failed on $wh (log: $log)"
  fi
  secs=$(time_wall "$report")
  if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
    best=$secs
    rss_kb=$(time_rss_kb "$report")
  fi
done
page_kb=$(calc "$(stat -c %s "$out") / 1024")

printf '%-16s %10s %10s %9s %8s %9s\n' warehouse duckdb_MB claims seconds RSS_MB page_KB
printf '%-16s %10.1f %10d %9.2f %8.0f %9.0f\n' "$name" "$db_mb" "$claims" "$best" "$(calc "$rss_kb / 1024")" "$page_kb"
say "report of $wh: $out"
result "report.$name.duckdb_mb" "$db_mb"
result "report.$name.claims" "$claims"
result "report.$name.seconds" "$best"
result "report.$name.rss_mb" "$(calc "$rss_kb / 1024")"
result "report.$name.page_kb" "$page_kb"
