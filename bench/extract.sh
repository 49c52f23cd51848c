#!/usr/bin/env bash
# Extract benchmark: `ab2d-etl extract` against the sandbox on loopback vs
# curl fetching the same files.
#
# Starts `ab2d-etl sandbox --listen 127.0.0.1:0 --max-downloads 100
# --job-seconds 0 --scale S`, runs `ab2d-etl extract --since none` for one
# client (Z0010 by default: about 1 GB of R4 NDJSON at scale 1, ~10x less
# gzip-compressed on the wire), then measures ROUNDS rounds, each of:
#   extract      the same job resumed after its files were deleted: the
#                download phase only (gzip bytes landed / time from
#                "resuming the export job" to the last "file landed", from
#                its JSON log); the verifiers run beside it
#   curl-seq     one file after the other, one curl per file
#   curl-par     one curl with --parallel --parallel-max W (W = extract's --workers)
# (curl with Accept-Encoding: gzip, stored as sent, as extract stores them).
# One round alone is a second or two on loopback, too short to trust on a
# noisy machine: the ratios are per round, and the medians are reported.
# Then, once each:
#   extract-verified  the first, fresh extract: landed and verified (to the
#                last "file verified"), against
#   curl-verify  W at a time: curl | tee FILE | gzip -dc | sha256sum, checked
#                against the manifest: the same work (store the gzip, hash
#                the uncompressed content), minus the fsync
#   run          a fresh `ab2d-etl run`: its download phase, while its
#                loader works on the first files
# Target: extract's downloads >= 0.8x the faster curl.
#
# Environment (see also bench/lib.sh):
#   BENCH_EXTRACT_SCALE    sandbox --scale (default 5: 24 files, 470 MB gzip)
#   BENCH_EXTRACT_CLIENT   sandbox contract (default Z0010)
#   BENCH_EXTRACT_WORKERS  extract --workers and curl's parallelism (default 4, extract's default)
#   BENCH_EXTRACT_ROUNDS   rounds of extract, curl-seq, curl-par (default 5)
#   BENCH_EXTRACT_RUN      1 (default) to also measure `run`'s downloads
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_SELF=extract.sh
source bench/lib.sh

SCALE=${BENCH_EXTRACT_SCALE:-5}
CLIENT=${BENCH_EXTRACT_CLIENT:-Z0010}
WORKERS=${BENCH_EXTRACT_WORKERS:-4}
ROUNDS=${BENCH_EXTRACT_ROUNDS:-5}
RUN=${BENCH_EXTRACT_RUN:-1}
[[ $WORKERS =~ ^[1-9][0-9]*$ ]] || die "BENCH_EXTRACT_WORKERS must be a positive integer"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_EXTRACT_ROUNDS must be a positive integer"

need_binary
need_cmd curl curl
need_cmd jq jq
need_cmd gzip gzip

work="$BENCH_DIR/extract"
rm -rf "$work"
mkdir -p "$work"

# --- start the sandbox ---
sb_out="$work/sandbox.out"
sb_log="$work/sandbox.log"
mkdir -p "$work/sandbox-tmp"
TMPDIR="$work/sandbox-tmp" "$AB2D_ETL" sandbox --listen 127.0.0.1:0 --max-downloads 100 --job-seconds 0 \
  --scale "$SCALE" --log-format json >"$sb_out" 2>"$sb_log" &
sb_pid=$!
BENCH_PIDS+=("$sb_pid")
sandbox_address "$sb_out" "$sb_log" "$sb_pid" "$CLIENT"
client_id=${cred%%:*}
client_secret=${cred#*:}
token_url="$base/oauth2/aus2r7y3gdaFMKBol297/v1/token"
api_url="$base/api/v2/fhir"
say "sandbox on $base (pid $sb_pid), scale $SCALE, client $CLIENT"

# download_phase LOG: the start and end of the download phase in a JSON log
# ("export complete" or "resuming the export job of an earlier run" to the
# last "file landed" of a new download), the bytes and the files landed, and
# the last "file verified" (0 when none).
download_phase() {
  jq -rs '
  def ts: . as $t
    | ($t[0:19] + "Z" | fromdateiso8601)
      + (if ($t | length) > 20 and $t[19:20] == "." then ("0" + ($t[19:] | sub("[Z+-].*$"; ""))) | tonumber else 0 end);
  (map(select(.msg == "export complete" or .msg == "resuming the export job of an earlier run"))[0].time | ts) as $t0
  | map(select(.msg == "file landed" and (.from_earlier_run | not))) as $f
  | map(select(.msg == "file verified")) as $v
  | [$t0, ($f | map(.time | ts) | max), ($f | map(.bytes) | add), ($f | length),
     (if ($v | length) > 0 then ($v | map(.time | ts) | max) else 0 end)] | @tsv' "$1"
}

# extract_once OUT LOG: ab2d-etl extract into OUT (a new job, or the
# unfinished one there), its JSON log in LOG.
extract_once() {
  if ! AB2D_CLIENT_ID=$client_id AB2D_CLIENT_SECRET=$client_secret "$AB2D_ETL" extract --api-url "$api_url" \
    --token-url "$token_url" --out "$1" --since none --workers "$WORKERS" --log-format json \
    >"$1.stdout" 2>"$2"; then
    tail -n 20 "$2" >&2
    die "ab2d-etl extract failed (log: $2)"
  fi
}

# median: the median of the numbers on stdin, one a line.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# dir_bytes DIR: bytes of the files in DIR.
dir_bytes() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }

