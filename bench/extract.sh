#!/usr/bin/env bash
# Extract benchmark: `ab2d-etl extract` against the sandbox on loopback vs
# curl fetching the same files.
#
# Starts `ab2d-etl sandbox --listen 127.0.0.1:0 --max-downloads 10
# --job-seconds 0 --scale S`, runs `ab2d-etl extract --since none` for one
# client (Z0010 by default: about 1 GB of R4 NDJSON at scale 1, ~10x less
# gzip-compressed on the wire), and measures its download phase: gzip bytes
# landed / (last "file landed" - "export complete", from its JSON log).
# Then it downloads the same files with curl (Accept-Encoding: gzip, stored
# as sent, as extract stores them):
#   curl-seq     one file after the other, one curl per file
#   curl-par     one curl with --parallel --parallel-max W (W = extract's --workers)
#   curl-verify  W at a time: curl | tee FILE | gzip -dc | sha256sum, checked
#                against the manifest: the same work extract does per file
#                (store the gzip, hash the uncompressed content), minus the fsync
# and prints extract's throughput over each. Target: >= 0.8x curl-par.
#
# Environment (see also bench/lib.sh):
#   BENCH_EXTRACT_SCALE    sandbox --scale (default 1)
#   BENCH_EXTRACT_CLIENT   sandbox contract (default Z0010)
#   BENCH_EXTRACT_WORKERS  extract --workers and curl's parallelism (default 4, extract's default)
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_SELF=extract.sh
source bench/lib.sh

SCALE=${BENCH_EXTRACT_SCALE:-1}
CLIENT=${BENCH_EXTRACT_CLIENT:-Z0010}
WORKERS=${BENCH_EXTRACT_WORKERS:-4}
[[ $WORKERS =~ ^[1-9][0-9]*$ ]] || die "BENCH_EXTRACT_WORKERS must be a positive integer"

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
TMPDIR="$work/sandbox-tmp" "$AB2D_ETL" sandbox --listen 127.0.0.1:0 --max-downloads 10 --job-seconds 0 \
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
# ("export complete" to the last "file landed"), the bytes and the files landed.
download_phase() {
  jq -rs '
  def ts: . as $t
    | ($t[0:19] + "Z" | fromdateiso8601)
      + (if ($t | length) > 20 and $t[19:20] == "." then ("0" + ($t[19:] | sub("[Z+-].*$"; ""))) | tonumber else 0 end);
  (map(select(.msg == "export complete"))[0].time | ts) as $t0
  | map(select(.msg == "file landed")) as $f
  | [$t0, ($f | map(.time | ts) | max), ($f | map(.bytes) | add), ($f | length)] | @tsv' "$1"
}

# --- ab2d-etl extract ---
ex_out="$work/etl"
ex_log="$work/extract.log"
say "ab2d-etl extract --workers $WORKERS (export, poll, download, verify)..."
t0=$(now)
if ! AB2D_CLIENT_ID=$client_id AB2D_CLIENT_SECRET=$client_secret "$AB2D_ETL" extract --api-url "$api_url" \
  --token-url "$token_url" --out "$ex_out" --since none --workers "$WORKERS" --log-format json \
  >"$work/extract.stdout" 2>"$ex_log"; then
  tail -n 20 "$ex_log" >&2
  die "ab2d-etl extract failed (log: $ex_log)"
fi
t1=$(now)
ex_total=$(calc "$t1 - $t0")

# Download phase from the JSON log: "export complete" to the last "file landed".
read -r dl_start dl_end ex_bytes ex_files < <(download_phase "$ex_log") ||
  die "cannot parse $ex_log"
