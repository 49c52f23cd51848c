#!/usr/bin/env bash
# Load benchmark: `ab2d-etl load` against the DuckDB-only peer
# (bench/duckdb_peer.sql run by bench/duckdbpeer, 2 threads) on the same
# generated AB2D R4 NDJSON of each SIZE, in the shape of real AB2D data by
# default (ab2d-gen -shape ab2d-sample: 19 rows and 6.9 KB per EOB).
#
# The two are alternated in one command: each of BENCH_RUNS rounds runs both,
# ab2d-etl first in odd rounds and the peer first in even ones, so that a
# noisy neighbour or a warm page cache is shared. Each run is timed with GNU
# time (wall clock, CPU time, peak RSS). Per engine it reports the median
# run: MB/s, EOBs/s, rows/s in total and per table, CPU seconds (user +
# system, less sensitive to a busy machine than the wall clock), peak RSS;
# and the ab2d-etl / peer
# throughput ratio of each round, with the median and the best. After the
# last round (untimed) it checks that the peer's six tables equal
# ab2d-etl's row for row.
#
# Usage: bench/load.sh [SIZE...]        (default: 300MB 2GB)
#
# Environment (see also bench/lib.sh):
#   SEED          generator seed (default 1)
#   BENCH_SHAPE   ab2d-gen -shape: ab2d-sample (default) or default (the
#                 generator's own shape: more lines, fewer diagnoses)
#   BENCH_RUNS    rounds per size (default 3)
#   BENCH_PEER    0 skips the DuckDB peer (default 1)
#   BENCH_PARITY  0 skips the row-for-row comparison of the peer's tables
#                 with ab2d-etl's (default 1)
#   PEER_THREADS  DuckDB threads of the peer (default 2)
#   BENCH_GZIP    1 gives both engines the input gzip-compressed (gzip -6,
#                 the level of Java's GZIPOutputStream, with which AB2D
#                 stores its files), as an AB2D export lands; MB/s stay of
#                 the NDJSON (default 0)
#
# Disk: the input and both outputs of the size at hand (about 2.5x SIZE);
# inputs are cached in BENCH_DIR, keyed by shape, seed and generator source.
#
# MB = 10^6 bytes, as ab2d-etl reports it. Rows are the rows of the six data
# tables as delivered (their Parquet files: claims, claim_lines,
# claim_diagnoses, claim_procedures, claim_care_team, beneficiary_mbis, one
# MBI row per EOB and MBI), the same for both engines. ab2d-etl's time is its
# process's wall clock; the peer's is its own, from opening its database to
# closing it (checkpoint included), without process start-up and the
# untimed row counts (its process wall is recorded too; its CPU seconds are
# the process's, counts included).
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_SELF=load.sh
source bench/lib.sh

usage() {
  echo "usage: $0 [SIZE...]   (default 300MB 2GB; SIZE takes a KB, MB or GB suffix)" >&2
  exit 2
}
case "${1:-}" in -h | --help) usage ;; esac
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(300MB 2GB)

