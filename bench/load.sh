#!/usr/bin/env bash
# Load benchmark: generate synthetic AB2D R4 NDJSON of each SIZE (cached),
# time `ab2d-etl load` on it with GNU time (wall clock and peak RSS), count
# the rows it wrote, then run the DuckDB-only peer (bench/duckdb_peer.sql,
# 2 threads) on the same file, check that both produced the same tables and
# print the throughput ratio.
#
# Usage: bench/load.sh SIZE...        e.g. bench/load.sh 200MB 2GB
#
# Environment (see also bench/lib.sh):
#   SEED          generator seed (default 1)
#   BENCH_RUNS    runs of each command per size; the fastest counts (default 1)
#   BENCH_PEER    0 skips the DuckDB peer (default 1)
#   BENCH_PARITY  0 skips the row-for-row comparison of the peer's tables
#                 with ab2d-etl's (default 1; untimed)
#   PEER_THREADS  DuckDB threads of the peer (default 2)
#
# MB = 10^6 bytes, as ab2d-etl reports it. Rows are the rows of the six data
# tables in DuckDB after the load (claims, claim_lines, claim_diagnoses,
# claim_procedures, claim_care_team, beneficiary_mbis). The peer's time is
# its own: from opening its database to closing it (checkpoint included),
# without process start-up and the untimed counts.
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_SELF=load.sh
source bench/lib.sh

usage() {
  echo "usage: $0 SIZE...   (e.g. $0 200MB 2GB; SIZE takes a KB, MB or GB suffix)" >&2
  exit 2
}
[ $# -ge 1 ] || usage
case "$1" in -h | --help) usage ;; esac

