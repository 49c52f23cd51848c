#!/usr/bin/env bash
# `make bench`: every benchmark of ab2d-etl in one run, then one summary
# table (markdown, for BENCHMARKS.md).
#
#   1. Go micro-benchmarks, -benchmem           bench/gobench.sh
#   2. `ab2d-etl load` per SIZE, alternated     bench/load.sh
#   3. with the DuckDB-only peer on the same files (real-shaped data:
#      BENCH_SHAPE=ab2d-sample, BENCH_RUNS=3 rounds)
#   4. `ab2d-etl extract` vs curl on loopback   bench/extract.sh
#   5. sandbox generation rate and peak RSS     bench/sandbox.sh
#   6. ab2d-etl report on the largest warehouse  bench/report.sh
#
# Usage: bench/bench.sh [SIZE...]     (default: 300MB 2GB)
#
# Environment: see each script; BENCH_STEPS picks steps (default "1 2 4 5";
# 2 includes 3). A failed step is reported and the others still run; the
# exit status is then 1. Figures go to $BENCH_DIR/results.tsv (the previous
# run's to results-previous.tsv), the summary to $BENCH_DIR/summary.md.
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_SELF=bench.sh
source bench/lib.sh

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(300MB 2GB)
steps=${BENCH_STEPS:-1 2 4 5 6}

[ ! -e "$BENCH_RESULTS" ] || mv "$BENCH_RESULTS" "${BENCH_RESULTS%.tsv}-previous.tsv"
: >"$BENCH_RESULTS"

started=$(date -u '+%Y-%m-%d %H:%M UTC')
t_start=$(now)
failed=()
run_step() { # N TITLE COMMAND...
  local n=$1 title=$2 t0
  shift 2
  case " $steps " in *" $n "*) ;; *)
    echo
    echo "=== step $n: $title: skipped (BENCH_STEPS=\"$steps\")"
    return 0
    ;;
  esac
  echo
  echo "=== step $n: $title"
  t0=$(now)
  if "$@"; then
    echo "=== step $n done in $(printf '%.0f' "$(calc "$(now) - $t0")") s"
  else
    echo "=== step $n FAILED (exit $?); going on with the others" >&2
    failed+=("$n")
  fi
}

need_binary
run_step 1 "Go benchmarks (-benchmem)" bash bench/gobench.sh
run_step 2 "ab2d-etl load vs the DuckDB-only peer, ${sizes[*]}" bash bench/load.sh "${sizes[@]}"
run_step 4 "ab2d-etl extract vs curl on loopback" bash bench/extract.sh
run_step 5 "sandbox generation rate and peak RSS" bash bench/sandbox.sh
run_step 6 "ab2d-etl report on the ${sizes[-1]} warehouse" env REPORT_SIZE="${sizes[-1]}" bash bench/report.sh

# ---- summary ----
declare -A R
while IFS=$'\t' read -r k v; do
  [ -n "$k" ] && R[$k]=$v
