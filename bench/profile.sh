#!/usr/bin/env bash
# CPU profiles of the stages behind the bench targets, with `go tool pprof
# -top` excerpts: where the time goes when a target is missed.
#
#   load     BenchmarkLoadFile on generated R4 NDJSON (AB2D_BENCH_FILE),
#            -cpuprofile $BENCH_DIR/profile/load.prof
#   extract  bench/extractprof (pipeline/extract, as `ab2d-etl extract`)
#            against the sandbox on loopback, download and verification phase,
#            -cpuprofile $BENCH_DIR/profile/extract.prof
#
# Usage: bench/profile.sh [load] [extract]      (default: both)
#
# Environment (see also bench/lib.sh):
#   PROFILE_SIZE   input size for the load profile (default 300MB)
#   BENCH_SHAPE    ab2d-gen -shape of that input (default ab2d-sample, the
#                  shape of real AB2D data; the same cached file as load.sh)
#   PROFILE_RUNS   BenchmarkLoadFile iterations (default 3)
#   PROFILE_SCALE  sandbox --scale for the extract profile (default 1, Z0010)
#   PROFILE_TOP    lines of pprof -top to print (default 25)
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_SELF=profile.sh
source bench/lib.sh

what=("$@")
[ ${#what[@]} -gt 0 ] || what=(load extract)
SIZE=${PROFILE_SIZE:-300MB}
BENCH_SHAPE=${BENCH_SHAPE:-ab2d-sample}
RUNS=${PROFILE_RUNS:-3}
SCALE=${PROFILE_SCALE:-1}
TOP=${PROFILE_TOP:-25}
SEED=${SEED:-1}
dir="$BENCH_DIR/profile"
mkdir -p "$dir"

top() { # BINARY PROFILE: flat and cumulative top lists
  echo "--- pprof -top (flat) ---"
  "$GO" tool pprof -top -nodecount="$TOP" "$1" "$2" 2>/dev/null | sed -n '1,5d;p'
  echo "--- pprof -top -cum ---"
  "$GO" tool pprof -top -cum -nodecount="$TOP" "$1" "$2" 2>/dev/null | sed -n '1,5d;p'
}

for w in "${what[@]}"; do
  case "$w" in
    load)
      gen="$BENCH_DIR/ab2d-gen"
      build_helper ./cmd/ab2d-gen "$gen"
      key=$(cat cmd/ab2d-gen/*.go internal/synth/*.go | sha256sum | cut -c1-10)
      input="$BENCH_DIR/r4-$BENCH_SHAPE-$SIZE-seed$SEED-$key.ndjson"
      [ -s "$input" ] || "$gen" -seed "$SEED" -shape "$BENCH_SHAPE" -size "$SIZE" -o "$input" || die "generating $SIZE failed"
      say "load: BenchmarkLoadFile x$RUNS on $input"
      AB2D_BENCH_FILE="$input" "$GO" test -run '^$' -bench '^BenchmarkLoadFile$' -benchtime "${RUNS}x" -benchmem \
        -cpuprofile "$dir/load.prof" -o "$dir/load.test" ./pipeline/ | grep -E '^(Benchmark|ok|FAIL)' ||
        die "BenchmarkLoadFile failed"
      top "$dir/load.test" "$dir/load.prof"
      ;;
    extract)
      need_binary
      need_cmd jq jq
      prof_bin="$BENCH_DIR/extractprof"
      build_helper ./bench/extractprof "$prof_bin"
      work="$dir/extract"
      rm -rf "$work"
      mkdir -p "$work/tmp"
      TMPDIR="$work/tmp" "$AB2D_ETL" sandbox --listen 127.0.0.1:0 --max-downloads 10 --job-seconds 0 --scale "$SCALE" \
        >"$work/sandbox.out" 2>"$work/sandbox.log" &
      sb_pid=$!
      BENCH_PIDS+=("$sb_pid")
      base=
      for _ in $(seq 300); do
        base=$(awk '/^AB2D sandbox on / { print $4; exit }' "$work/sandbox.out")
        [ -n "$base" ] && grep -q Z0010 "$work/sandbox.out" && break
        kill -0 "$sb_pid" 2>/dev/null || die "the sandbox exited (log: $work/sandbox.log)"
        sleep 0.1
      done
      [ -n "$base" ] || die "the sandbox did not start (log: $work/sandbox.log)"
      cred=$(awk '$2 == "Z0010" { print $3; exit }' "$work/sandbox.out")
      say "extract: Z0010 at --scale $SCALE from $base, download and verification phase profiled"
      AB2D_CLIENT_ID=${cred%%:*} AB2D_CLIENT_SECRET=${cred#*:} "$prof_bin" -api-url "$base/api/v2/fhir" \
        -token-url "$base/oauth2/aus2r7y3gdaFMKBol297/v1/token" -out "$work/out" -cpuprofile "$dir/extract.prof" ||
        die "extractprof failed"
      bench_cleanup
      top "$prof_bin" "$dir/extract.prof"
      rm -rf "$work/out" "$work/tmp"
      ;;
    *) die "unknown profile '$w' (load, extract)" ;;
  esac
done