SEED=${SEED:-1}
BENCH_RUNS=${BENCH_RUNS:-1}
BENCH_PEER=${BENCH_PEER:-1}
BENCH_PARITY=${BENCH_PARITY:-1}
PEER_THREADS=${PEER_THREADS:-2}
[[ $BENCH_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer"

need_gnu_time
need_binary

gen="$BENCH_DIR/ab2d-gen"
peer="$BENCH_DIR/duckdbpeer"
build_helper ./cmd/ab2d-gen "$gen"
[ "$BENCH_PEER" = 0 ] || build_helper ./bench/duckdbpeer "$peer"

# The generator's output depends on its code: cached inputs are keyed by a
# hash of the generator's sources, so a changed generator makes new ones.
gen_key=$(cat cmd/ab2d-gen/*.go internal/synth/*.go | sha256sum | cut -c1-10)

# ensure_input SIZE FILE: generate FILE unless it is already there; remove
# inputs of the same size made by an older generator.
ensure_input() {
  local size=$1 file=$2 old
  [ -s "$file" ] && return 0
  for old in "$BENCH_DIR"/r4-"$size"-seed"$SEED"-*.ndjson; do
    [ -e "$old" ] && [ "$old" != "$file" ] && rm -f "$old" && say "removed stale input $old"
  done
  say "generating $file ($size, seed $SEED)..."
  "$gen" -seed "$SEED" -size "$size" -o "$file" || die "generating $size failed"
}

# warehouse_rows WH: rows of the six data tables of an ab2d-etl warehouse.
warehouse_rows() {
  "$AB2D_ETL" query --out "$1" --format csv "SELECT
  (SELECT count(*) FROM claims) + (SELECT count(*) FROM claim_lines) + (SELECT count(*) FROM claim_diagnoses)
  + (SELECT count(*) FROM claim_procedures) + (SELECT count(*) FROM claim_care_team) + (SELECT count(*) FROM beneficiary_mbis) AS n" |
    tail -n 1 | tr -d '\r"'
}

# kv FILE KEY: the value of a key=value line.
kv() { sed -n "s/^$2=//p" "$1" | head -n 1; }

printf '%-7s %-11s %9s %9s %8s %9s %9s %10s %8s\n' size tool MB EOBs seconds MB/s EOBs/s rows/s RSS_MB
for size in "$@"; do
  case "$size" in
    *[!0-9A-Za-z.]* | "") die "invalid size '$size'" ;;
  esac
  input="$BENCH_DIR/r4-$size-seed$SEED-$gen_key.ndjson"
  wh="$BENCH_DIR/wh-$size"
  pout="$BENCH_DIR/peer-$size"
  ensure_input "$size" "$input"
  bytes=$(stat -c %s "$input")
  mb=$(calc "$bytes / 1e6")

  # --- ab2d-etl load (fastest of BENCH_RUNS) ---
  best=
  for run in $(seq "$BENCH_RUNS"); do
    report="$BENCH_DIR/time-load-$size-$run.txt"
    log="$BENCH_DIR/load-$size-$run.log"
    rm -rf "$wh"
    sync
    if ! "$TIME" -v -o "$report" "$AB2D_ETL" load --out "$wh" "$input" >"$log" 2>&1; then
      tail -n 20 "$log" >&2 || true
      die "ab2d-etl load failed for $size (log: $log)"
    fi
    secs=$(time_wall "$report")
    if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$secs
      rss_kb=$(time_rss_kb "$report")
      eobs=$(sed -n 's/.* \([0-9][0-9]*\) EOBs.*/\1/p' "$log" | tail -n 1)
    fi
  done
  secs=$best
  [ -n "$eobs" ] || eobs=$(wc -l <"$input")
  rows=$(warehouse_rows "$wh")
  [[ $rows =~ ^[0-9]+$ ]] || die "cannot count the rows of $wh (got '$rows')"
  load_mbs=$(calc "$mb / $secs")
  printf '%-7s %-11s %9.1f %9d %8.2f %9.1f %9.0f %10.0f %8.0f\n' "$size" ab2d-etl "$mb" "$eobs" "$secs" "$load_mbs" \
    "$(calc "$eobs / $secs")" "$(calc "$rows / $secs")" "$(calc "$rss_kb / 1024")"
  result "load.$size.mb" "$mb"
  result "load.$size.eobs" "$eobs"
  result "load.$size.rows" "$rows"
  result "load.$size.seconds" "$secs"
  result "load.$size.mb_s" "$load_mbs"
  result "load.$size.eobs_s" "$(calc "$eobs / $secs")"
  result "load.$size.rows_s" "$(calc "$rows / $secs")"
  result "load.$size.rss_mb" "$(calc "$rss_kb / 1024")"

  [ "$BENCH_PEER" = 0 ] && continue

  # --- DuckDB-only peer on the same file (fastest of BENCH_RUNS) ---
  best=
  for run in $(seq "$BENCH_RUNS"); do
    report="$BENCH_DIR/time-peer-$size-$run.txt"
    out="$BENCH_DIR/peer-$size-$run.out"
    rm -rf "$pout"
    sync
    if ! "$TIME" -v -o "$report" "$peer" -sql bench/duckdb_peer.sql -in "$input" -out "$pout" -threads "$PEER_THREADS" -v >"$out" 2>"$out.err"; then
      tail -n 20 "$out.err" >&2 || true
      die "the DuckDB peer failed for $size (log: $out.err)"
    fi
    psecs=$(kv "$out" elapsed_s)
    [ -n "$psecs" ] || die "no elapsed_s in $out"
    if [ -z "$best" ] || awk -v a="$psecs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$psecs
      prss_kb=$(time_rss_kb "$report")
      prows=$(kv "$out" rows_total)
      pwall=$(time_wall "$report")
      duckdb_version=$(kv "$out" duckdb_version)
    fi
  done
  psecs=$best
  peer_mbs=$(calc "$mb / $psecs")
  printf '%-7s %-11s %9.1f %9d %8.2f %9.1f %9.0f %10.0f %8.0f\n' "$size" duckdb-peer "$mb" "$eobs" "$psecs" "$peer_mbs" \
    "$(calc "$eobs / $psecs")" "$(calc "$prows / $psecs")" "$(calc "$prss_kb / 1024")"
  ratio=$(calc "$load_mbs / $peer_mbs")
  printf '%-7s ab2d-etl / peer throughput: %.2fx (target >= 3x on the 2 GB file); peer process wall %.2f s, DuckDB %s\n' \
    "$size" "$ratio" "$pwall" "$duckdb_version"
  result "peer.$size.seconds" "$psecs"
  result "peer.$size.wall_seconds" "$pwall"
  result "peer.$size.mb_s" "$peer_mbs"
  result "peer.$size.eobs_s" "$(calc "$eobs / $psecs")"
  result "peer.$size.rows" "$prows"
  result "peer.$size.rows_s" "$(calc "$prows / $psecs")"
  result "peer.$size.rss_mb" "$(calc "$prss_kb / 1024")"
  result "peer.$size.ratio" "$ratio"
  result "duckdb.version" "$duckdb_version"
  [ "$prows" = "$rows" ] || warn "$size: the peer wrote $prows rows, ab2d-etl $rows"

  if [ "$BENCH_PARITY" != 0 ]; then
    cmp_out="$BENCH_DIR/parity-$size.txt"
    if "$peer" -check-only -out "$pout" -compare "$wh" >"$cmp_out" 2>&1; then
      extra=$(sed -n 's/^compare\.\([a-z_]*\)\.only_ab2d_etl_columns=\([0-9]*\).*/\2 \1/p' "$cmp_out" | awk '{ n += $1; t = t sep $1 " in " $2; sep = ", " } END { if (n) print n " (" t ")" }')
      if [ -n "$extra" ]; then
        say "$size: parity OK on the columns both have; ab2d-etl also fills $extra columns the peer does not compute (see $cmp_out)"
        result "peer.$size.parity" "OK, ab2d-etl has ${extra%% *} more columns"
      else
        say "$size: parity OK: the peer's six tables equal ab2d-etl's row for row (all columns but load_id)"
        result "peer.$size.parity" OK
      fi
    else
      grep -E '^compare|duckdbpeer' "$cmp_out" >&2 || true
      warn "$size: the peer's tables differ from ab2d-etl's (see $cmp_out)"
      result "peer.$size.parity" DIFF
    fi
  fi
done