SEED=${SEED:-1}
BENCH_SHAPE=${BENCH_SHAPE:-ab2d-sample}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_PEER=${BENCH_PEER:-1}
BENCH_PARITY=${BENCH_PARITY:-1}
PEER_THREADS=${PEER_THREADS:-2}
BENCH_GZIP=${BENCH_GZIP:-0}
[[ $BENCH_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer"
[[ $BENCH_SHAPE =~ ^[a-z0-9-]+$ ]] || die "invalid BENCH_SHAPE '$BENCH_SHAPE'"
[[ $BENCH_GZIP =~ ^[01]$ ]] || die "BENCH_GZIP must be 0 or 1"
[ "$BENCH_GZIP" = 0 ] || need_cmd gzip gzip

need_gnu_time
need_binary

gen="$BENCH_DIR/ab2d-gen"
peer="$BENCH_DIR/duckdbpeer"
build_helper ./cmd/ab2d-gen "$gen"
[ "$BENCH_PEER" = 0 ] || build_helper ./bench/duckdbpeer "$peer"

tables=(claims claim_lines claim_diagnoses claim_procedures claim_care_team beneficiary_mbis)

# The generator's output depends on its code: cached inputs are keyed by a
# hash of the generator's sources, so a changed generator makes new ones.
gen_key=$(cat cmd/ab2d-gen/*.go internal/synth/*.go | sha256sum | cut -c1-10)

# ensure_input SIZE FILE: generate FILE unless it is already there; remove
# inputs of the same shape and size made by an older generator.
ensure_input() {
  local size=$1 file=$2 old
  [ -s "$file" ] && return 0
  for old in "$BENCH_DIR"/r4-"$BENCH_SHAPE"-"$size"-seed"$SEED"-*.ndjson; do
    [ -e "$old" ] && [ "$old" != "$file" ] && rm -f "$old" "$old.gz" && say "removed stale input $old"
  done
  say "generating $file ($size, shape $BENCH_SHAPE, seed $SEED)..."
  "$gen" -seed "$SEED" -shape "$BENCH_SHAPE" -size "$size" -o "$file" || die "generating $size failed"
}

# warehouse_parquet_rows WH: "table rows" lines, the rows ab2d-etl wrote to
# each table's Parquet files.
warehouse_parquet_rows() {
  local t q= sep=
  for t in "${tables[@]}"; do
    q+="$sep SELECT '$t' AS t, count(*) AS n FROM read_parquet('$1/parquet/$t/**/*.parquet')"
    sep=" UNION ALL"
  done
  "$AB2D_ETL" query --out "$1" --format csv "$q" | tail -n +2 | tr -d '\r"' | tr ',' ' '
}

# kv FILE KEY: the value of a key=value line.
kv() { sed -n "s/^$2=//p" "$1" | head -n 1; }

# median V...: the median of the values (the mean of the middle two for an
# even count); best V...: the largest.
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
best() { printf '%s\n' "$@" | sort -g | tail -n 1; }

# run_etl SIZE ROUND INPUT WH: one timed ab2d-etl load; sets secs, cpu,
# rss_kb, eobs.
run_etl() {
  local report="$BENCH_DIR/time-load-$1-$2.txt" log="$BENCH_DIR/load-$1-$2.log"
  rm -rf "$4"
  sync
  if ! "$TIME" -v -o "$report" "$AB2D_ETL" load --out "$4" "$3" >"$log" 2>&1; then
    tail -n 20 "$log" >&2 || true
    die "ab2d-etl load failed for $1 (log: $log)"
  fi
  secs=$(time_wall "$report")
  cpu=$(time_cpu "$report")
  rss_kb=$(time_rss_kb "$report")
  eobs=$(sed -n 's/.* \([0-9][0-9]*\) EOBs.*/\1/p' "$log" | tail -n 1)
}

# run_peer SIZE ROUND INPUT OUT: one timed peer run; sets secs, cpu, rss_kb,
# pwall, peer_out (its key=value output).
run_peer() {
  local report="$BENCH_DIR/time-peer-$1-$2.txt"
  peer_out="$BENCH_DIR/peer-$1-$2.out"
  rm -rf "$4"
  sync
  if ! "$TIME" -v -o "$report" "$peer" -sql bench/duckdb_peer.sql -in "$3" -out "$4" -threads "$PEER_THREADS" -v >"$peer_out" 2>"$peer_out.err"; then
    tail -n 20 "$peer_out.err" >&2 || true
    die "the DuckDB peer failed for $1 (log: $peer_out.err)"
  fi
  secs=$(kv "$peer_out" elapsed_s)
  [ -n "$secs" ] || die "no elapsed_s in $peer_out"
  cpu=$(time_cpu "$report")
  rss_kb=$(time_rss_kb "$report")
  pwall=$(time_wall "$report")
}

for size in "${sizes[@]}"; do
  case "$size" in
    *[!0-9A-Za-z.]* | "") die "invalid size '$size'" ;;
  esac
  input="$BENCH_DIR/r4-$BENCH_SHAPE-$size-seed$SEED-$gen_key.ndjson"
  wh="$BENCH_DIR/wh-$size"
  pout="$BENCH_DIR/peer-$size"
  ensure_input "$size" "$input"
  bytes=$(stat -c %s "$input")
  mb=$(calc "$bytes / 1e6")
  run_input=$input form=NDJSON
  if [ "$BENCH_GZIP" = 1 ]; then
    run_input=$input.gz
    if [ ! -s "$run_input" ]; then
      say "compressing $input (gzip -6)..."
      gzip -6 -c "$input" >"$run_input.tmp" && mv "$run_input.tmp" "$run_input" || die "compressing $input failed"
    fi
    form="gzip NDJSON ($(printf '%.1f' "$(calc "$(stat -c %s "$run_input") / 1e6")") MB)"
  fi
  if [ "$(free_gb "$BENCH_DIR" | cut -d. -f1)" -lt "$(calc "2 * $bytes / 1e9 + 1" | cut -d. -f1)" ]; then
    warn "$size: only $(free_gb "$BENCH_DIR") GB free in $BENCH_DIR; the outputs need about $(calc "2 * $bytes / 1e9") GB"
  fi

  echo
  say "$size: $(printf '%.1f' "$mb") MB, shape $BENCH_SHAPE, read as $form, $BENCH_RUNS round(s), peer threads $PEER_THREADS"
  say "machine: $(machine)"
  printf '%-7s %5s %-11s %8s %8s %9s %10s %7s %8s\n' size round engine seconds MB/s EOBs/s rows/s CPU_s RSS_MB
  etl_secs=() etl_cpu=() etl_rss=() peer_secs=() peer_cpu=() peer_rss=() peer_walls=() ratios=()
  rows_total=
  for round in $(seq "$BENCH_RUNS"); do
    order=(etl peer)
    [ $((round % 2)) = 1 ] || order=(peer etl)
    [ "$BENCH_PEER" != 0 ] || order=(etl)
    for engine in "${order[@]}"; do
      if [ "$engine" = etl ]; then
        run_etl "$size" "$round" "$run_input" "$wh"
        etl_secs+=("$secs") etl_cpu+=("$cpu") etl_rss+=("$rss_kb")
        [ -n "$eobs" ] || eobs=$(wc -l <"$input")
        name=ab2d-etl
      else
        run_peer "$size" "$round" "$run_input" "$pout"
        peer_secs+=("$secs") peer_cpu+=("$cpu") peer_rss+=("$rss_kb") peer_walls+=("$pwall")
        duckdb_version=$(kv "$peer_out" duckdb_version)
        name=duckdb-peer
      fi
      if [ -z "$rows_total" ] && [ "$engine" = etl ]; then
        declare -A rows=()
        while read -r t n; do rows[$t]=$n; done < <(warehouse_parquet_rows "$wh")
        rows_total=0
        for t in "${tables[@]}"; do
          [[ ${rows[$t]:-} =~ ^[0-9]+$ ]] || die "cannot count the $t rows of $wh"
          rows_total=$((rows_total + rows[$t]))
        done
      fi
      printf '%-7s %5d %-11s %8.2f %8.1f %9.0f %10s %7.2f %8.0f\n' "$size" "$round" "$name" "$secs" "$(calc "$mb / $secs")" \
        "$(calc "${eobs:-0} / $secs")" "${rows_total:+$(printf '%.0f' "$(calc "$rows_total / $secs")")}" "$cpu" "$(calc "$rss_kb / 1024")"
    done
    if [ "$BENCH_PEER" != 0 ]; then
      ratios+=("$(calc "${peer_secs[-1]} / ${etl_secs[-1]}")")
    fi
  done

  # --- summary of the size: the median run of each engine ---
  esecs=$(median "${etl_secs[@]}")
  erss=$(best "${etl_rss[@]}")
  echo
  ecpu=$(median "${etl_cpu[@]}")
  printf '%-7s %-11s %8s %8s %9s %10s %7s %8s   (median of %d runs; RSS: the highest)\n' "$size" engine seconds MB/s EOBs/s rows/s CPU_s RSS_MB "$BENCH_RUNS"
  printf '%-7s %-11s %8.2f %8.1f %9.0f %10.0f %7.2f %8.0f\n' "$size" ab2d-etl "$esecs" "$(calc "$mb / $esecs")" \
    "$(calc "$eobs / $esecs")" "$(calc "$rows_total / $esecs")" "$ecpu" "$(calc "$erss / 1024")"
  result "load.$size.shape" "$BENCH_SHAPE"
  result "load.$size.runs" "$BENCH_RUNS"
  result "load.$size.gzip" "$BENCH_GZIP"
  result "load.$size.machine" "$(machine)"
  result "load.$size.mb" "$mb"
  result "load.$size.eobs" "$eobs"
  result "load.$size.rows" "$rows_total"
  result "load.$size.seconds" "$esecs"
  result "load.$size.seconds_best" "$(printf '%s\n' "${etl_secs[@]}" | sort -g | head -n 1)"
  result "load.$size.mb_s" "$(calc "$mb / $esecs")"
  result "load.$size.eobs_s" "$(calc "$eobs / $esecs")"
  result "load.$size.rows_s" "$(calc "$rows_total / $esecs")"
  result "load.$size.rss_mb" "$(calc "$erss / 1024")"
  result "load.$size.cpu_seconds" "$ecpu"
  for t in "${tables[@]}"; do
    result "load.$size.rows.$t" "${rows[$t]}"
    result "load.$size.rows_s.$t" "$(calc "${rows[$t]} / $esecs")"
  done
  if [ "$BENCH_PEER" = 0 ]; then
    continue
  fi

  psecs=$(median "${peer_secs[@]}")
  prss=$(best "${peer_rss[@]}")
  pcpu=$(median "${peer_cpu[@]}")
  printf '%-7s %-11s %8.2f %8.1f %9.0f %10.0f %7.2f %8.0f\n' "$size" duckdb-peer "$psecs" "$(calc "$mb / $psecs")" \
    "$(calc "$eobs / $psecs")" "$(calc "$rows_total / $psecs")" "$pcpu" "$(calc "$prss / 1024")"
  echo
  printf '%-7s %-18s %10s %14s %14s\n' "$size" table rows ab2d-etl_rows/s peer_rows/s
  prows_total=0
  for t in "${tables[@]}"; do
    prow=$(kv "$peer_out" "parquet_rows.$t")
    prows_total=$((prows_total + ${prow:-0}))
    [ "$prow" = "${rows[$t]}" ] || warn "$size: $t: the peer wrote $prow rows, ab2d-etl ${rows[$t]}"
    printf '%-7s %-18s %10d %14.0f %14.0f\n' "$size" "$t" "${rows[$t]}" "$(calc "${rows[$t]} / $esecs")" "$(calc "${rows[$t]} / $psecs")"
    result "peer.$size.rows_s.$t" "$(calc "${rows[$t]} / $psecs")"
  done
  printf '%-7s %-18s %10d %14.0f %14.0f   (%.2f rows per EOB)\n' "$size" total "$rows_total" "$(calc "$rows_total / $esecs")" \
    "$(calc "$rows_total / $psecs")" "$(calc "$rows_total / $eobs")"
  rmed=$(median "${ratios[@]}")
  rbest=$(best "${ratios[@]}")
  echo
  printf '%-7s ab2d-etl / peer throughput per round: %s; median %.2fx, best %.2fx (issue 16: >= 1.5x, 3x the aim)\n' "$size" \
    "$(printf '%.2fx ' "${ratios[@]}" | sed 's/ $//')" "$rmed" "$rbest"
  printf '%-7s CPU seconds, median: ab2d-etl %.2f, peer %.2f (%.2fx); peer process wall (median) %.2f s; DuckDB %s\n' "$size" \
    "$ecpu" "$pcpu" "$(calc "$pcpu / $ecpu")" "$(median "${peer_walls[@]}")" "$duckdb_version"
  result "peer.$size.seconds" "$psecs"
  result "peer.$size.seconds_best" "$(printf '%s\n' "${peer_secs[@]}" | sort -g | head -n 1)"
  result "peer.$size.wall_seconds" "$(median "${peer_walls[@]}")"
  result "peer.$size.mb_s" "$(calc "$mb / $psecs")"
  result "peer.$size.eobs_s" "$(calc "$eobs / $psecs")"
  result "peer.$size.rows" "$prows_total"
  result "peer.$size.rows_s" "$(calc "$rows_total / $psecs")"
  result "peer.$size.rss_mb" "$(calc "$prss / 1024")"
  result "peer.$size.cpu_seconds" "$pcpu"
  result "peer.$size.ratio" "$rmed"
  result "peer.$size.ratio_best" "$rbest"
  result "peer.$size.ratios" "$(printf '%.2f ' "${ratios[@]}" | sed 's/ $//')"
  result "duckdb.version" "$duckdb_version"

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
  unset rows
done
