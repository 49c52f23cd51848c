# Shared helpers of the bench/*.sh scripts; source it, do not run it.
#
# Environment (all optional):
#   BENCH_DIR      work folder: cached inputs, warehouses, logs, results
#                  (default /tmp/ab2d-bench)
#   BENCH_RESULTS  file the scripts append their figures to, one
#                  "name<TAB>value" line each (default $BENCH_DIR/results.tsv)
#   AB2D_ETL       the binary under test (default ./bin/ab2d-etl)
#   GO             the go command (default go)

BENCH_DIR=${BENCH_DIR:-/tmp/ab2d-bench}
BENCH_RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results.tsv}
AB2D_ETL=${AB2D_ETL:-./bin/ab2d-etl}
GO=${GO:-go}
TIME=/usr/bin/time
export BENCH_DIR BENCH_RESULTS AB2D_ETL GO

BENCH_SELF=${BENCH_SELF:-$(basename "$0")}

die() {
  echo "$BENCH_SELF: error: $*" >&2
  exit 1
}
say() { echo "[$BENCH_SELF] $*"; }
warn() { echo "[$BENCH_SELF] warning: $*" >&2; }

# machine: one line on the machine the figures come from: CPU model,
# family and model numbers (the same "AMD EPYC" name covers several
# generations, which run the same load at different speeds), cores, memory
# and the load average before the run.
machine() {
  local name fam mod
  name=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
  fam=$(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
  mod=$(sed -n 's/^model[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
  echo "${name:-unknown CPU} (family ${fam:-?}, model ${mod:-?}), $(nproc) cores," \
    "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
}

# need_gnu_time: /usr/bin/time must be GNU time (for -v and -o).
need_gnu_time() {
  [ -x "$TIME" ] || die "$TIME not found: install GNU time (Debian/Ubuntu: apt-get install time)"
  "$TIME" -v -o /dev/null true 2>/dev/null || die "$TIME does not support -v/-o: GNU time is needed (Debian/Ubuntu: apt-get install time)"
}

# need_cmd CMD PACKAGE: fail with an install hint when CMD is missing.
need_cmd() {
  command -v "$1" >/dev/null || die "$1 not found: install it (Debian/Ubuntu: apt-get install $2)"
}

# need_binary: the ab2d-etl binary must exist.
need_binary() {
  [ -x "$AB2D_ETL" ] || die "$AB2D_ETL not found or not executable: run 'make build' first"
}

# wall_seconds "h:mm:ss" | "m:ss.ss" -> seconds
wall_seconds() {
  awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else if (NF == 2) print $1*60 + $2; else print $1 }' <<<"$1"
}

# time_wall REPORT, time_rss_kb REPORT: fields of a GNU time -v report.
time_wall() {
  local w
  w=$(sed -n 's/^[[:space:]]*Elapsed (wall clock) time.*): //p' "$1")
  [ -n "$w" ] || die "cannot read the wall time from $1"
  wall_seconds "$w"
}
time_rss_kb() {
  local r
  r=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$1")
  [ -n "$r" ] || die "cannot read the peak RSS from $1"
  echo "$r"
}

# time_cpu REPORT: user + system CPU seconds of a GNU time -v report.
time_cpu() {
  awk -F': ' '/^[[:space:]]*(User|System) time \(seconds\)/ { s += $2; n++ } END { if (n != 2) exit 1; printf "%.2f", s }' "$1" ||
    die "cannot read the CPU time from $1"
}

# now: seconds since the epoch with nanoseconds.
now() { date +%s.%N; }

# calc EXPR: floating-point arithmetic with awk, e.g. calc "2 / 3".
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }

# result NAME VALUE: record a figure for the summary.
result() {
  mkdir -p "$(dirname "$BENCH_RESULTS")"
  printf '%s\t%s\n' "$1" "$2" >>"$BENCH_RESULTS"
}

# free_gb DIR: free space of DIR's filesystem in GB (10^9 bytes).
free_gb() {
  df -P -B1 "$1" | awk 'NR == 2 { printf "%.1f", $4 / 1e9 }'
}

# build_helper PKG OUT: go build PKG into OUT unless OUT is newer than its sources.
build_helper() {
  local pkg=$1 out=$2 dir=${1#./}
  if [ ! -x "$out" ] || [ -n "$(find "$dir" -newer "$out" -name '*.go' -print -quit)" ] || [ go.mod -nt "$out" ]; then
    "$GO" build -o "$out" "$pkg" || die "go build $pkg failed"
  fi
}

# Background processes started by a script, killed (by pid) on exit.
BENCH_PIDS=()
# sandbox_address OUT LOG PID CLIENT: waits for a sandbox started with its
# stdout in OUT to print its address, and sets base (http://127.x.x.x:port)
# and cred (CLIENT's id:secret).
sandbox_address() {
  local out=$1 log=$2 pid=$3 client=$4
  base=
  for _ in $(seq 300); do
    base=$(awk '/^AB2D sandbox on / { print $4; exit }' "$out")
    [ -n "$base" ] && grep -q "$client" "$out" && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "the sandbox exited (log: $log)"; }
    sleep 0.1
  done
  [ -n "$base" ] || die "the sandbox did not print its address within 30 s (log: $log)"
  case "$base" in http://127.*) ;; *) die "the sandbox is not on loopback: $base" ;; esac
  cred=$(awk -v c="$client" '$2 == c { print $3; exit }' "$out")
  [ -n "$cred" ] || die "client $client not listed by the sandbox ($out)"
}

bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for pid in "${BENCH_PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    # give it 10 s to stop cleanly (the sandbox removes its files)
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
  BENCH_PIDS=()
}
trap bench_cleanup EXIT
trap 'bench_cleanup; exit 130' INT
trap 'bench_cleanup; exit 143' TERM

mkdir -p "$BENCH_DIR"
