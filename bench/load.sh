#!/usr/bin/env bash
# Load benchmark: generate synthetic AB2D R4 NDJSON of each SIZE (cached) and
# time `ab2d-etl load` on it with GNU time (wall clock and peak RSS).
#
# Usage: bench/load.sh SIZE...        e.g. bench/load.sh 100MB 1GB
#
# Environment:
#   BENCH_DIR  work folder for the cached inputs, warehouses and logs
#              (default /tmp/ab2d-bench); inputs are reused when present
#   AB2D_ETL   the binary to time (default ./bin/ab2d-etl, built by `make build`)
#   SEED       generator seed (default 1)
#   GO         the go command (default go)
#
# Prints one table row per size (MB = 10^6 bytes, as ab2d-etl reports it) and
# exits non-zero if anything fails.
set -euo pipefail

usage() {
  echo "usage: $0 SIZE...   (e.g. $0 100MB 1GB; SIZE takes a KB, MB or GB suffix)" >&2
  exit 2
}
die() {
  echo "bench/load.sh: $*" >&2
  exit 1
}

[ $# -ge 1 ] || usage
case "$1" in -h | --help) usage ;; esac

cd "$(dirname "$0")/.."

BENCH_DIR=${BENCH_DIR:-/tmp/ab2d-bench}
AB2D_ETL=${AB2D_ETL:-./bin/ab2d-etl}
SEED=${SEED:-1}
GO=${GO:-go}
TIME=/usr/bin/time

if [ ! -x "$TIME" ]; then
  die "$TIME not found: install GNU time (Debian/Ubuntu package 'time': apt-get install time)"
fi
if ! "$TIME" -v -o /dev/null true 2>/dev/null; then
  die "$TIME does not support -v/-o: GNU time is needed (Debian/Ubuntu package 'time')"
fi
[ -x "$AB2D_ETL" ] || die "$AB2D_ETL not found or not executable: run 'make build' first"

mkdir -p "$BENCH_DIR"
gen="$BENCH_DIR/ab2d-gen"

# ensure_input SIZE FILE: generate FILE unless it is already there.
ensure_input() {
  local size=$1 file=$2
  if [ -s "$file" ]; then
    return 0
  fi
  if [ ! -x "$gen" ] || [ -n "$(find cmd/ab2d-gen internal/synth -newer "$gen" -name '*.go' -print -quit)" ]; then
    "$GO" build -o "$gen" ./cmd/ab2d-gen || die "building cmd/ab2d-gen failed"
  fi
  echo "generating $file ($size, seed $SEED)..." >&2
  "$gen" -seed "$SEED" -size "$size" -o "$file" || die "generating $size failed"
}

# wall_seconds "h:mm:ss" | "m:ss.ss" -> seconds
wall_seconds() {
  awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else if (NF == 2) print $1*60 + $2; else print $1 }' <<<"$1"
}

printf '%-8s %10s %10s %9s %9s %10s %12s\n' size MB EOBs seconds MB/s EOBs/s peak_RSS_MB
for size in "$@"; do
  case "$size" in
    *[!0-9A-Za-z.]* | "") die "invalid size '$size'" ;;
  esac
  input="$BENCH_DIR/r4-$size.ndjson"
  wh="$BENCH_DIR/wh-$size"
  report="$BENCH_DIR/time-$size.txt"
  log="$BENCH_DIR/load-$size.log"

  ensure_input "$size" "$input"
  bytes=$(stat -c %s "$input")
  eobs=$(wc -l <"$input")

  rm -rf "$wh"
  if ! "$TIME" -v -o "$report" "$AB2D_ETL" load --out "$wh" "$input" >"$log" 2>&1; then
    tail -n 20 "$log" >&2 || true
    die "ab2d-etl load failed for $size (log: $log)"
  fi

  wall=$(sed -n 's/^[[:space:]]*Elapsed (wall clock) time.*): //p' "$report")
  rss_kb=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$report")
  [ -n "$wall" ] && [ -n "$rss_kb" ] || die "cannot parse $report"
  secs=$(wall_seconds "$wall")

  awk -v size="$size" -v bytes="$bytes" -v eobs="$eobs" -v secs="$secs" -v rss="$rss_kb" 'BEGIN {
    mb = bytes / 1e6
    if (secs <= 0) secs = 0.01
    printf "%-8s %10.1f %10d %9.2f %9.1f %10.0f %12.1f\n", size, mb, eobs, secs, mb / secs, eobs / secs, rss / 1024
  }'
done
