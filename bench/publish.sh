#!/usr/bin/env bash
# Publishing benchmark (issue #12): what it costs to publish the warehouse
# for readers after each command.
#
# Part 1, the database copy against the size of the DuckDB file: a 2 GB
# load of generated AB2D-shaped NDJSON is grown in DuckDB to each DB_SIZE
# (bench/publishbench -grow: copies of every row with new eob_ids; loading
# real NDJSON of that size would take hours) and published BENCH_RUNS times
# by each mechanism of bench/publishbench: copy (copy_file_range), a
# buffered copy, a reflink, DuckDB's COPY FROM DATABASE (1 GB only: it
# takes minutes a GB).
#
# Part 2, the current-state Parquet on the 2 GB load, cut in files of
# 200 MB as AB2D rolls them over: `ab2d-etl load` of the 10 files (the first
# publish writes every file), then, each on a copy of that warehouse, three
# nightly increments of 2,934 new EOBs (20 MB), with
#   only-new  nothing else;
#   recent    2,935 EOBs of the last 200 MB file sent again, newer
#             (AB2D re-sends recent claims when they change);
#   spread    2,935 EOBs taken across the whole history (every 100th)
#             sent again, newer: the worst case.
# It prints the "published" log line's figures of each run.
#
# Usage: bench/publish.sh [DB_SIZE_GB...]   (default: 1 5)
#
# Environment (see also bench/lib.sh): BENCH_RUNS (default 3),
# BENCH_PUBLISH_PARTS (default "1 2"; part 1 alone reuses part 2's
# warehouse when there is one).
#
# Disk: the 2 GB input and its split copy (4 GB), and for the largest
# DB_SIZE three times that size (the grown file, a copy being written, the
# previous copy).
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_SELF=publish.sh
source bench/lib.sh

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 5)
BENCH_RUNS=${BENCH_RUNS:-3}
parts=" ${BENCH_PUBLISH_PARTS:-1 2} "
need_gnu_time
need_binary

gen="$BENCH_DIR/ab2d-gen"
pb="$BENCH_DIR/publishbench"
build_helper ./cmd/ab2d-gen "$gen"
build_helper ./bench/publishbench "$pb"

dir="$BENCH_DIR/publish"
mkdir -p "$dir"
input="$dir/r4-ab2d-sample-2GB.ndjson"
[ -s "$input" ] || "$gen" -seed 1 -shape ab2d-sample -size 2GB -o "$input"

# The 2 GB load, in 200 MB files.
if [ ! -s "$dir/files/Z0000_aa.ndjson" ]; then
  rm -rf "$dir/files"
  mkdir -p "$dir/files"
  split -C 200000000 --additional-suffix=.ndjson "$input" "$dir/files/Z0000_"
fi
# The increments. The first "id" and "lastUpdated" of a line are the EOB's.
bump='s/"lastUpdated":"[^"]*"/"lastUpdated":"2026-11-30T02:00:00.000+00:00"/'
"$gen" -seed 2 -shape ab2d-sample -size 20MB | sed 's/"id":"\([a-z]*--[0-9]*\)"/"id":"\1-n"/' >"$dir/only-new.ndjson"
last=$(find "$dir/files" -name 'Z0000_*.ndjson' -size +100M | sort | tail -n 1)
{ cat "$dir/only-new.ndjson"; awk 'NR % 10 == 1 && n++ < 2935' "$last" | sed "$bump"; } >"$dir/recent.ndjson"
{ cat "$dir/only-new.ndjson"; awk 'NR % 100 == 1' "$input" | sed "$bump"; } >"$dir/spread.ndjson"

# published LOG: the figures of the last "published" line of a JSON log.
published() {
  grep '"msg":"published"' "$1" | tail -n 1 |
    sed 's/.*"bytes":\([0-9]*\).*"database_seconds":\([0-9.]*\).*"parquet_files_written":\([0-9]*\),"parquet_files_linked":\([0-9]*\),"parquet_bytes_written":\([0-9]*\),"parquet_seconds":\([0-9.]*\).*/db_bytes=\1 db_s=\2 pq_written=\3 pq_linked=\4 pq_bytes=\5 pq_s=\6/'
}

wh="$dir/wh-2GB"
[[ $parts == *" 2 "* ]] || [ -s "$wh/.ab2d/writer.duckdb" ] || parts+=" 2 "
if [[ $parts == *" 2 "* ]]; then
  say "part 2: current-state Parquet on the 2 GB load"
  for r in $(seq "$BENCH_RUNS"); do
    rm -rf "$wh"
    "$TIME" -v -o "$dir/time-base.txt" "$AB2D_ETL" load --log-format json --out "$wh" "$dir/files" >/dev/null 2>"$dir/base.log" ||
      { tail -n 20 "$dir/base.log" >&2; die "load failed"; }
    say "base load (10 files) round $r: $(time_wall "$dir/time-base.txt") s, RSS $(time_rss_kb "$dir/time-base.txt") KB, $(published "$dir/base.log")"
  done
  du -sb "$wh/.ab2d/writer.duckdb" "$wh/warehouse.duckdb" "$wh/current/latest/" "$wh/parquet" | while read -r n p; do say "size $p: $n bytes"; done
  for inc in only-new recent spread; do
    for r in $(seq "$BENCH_RUNS"); do
      rm -rf "$dir/wh-inc"
      cp -a "$wh" "$dir/wh-inc"
      "$TIME" -v -o "$dir/time-inc.txt" "$AB2D_ETL" load --log-format json --out "$dir/wh-inc" "$dir/$inc.ndjson" >/dev/null 2>"$dir/$inc.log" ||
        { tail -n 20 "$dir/$inc.log" >&2; die "load failed"; }
      say "increment $inc round $r: $(time_wall "$dir/time-inc.txt") s, RSS $(time_rss_kb "$dir/time-inc.txt") KB, $(published "$dir/$inc.log")"
    done
  done
  rm -rf "$dir/wh-inc"
fi
[[ $parts == *" 1 "* ]] || exit 0

say "part 1: the database copy against the DuckDB file's size"
base_db="$wh/.ab2d/writer.duckdb"
base_bytes=$(stat -c %s "$base_db")
for gb in "${sizes[@]}"; do
  copies=$(awk -v gb="$gb" -v b="$base_bytes" 'BEGIN { n = int(gb * 1e9 / b + 0.5) - 1; print (n < 0 ? 0 : n) }')
  if [ "$(free_gb "$dir" | cut -d. -f1)" -lt $((3 * gb + 1)) ]; then
    warn "${gb} GB: skipped, only $(free_gb "$dir") GB free (needs about $((3 * gb)) GB)"
    continue
  fi
  db="$dir/grown-${gb}GB.duckdb"
  cp "$base_db" "$db"
  mechs=copy,copy-buffered,reflink
  [ "$gb" -le 1 ] && mechs+=,copy-from-database
  "$pb" -db "$db" -out "$dir/pub-${gb}GB" -grow "$copies" -rounds "$BENCH_RUNS" -mechanisms "$mechs" | sed "s/^/[$gb GB] /"
  rm -rf "$db" "$db.wal" "$dir/pub-${gb}GB"
done