done <"$BENCH_RESULTS"
get() { echo "${R[$1]:-}"; }
# fmt VALUE PRINTF-FORMAT: formatted, or "n/a" when missing.
fmt() { if [ -n "$1" ]; then printf "$2" "$1"; else printf 'n/a'; fi; }
# verdict VALUE OP LIMIT: "met" / "MISSED" / "not measured".
verdict() {
  [ -n "$1" ] || { echo "not measured"; return; }
  if awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { exit !((op == ">=" && v >= l) || (op == "<" && v < l)) }'; then echo met; else echo MISSED; fi
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
{
  echo "## ab2d-etl benchmarks, $started"
  echo
  echo "Machine: $(nproc) CPUs ($cpu), $mem RAM, $("$GO" env GOVERSION) $("$GO" env GOOS)/$("$GO" env GOARCH), DuckDB $(fmt "$(get duckdb.version)" %s) (duckdb-go), load average at the end $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Command: \`make bench BENCH_SIZE=\"${sizes[*]}\"\`; total $(printf '%.0f' "$(calc "$(now) - $t_start")") s."
  echo
  echo "### Go micro-benchmarks (median of ${BENCH_COUNT:-6} runs, -benchtime ${BENCH_TIME:-200ms})"
  echo
  echo "| benchmark | ns/op | MB/s | B/op | allocs/op |"
  echo "|---|---:|---:|---:|---:|"
  for k in "${!R[@]}"; do
    case $k in go.*.ns_op) echo "${k#go.}" ;; esac
  done | sed 's/\.ns_op$//' | sort | while read -r b; do
    printf '| %s | %s | %s | %s | %s |\n' "$b" "$(fmt "$(get "go.$b.ns_op")" %.0f)" "$(fmt "$(get "go.$b.mb_s")" %.1f)" \
      "$(fmt "$(get "go.$b.b_op")" %.0f)" "$(fmt "$(get "go.$b.allocs_op")" %.0f)"
  done
  echo
  echo "### Load: \`ab2d-etl load\` vs the DuckDB-only peer (bench/duckdb_peer.sql, 2 threads), generated R4 NDJSON, shape $(fmt "$(get "load.${sizes[0]}.shape")" %s)"
  echo
  echo "Alternated in one command, $(fmt "$(get "load.${sizes[0]}.runs")" %s) round(s) per size, the order alternating; the median run of each engine, its highest peak RSS; the ratio is ab2d-etl's throughput over the peer's in the same round."
  echo
  echo "| input | tool | seconds | MB/s | EOBs/s | rows/s | CPU s | peak RSS MB | ab2d-etl / peer: median (best) | same tables |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
  for s in "${sizes[@]}"; do
    printf '| %s (%s EOBs, %s rows) | ab2d-etl | %s | %s | %s | %s | %s | %s | | |\n' "$s" "$(fmt "$(get "load.$s.eobs")" %s)" \
      "$(fmt "$(get "load.$s.rows")" %s)" "$(fmt "$(get "load.$s.seconds")" %.2f)" "$(fmt "$(get "load.$s.mb_s")" %.1f)" \
      "$(fmt "$(get "load.$s.eobs_s")" %.0f)" "$(fmt "$(get "load.$s.rows_s")" %.0f)" "$(fmt "$(get "load.$s.cpu_seconds")" %.2f)" \
      "$(fmt "$(get "load.$s.rss_mb")" %.0f)"
    printf '| %s | DuckDB peer | %s | %s | %s | %s | %s | %s | **%s** (%s) | %s |\n' "$s" "$(fmt "$(get "peer.$s.seconds")" %.2f)" \
      "$(fmt "$(get "peer.$s.mb_s")" %.1f)" "$(fmt "$(get "peer.$s.eobs_s")" %.0f)" "$(fmt "$(get "peer.$s.rows_s")" %.0f)" \
      "$(fmt "$(get "peer.$s.cpu_seconds")" %.2f)" "$(fmt "$(get "peer.$s.rss_mb")" %.0f)" "$(fmt "$(get "peer.$s.ratio")" %.2fx)" \
      "$(fmt "$(get "peer.$s.ratio_best")" %.2fx)" "$(fmt "$(get "peer.$s.parity")" %s)"
  done
  echo
  echo "Rows per second by table (median run; rows as delivered, one MBI row per EOB):"
  echo
  echo "| input | tool | claims | claim_lines | claim_diagnoses | claim_procedures | claim_care_team | beneficiary_mbis |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
  for s in "${sizes[@]}"; do
    for tool in load peer; do
      printf '| %s | %s |' "$s" "$([ $tool = load ] && echo ab2d-etl || echo DuckDB peer)"
      for t in claims claim_lines claim_diagnoses claim_procedures claim_care_team beneficiary_mbis; do
        printf ' %s |' "$(fmt "$(get "$tool.$s.rows_s.$t")" %.0f)"
      done
      echo
    done
  done
  echo
  echo "### Extract vs curl: sandbox --scale $(fmt "$(get extract.scale)" %s), $(fmt "$(get extract.client)" %s): $(fmt "$(get extract.files)" %s) files, $(fmt "$(get extract.gzip_mb)" %.1f) MB gzip, $(fmt "$(get extract.ndjson_mb)" %.1f) MB NDJSON"
  echo
  echo "Medians over $(fmt "$(get extract.rounds)" %s) rounds; a round downloads every file of the same job once with each client."
  echo
  echo "| client | seconds | gzip MB/s |"
  echo "|---|---:|---:|"
  printf '| ab2d-etl extract --workers %s, download phase (verifiers beside it) | %s | %s |\n' "$(fmt "$(get extract.workers)" %s)" \
    "$(fmt "$(get extract.seconds)" %.2f)" "$(fmt "$(get extract.mb_s)" %.1f)"
  printf '| curl, sequential | %s | %s |\n' "$(fmt "$(get curl_seq.seconds)" %.2f)" "$(fmt "$(get curl_seq.mb_s)" %.1f)"
  printf '| curl --parallel-max %s | %s | %s |\n' "$(fmt "$(get extract.workers)" %s)" "$(fmt "$(get curl_par.seconds)" %.2f)" "$(fmt "$(get curl_par.mb_s)" %.1f)"
  echo
  printf 'extract / the faster curl, per round: median **%s**, lowest %s.\n' "$(fmt "$(get extract.ratio)" %.2fx)" "$(fmt "$(get extract.ratio_min)" %.2fx)"
  echo
  echo "| landed and verified, once | seconds | gzip MB/s |"
  echo "|---|---:|---:|"
  printf '| ab2d-etl extract, a new job (whole command %s s) | %s | %s |\n' "$(fmt "$(get extract.total_seconds)" %.1f)" \
    "$(fmt "$(get extract.verified_seconds)" %.2f)" "$(fmt "$(calc "$(get extract.gzip_mb) / $(get extract.verified_seconds)")" %.1f)"
  printf '| curl \\| tee \\| gzip -dc \\| sha256sum, %s at a time | %s | %s |\n' "$(fmt "$(get extract.workers)" %s)" \
    "$(fmt "$(get curl_verify.seconds)" %.2f)" "$(fmt "$(get curl_verify.mb_s)" %.1f)"
  if [ -n "$(get run.download_seconds)" ]; then
    printf '| ab2d-etl run: its download phase, the loader working beside it | %s | %s (%s of the faster curl) |\n' \
      "$(fmt "$(get run.download_seconds)" %.2f)" "$(fmt "$(calc "$(get extract.gzip_mb) / $(get run.download_seconds)")" %.1f)" "$(fmt "$(get run.ratio)" %.2fx)"
  fi
  echo
  echo "### Sandbox"
  echo
  if [ -n "$(get sandbox.skipped)" ]; then
    echo "Skipped: $(get sandbox.skipped)."
  else
    echo "| export | files | NDJSON MB | gzip MB on disk | seconds | generation MB/s | peak RSS MB |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    printf '| %s at --scale %s | %s | %s | %s | %s | %s | %s |\n' "$(fmt "$(get sandbox.client)" %s)" "$(fmt "$(get sandbox.scale)" %s)" \
      "$(fmt "$(get sandbox.files)" %s)" "$(fmt "$(get sandbox.ndjson_mb)" %.0f)" "$(fmt "$(get sandbox.gzip_mb)" %.0f)" \
      "$(fmt "$(get sandbox.seconds)" %.1f)" "$(fmt "$(get sandbox.mb_s)" %.1f)" "$(fmt "$(get sandbox.rss_mb)" %.0f)"
  fi
  echo
  echo "### Targets"
  echo
  echo "| target | measured | verdict |"
  echo "|---|---:|---|"
  for s in "${sizes[@]}"; do
    printf '| load >= 1.5x the DuckDB peer (median round), %s | %s | %s |\n' "$s" "$(fmt "$(get "peer.$s.ratio")" %.2fx)" "$(verdict "$(get "peer.$s.ratio")" ">=" 1.5)"
  done
  for s in "${sizes[@]}"; do
    printf '| load peak RSS <= 400 MB, %s | %s | %s |\n' "$s" "$(fmt "$(get "load.$s.rss_mb")" '%.0f MB')" "$(verdict "$(get "load.$s.rss_mb")" "<" 400.5)"
  done
  printf '| extract downloads >= 0.8x curl (median round, the faster curl) | %s | %s |\n' "$(fmt "$(get extract.ratio)" %.2fx)" "$(verdict "$(get extract.ratio)" ">=" 0.8)"
  printf '| sandbox peak RSS < 200 MB at --scale %s | %s | %s |\n' "$(fmt "$(get sandbox.scale)" %s)" "$(fmt "$(get sandbox.rss_mb)" '%.0f MB')" "$(verdict "$(get sandbox.rss_mb)" "<" 200)"
} >"$BENCH_DIR/summary.md"

echo
echo "================================================================"
cat "$BENCH_DIR/summary.md"
echo
echo "(summary: $BENCH_DIR/summary.md; figures: $BENCH_RESULTS)"
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED steps: ${failed[*]}" >&2
  exit 1
fi