[ "${ex_files:-0}" -gt 0 ] || die "no 'file landed' in $ex_log"
ex_secs=$(calc "$dl_end - $dl_start")
state=$(ls "$ex_out"/landing/*/state.json)
[ -f "$state" ] || die "no state.json under $ex_out/landing"
uncompressed=$(jq '[.manifest.files[] | select(.name | test("_error") | not) | .length] | add' "$state")
say "$(printf 'extract: %d files, %.1f MB gzip (%.1f MB NDJSON), download phase %.2f s, whole command %.2f s' \
  "$ex_files" "$(calc "$ex_bytes / 1e6")" "$(calc "$uncompressed / 1e6")" "$ex_secs" "$ex_total")"

# --- curl on the same files ---
jq -r '.manifest.files[] | [.name, .url, .sha256] | @tsv' "$state" >"$work/files.tsv"
token=$(curl -sS -f -X POST "$token_url?grant_type=client_credentials&scope=clientCreds" \
  -u "$client_id:$client_secret" -H "Accept: application/json" | jq -r .access_token) || die "token request failed"
[ -n "$token" ] && [ "$token" != null ] || die "no access token from $token_url"
hdr=(-H "Authorization: Bearer $token" -H "Accept-Encoding: gzip" -H "Accept: application/fhir+ndjson")

# dir_bytes DIR: bytes of the files in DIR.
dir_bytes() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }

say "curl-seq: one file after the other..."
mkdir -p "$work/curl-seq"
t0=$(now)
while IFS=$'\t' read -r name url _; do
  curl -sS -f "${hdr[@]}" -o "$work/curl-seq/$name.gz" "$url" || die "curl $url failed"
done <"$work/files.tsv"
t1=$(now)
seq_secs=$(calc "$t1 - $t0")
seq_bytes=$(dir_bytes "$work/curl-seq")

say "curl-par: curl --parallel --parallel-max $WORKERS..."
mkdir -p "$work/curl-par"
args=()
while IFS=$'\t' read -r name url _; do
  args+=(-o "$work/curl-par/$name.gz" "$url")
done <"$work/files.tsv"
t0=$(now)
curl -sS -f --no-progress-meter --parallel --parallel-max "$WORKERS" "${hdr[@]}" "${args[@]}" || die "curl --parallel failed"
t1=$(now)
par_secs=$(calc "$t1 - $t0")
par_bytes=$(dir_bytes "$work/curl-par")

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
ver_bytes=$(dir_bytes "$work/curl-verify")

# --- ab2d-etl run: the same export, downloads verified in the load stage ---
run_log="$work/run.log"
say "ab2d-etl run --workers $WORKERS (downloads at network speed, each file verified while it is loaded)..."
if ! AB2D_CLIENT_ID=$client_id AB2D_CLIENT_SECRET=$client_secret "$AB2D_ETL" run --api-url "$api_url" \
  --token-url "$token_url" --out "$work/run" --since none --workers "$WORKERS" --log-format json \
  >"$work/run.stdout" 2>"$run_log"; then
  tail -n 20 "$run_log" >&2
  die "ab2d-etl run failed (log: $run_log)"
fi
read -r rdl_start rdl_end run_bytes run_files < <(download_phase "$run_log") ||
  die "cannot parse $run_log"
run_secs=$(calc "$rdl_end - $rdl_start")
rm -rf "$work/run"

kill -TERM "$sb_pid" 2>/dev/null || true
wait "$sb_pid" 2>/dev/null || true

for b in "$seq_bytes" "$par_bytes" "$ver_bytes"; do
  [ "$b" = "$ex_bytes" ] || warn "curl stored $b bytes, extract $ex_bytes"
done

ex_mbs=$(calc "$ex_bytes / 1e6 / $ex_secs")
printf '%-12s %6s %10s %9s %10s %14s %10s\n' tool files gzip_MB seconds MB/s NDJSON_MB/s extract/it
row() { # name files bytes secs
  local mbs
  mbs=$(calc "$3 / 1e6 / $4")
  printf '%-12s %6d %10.1f %9.2f %10.1f %14.1f %10s\n' "$1" "$2" "$(calc "$3 / 1e6")" "$4" "$mbs" \
    "$(calc "$uncompressed / 1e6 / $4")" "$5"
}
row extract "$ex_files" "$ex_bytes" "$ex_secs" -
row run "$run_files" "$run_bytes" "$run_secs" -
row curl-seq "$ex_files" "$seq_bytes" "$seq_secs" "$(printf '%.2fx' "$(calc "$seq_secs / $ex_secs")")"
row curl-par "$ex_files" "$par_bytes" "$par_secs" "$(printf '%.2fx' "$(calc "$par_secs / $ex_secs")")"
row curl-verify "$ex_files" "$ver_bytes" "$ver_secs" "$(printf '%.2fx' "$(calc "$ver_secs / $ex_secs")")"
say "extract / curl-par throughput: $(printf '%.2f' "$(calc "$par_secs / $ex_secs")")x; run's downloads / curl-par: $(printf '%.2f' "$(calc "$par_secs / $run_secs")")x (target >= 0.8x)"

result extract.scale "$SCALE"
result extract.client "$CLIENT"
result extract.workers "$WORKERS"
result extract.files "$ex_files"
result extract.gzip_mb "$(calc "$ex_bytes / 1e6")"
result extract.ndjson_mb "$(calc "$uncompressed / 1e6")"
result extract.seconds "$ex_secs"
result extract.total_seconds "$ex_total"
result extract.mb_s "$ex_mbs"
result curl_seq.seconds "$seq_secs"
result curl_seq.mb_s "$(calc "$seq_bytes / 1e6 / $seq_secs")"
result curl_par.seconds "$par_secs"
result curl_par.mb_s "$(calc "$par_bytes / 1e6 / $par_secs")"
result curl_verify.seconds "$ver_secs"
result curl_verify.mb_s "$(calc "$ver_bytes / 1e6 / $ver_secs")"
result extract.ratio_par "$(calc "$par_secs / $ex_secs")"
result extract.ratio_seq "$(calc "$seq_secs / $ex_secs")"
result extract.ratio_verify "$(calc "$ver_secs / $ex_secs")"
result run.download_seconds "$run_secs"
result run.ratio_par "$(calc "$par_secs / $run_secs")"
rm -rf "$work/curl-seq" "$work/curl-par" "$work/curl-verify" "$work/sandbox-tmp"