# --- the first extract: a new job, landed and verified ---
ex_out="$work/etl"
ex_log="$work/extract.log"
say "ab2d-etl extract --workers $WORKERS (export, poll, download, verify)..."
t0=$(now)
extract_once "$ex_out" "$ex_log"
t1=$(now)
ex_total=$(calc "$t1 - $t0")
read -r dl_start dl_end ex_bytes ex_files ver_end < <(download_phase "$ex_log") || die "cannot parse $ex_log"
[ "${ex_files:-0}" -gt 0 ] || die "no 'file landed' in $ex_log"
[ "$ver_end" != 0 ] || die "no 'file verified' in $ex_log"
state=$(ls "$ex_out"/landing/*/state.json)
[ -f "$state" ] || die "no state.json under $ex_out/landing"
jobdir=$(dirname "$state")
unverified=$(jq '[.landed[] | select(.verified | not)] | length' "$state")
[ "$unverified" = 0 ] || die "$unverified files landed but not verified ($state)"
uncompressed=$(jq '[.manifest.files[] | select(.name | test("_error") | not) | .length] | add' "$state")
exv_secs=$(calc "$ver_end - $dl_start")
say "$(printf 'extract: %d files, %.1f MB gzip (%.1f MB NDJSON): landed in %.2f s, verified in %.2f s; whole command %.2f s' \
  "$ex_files" "$(calc "$ex_bytes / 1e6")" "$(calc "$uncompressed / 1e6")" "$(calc "$dl_end - $dl_start")" "$exv_secs" "$ex_total")"

jq -r '.manifest.files[] | [.name, .url, .sha256] | @tsv' "$state" >"$work/files.tsv"
token=$(curl -sS -f -X POST "$token_url?grant_type=client_credentials&scope=clientCreds" \
  -u "$client_id:$client_secret" -H "Accept: application/json" | jq -r .access_token) || die "token request failed"
[ -n "$token" ] && [ "$token" != null ] || die "no access token from $token_url"
hdr=(-H "Authorization: Bearer $token" -H "Accept-Encoding: gzip" -H "Accept: application/fhir+ndjson")

# --- rounds: extract (resumed), curl-seq, curl-par ---
: >"$work/rounds.tsv"
for r in $(seq "$ROUNDS"); do
  # The job's files go, its state stays: extract resumes the job and
  # downloads every file again (the sandbox allows 100 downloads).
  rm -f "$jobdir"/*.gz "$jobdir"/*.ndjson "$jobdir"/*.part
  rlog="$work/extract-round$r.log"
  extract_once "$ex_out" "$rlog"
  read -r s0 s1 b n _ < <(download_phase "$rlog") || die "cannot parse $rlog"
  [ "$n" = "$ex_files" ] || die "round $r: extract downloaded $n files, want $ex_files"
  e_secs=$(calc "$s1 - $s0")

  rm -rf "$work/curl-seq" && mkdir -p "$work/curl-seq"
  t0=$(now)
  while IFS=$'\t' read -r name url _; do
    curl -sS -f "${hdr[@]}" -o "$work/curl-seq/$name.gz" "$url" || die "curl $url failed"
  done <"$work/files.tsv"
  t1=$(now)
  seq_secs=$(calc "$t1 - $t0")
  seq_bytes=$(dir_bytes "$work/curl-seq")

  rm -rf "$work/curl-par" && mkdir -p "$work/curl-par"
  args=()
  while IFS=$'\t' read -r name url _; do
    args+=(-o "$work/curl-par/$name.gz" "$url")
  done <"$work/files.tsv"
  t0=$(now)
  curl -sS -f --no-progress-meter --parallel --parallel-max "$WORKERS" "${hdr[@]}" "${args[@]}" || die "curl --parallel failed"
  t1=$(now)
  par_secs=$(calc "$t1 - $t0")
  par_bytes=$(dir_bytes "$work/curl-par")
  for x in "$seq_bytes" "$par_bytes"; do
    [ "$x" = "$b" ] || warn "round $r: curl stored $x bytes, extract $b"
  done
  best=$(calc "($seq_secs < $par_secs) ? $seq_secs : $par_secs")
  printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$e_secs" "$seq_secs" "$par_secs" "$(calc "$best / $e_secs")" >>"$work/rounds.tsv"
  say "$(printf 'round %d: extract %.2f s (%.0f MB/s), curl-seq %.2f s, curl-par %.2f s: extract / faster curl %.2fx' \
    "$r" "$e_secs" "$(calc "$b / 1e6 / $e_secs")" "$seq_secs" "$par_secs" "$(calc "$best / $e_secs")")"
done
rm -rf "$work/curl-seq" "$work/curl-par"
med_ex=$(cut -f2 "$work/rounds.tsv" | median)
med_seq=$(cut -f3 "$work/rounds.tsv" | median)
med_par=$(cut -f4 "$work/rounds.tsv" | median)
med_ratio=$(cut -f5 "$work/rounds.tsv" | median)
min_ratio=$(cut -f5 "$work/rounds.tsv" | sort -g | head -1)

# --- curl-verify: the same work as extract's verified landing ---
say "curl-verify: $WORKERS at a time, curl | tee FILE | gzip -dc | sha256sum..."
mkdir -p "$work/curl-verify"
export BENCH_TOKEN=$token BENCH_VERIFY_DIR="$work/curl-verify"
t0=$(now)
# shellcheck disable=SC2016 # expanded by the inner bash
xargs -P "$WORKERS" -L 1 bash -c '
  set -o pipefail
  sum=$(curl -sS -f -H "Authorization: Bearer $BENCH_TOKEN" -H "Accept-Encoding: gzip" -H "Accept: application/fhir+ndjson" "$1" |
    tee "$BENCH_VERIFY_DIR/$0.gz" | gzip -dc | sha256sum | cut -d" " -f1) || exit 255
  [ "$sum" = "$2" ] || { echo "sha256 mismatch for $0" >&2; exit 255; }
' <"$work/files.tsv" || die "curl-verify failed"
t1=$(now)
ver_secs=$(calc "$t1 - $t0")
rm -rf "$work/curl-verify"

# --- ab2d-etl run: a new job, downloads while the loader works ---
run_secs=0
if [ "$RUN" = 1 ]; then
  run_log="$work/run.log"
  say "ab2d-etl run --workers $WORKERS (downloads while the first files load)..."
  if ! AB2D_CLIENT_ID=$client_id AB2D_CLIENT_SECRET=$client_secret "$AB2D_ETL" run --api-url "$api_url" \
    --token-url "$token_url" --out "$work/run" --since none --workers "$WORKERS" --log-format json \
    >"$work/run.stdout" 2>"$run_log"; then
    tail -n 20 "$run_log" >&2
    die "ab2d-etl run failed (log: $run_log)"
  fi
  read -r rdl_start rdl_end run_bytes run_files _ < <(download_phase "$run_log") || die "cannot parse $run_log"
  run_secs=$(calc "$rdl_end - $rdl_start")
  rm -rf "$work/run"
fi

kill -TERM "$sb_pid" 2>/dev/null || true
wait "$sb_pid" 2>/dev/null || true

mb() { calc "$ex_bytes / 1e6 / $1"; }
printf '%-34s %9s %10s %14s\n' "" seconds "gzip MB/s" "NDJSON MB/s"
row() { printf '%-34s %9.2f %10.1f %14.1f\n' "$1" "$2" "$(mb "$2")" "$(calc "$uncompressed / 1e6 / $2")"; }
row "extract downloads (median)" "$med_ex"
row "curl-seq (median)" "$med_seq"
row "curl-par (median)" "$med_par"
row "extract landed + verified" "$exv_secs"
row "curl | tee | gzip -dc | sha256sum" "$ver_secs"
[ "$RUN" = 1 ] && row "run downloads (loader running)" "$run_secs"
say "$(printf 'extract downloads / faster curl: median %.2fx, lowest %.2fx over %d rounds (target >= 0.8x)' "$med_ratio" "$min_ratio" "$ROUNDS")"
say "$(printf 'extract landed + verified / curl-verify: %.2fx' "$(calc "$ver_secs / $exv_secs")")"
[ "$RUN" = 1 ] && say "$(printf "run's downloads / faster curl (median): %.2fx" "$(calc "($med_seq < $med_par ? $med_seq : $med_par) / $run_secs")")"

result extract.scale "$SCALE"
result extract.client "$CLIENT"
result extract.workers "$WORKERS"
result extract.rounds "$ROUNDS"
result extract.files "$ex_files"
result extract.gzip_mb "$(calc "$ex_bytes / 1e6")"
result extract.ndjson_mb "$(calc "$uncompressed / 1e6")"
result extract.seconds "$med_ex"
result extract.mb_s "$(mb "$med_ex")"
result extract.total_seconds "$ex_total"
result extract.verified_seconds "$exv_secs"
result curl_seq.seconds "$med_seq"
result curl_seq.mb_s "$(mb "$med_seq")"
result curl_par.seconds "$med_par"
result curl_par.mb_s "$(mb "$med_par")"
result curl_verify.seconds "$ver_secs"
result curl_verify.mb_s "$(mb "$ver_secs")"
result extract.ratio "$med_ratio"
result extract.ratio_min "$min_ratio"
result extract.ratio_verify "$(calc "$ver_secs / $exv_secs")"
if [ "$RUN" = 1 ]; then
  result run.download_seconds "$run_secs"
  result run.ratio "$(calc "($med_seq < $med_par ? $med_seq : $med_par) / $run_secs")"
fi
rm -rf "$work/sandbox-tmp"
