#!/usr/bin/env bash
# Sandbox benchmark: generation rate and peak RSS of `ab2d-etl sandbox` for a
# large export (Z0010 at --scale 50 by default: about 50 GB of R4 NDJSON,
# stored gzip-compressed, about 10x smaller, under $BENCH_DIR/sandbox).
#
# Starts the sandbox under GNU time, kicks off the client's v2 export with
# curl, polls until 200 (honouring Retry-After), reports the generation rate
# (uncompressed bytes from the manifest's file_length sum / time from
# "sandbox export started" to "sandbox job completed" in its JSON log),
# downloads one file with curl, stops the sandbox with SIGTERM and reports its
# peak RSS ("Maximum resident set size"). Target: < 200 MB.
#
# Environment (see also bench/lib.sh):
#   BENCH_SANDBOX_SCALE     --scale (default 50; 0 skips this benchmark)
#   BENCH_SANDBOX_CLIENT    contract (default Z0010)
#   BENCH_SANDBOX_MIN_FREE_GB  skip when less disk is free under $BENCH_DIR (default 20)
#   BENCH_SANDBOX_MAX_WAIT  give up after this many seconds of generation (default 3600)
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_SELF=sandbox.sh
source bench/lib.sh

SCALE=${BENCH_SANDBOX_SCALE:-50}
CLIENT=${BENCH_SANDBOX_CLIENT:-Z0010}
MIN_FREE=${BENCH_SANDBOX_MIN_FREE_GB:-20}
MAX_WAIT=${BENCH_SANDBOX_MAX_WAIT:-3600}

if [ "$SCALE" = 0 ]; then
  say "skipped: BENCH_SANDBOX_SCALE=0"
  result sandbox.skipped "BENCH_SANDBOX_SCALE=0"
  exit 0
fi
need_gnu_time
need_binary
need_cmd curl curl
need_cmd jq jq
need_cmd pgrep procps

work="$BENCH_DIR/sandbox"
rm -rf "$work"
mkdir -p "$work/tmp"
free=$(free_gb "$work")
if awk -v f="$free" -v m="$MIN_FREE" 'BEGIN { exit !(f < m) }'; then
  say "skipped: only $free GB free under $work, $MIN_FREE GB wanted (Z0010 at scale $SCALE stores about $(printf %.1f "$(calc "$SCALE / 10")") GB of gzip; set BENCH_SANDBOX_SCALE lower, or 0 to skip)"
  result sandbox.skipped "only $free GB free"
  exit 0
fi
say "$free GB free under $work; $CLIENT at --scale $SCALE is about $SCALE GB of NDJSON, about $(printf %.1f "$(calc "$SCALE / 10")") GB of gzip on disk"

# --- start the sandbox under GNU time ---
report="$work/time.txt"
sb_out="$work/sandbox.out"
sb_log="$work/sandbox.log"
TMPDIR="$work/tmp" "$TIME" -v -o "$report" "$AB2D_ETL" sandbox --listen 127.0.0.1:0 --max-downloads 10 \
  --job-seconds 0 --scale "$SCALE" --log-format json >"$sb_out" 2>"$sb_log" &
time_pid=$!
BENCH_PIDS+=("$time_pid")
sb_pid=
for _ in $(seq 100); do
  sb_pid=$(pgrep -P "$time_pid" | head -n 1 || true)
  [ -n "$sb_pid" ] && break
  sleep 0.1
done
[ -n "$sb_pid" ] || die "the sandbox did not start (log: $sb_log)"
BENCH_PIDS=("$sb_pid" "${BENCH_PIDS[@]}") # stopped first, so that time writes its report
sandbox_address "$sb_out" "$sb_log" "$sb_pid" "$CLIENT"
say "sandbox on $base (pid $sb_pid)"

# rss_mb KEY: VmHWM (peak so far) or VmRSS of the sandbox, in MB.
rss_mb() { awk -v k="$1:" '$1 == k { printf "%.0f", $2 / 1024 }' "/proc/$sb_pid/status" 2>/dev/null || echo "?"; }

token=$(curl -sS -f -X POST "$base/oauth2/aus2r7y3gdaFMKBol297/v1/token?grant_type=client_credentials&scope=clientCreds" \
  -u "$cred" -H "Accept: application/json" | jq -r .access_token) || die "token request failed"
[ -n "$token" ] && [ "$token" != null ] || die "no access token"
auth=(-H "Authorization: Bearer $token")

# --- kick off and poll ---
t_kick=$(now)
curl -sS -D "$work/kickoff.h" -o /dev/null "${auth[@]}" -H "Accept: application/fhir+json" -H "Prefer: respond-async" \
  "$base/api/v2/fhir/Patient/\$export?_outputFormat=application%2Ffhir%2Bndjson&_type=ExplanationOfBenefit" ||
  die "kick-off request failed"
code=$(awk 'NR == 1 { print $2 }' "$work/kickoff.h")
[ "$code" = 202 ] || die "kick-off: HTTP $code, want 202 ($work/kickoff.h)"
status_url=$(sed -n 's/^[Cc]ontent-[Ll]ocation: *//p' "$work/kickoff.h" | tr -d '\r')
[ -n "$status_url" ] || die "no Content-Location in $work/kickoff.h"
say "export kicked off; polling $status_url"

last_print=0
while :; do
  code=$(curl -sS -D "$work/status.h" -o "$work/status.json" -w '%{http_code}' "${auth[@]}" "$status_url") ||
    die "status request failed"
  t=$(now)
  case "$code" in
    200) break ;;
    202 | 429)
      retry=$(sed -n 's/^[Rr]etry-[Aa]fter: *//p' "$work/status.h" | tr -d '\r')
      [[ $retry =~ ^[0-9]+$ ]] || retry=5
      elapsed=$(calc "$t - $t_kick")
      if awk -v e="$elapsed" -v l="$last_print" 'BEGIN { exit !(e - l >= 30) }'; then
        progress=$(sed -n 's/^[Xx]-[Pp]rogress: *//p' "$work/status.h" | tr -d '\r')
        gz=$(du -sb "$work/tmp" | awk '{ printf "%.0f", $1 / 1e6 }')
        say "$(printf '%5.0f s: %s, %s MB gzip on disk, sandbox RSS %s MB (peak %s MB)' "$elapsed" "${progress:-?}" "$gz" "$(rss_mb VmRSS)" "$(rss_mb VmHWM)")"
        last_print=$elapsed
      fi
      awk -v e="$elapsed" -v m="$MAX_WAIT" 'BEGIN { exit !(e > m) }' && die "the export did not complete within $MAX_WAIT s"
      sleep "$retry"
      ;;
    *) die "status: HTTP $code ($(head -c 300 "$work/status.json"))" ;;
  esac
done
t_done=$(now)
hwm_done=$(rss_mb VmHWM)

files=$(jq '.output | length' "$work/status.json")
bytes=$(jq '[.output[].extension[] | select(.url == "https://ab2d.cms.gov/file_length") | .valueDecimal] | add' "$work/status.json")
gz_bytes=$(du -sb "$work/tmp" | awk '{ print $1 }')
# Generation time from the sandbox's own log; the polls bound it within Retry-After.
gen_secs=$(jq -rs '
  def ts: . as $t
    | ($t[0:19] + "Z" | fromdateiso8601)
      + (if ($t | length) > 20 and $t[19:20] == "." then ("0" + ($t[19:] | sub("[Z+-].*$"; ""))) | tonumber else 0 end);
  ((map(select(.msg == "sandbox job completed"))[0].time | ts) - (map(select(.msg == "sandbox export started"))[0].time | ts))' \
  "$sb_log" 2>/dev/null || true)
if ! [[ $gen_secs =~ ^[0-9.]+$ ]]; then
  warn "no export started / job completed lines in $sb_log: timing by the polls"
  gen_secs=$(calc "$t_done - $t_kick")
fi
gen_mbs=$(calc "$bytes / 1e6 / $gen_secs")
say "$(printf 'export complete: %d files, %.0f MB NDJSON (%.0f MB gzip on disk) in %.1f s: %.1f MB/s; peak RSS so far %s MB' \
  "$files" "$(calc "$bytes / 1e6")" "$(calc "$gz_bytes / 1e6")" "$gen_secs" "$gen_mbs" "$hwm_done")"

# --- download one file ---
url=$(jq -r '.output[0].url' "$work/status.json")
t0=$(now)
curl -sS -f "${auth[@]}" -H "Accept-Encoding: gzip" -H "Accept: application/fhir+ndjson" -o "$work/file.gz" "$url" ||
  die "download of $url failed"
t1=$(now)
dl_bytes=$(stat -c %s "$work/file.gz")
say "$(printf 'downloaded %s: %.1f MB gzip in %.2f s' "${url##*/}" "$(calc "$dl_bytes / 1e6")" "$(calc "$t1 - $t0")")"
rm -f "$work/file.gz"

# --- stop it and read the time report ---
kill -TERM "$sb_pid"
wait "$time_pid" || warn "the sandbox exited with status $? after SIGTERM"
BENCH_PIDS=()
rss_kb=$(time_rss_kb "$report")
rss=$(calc "$rss_kb / 1024")
say "$(printf 'sandbox peak RSS: %.0f MB (target < 200 MB)' "$rss")"
left=$(du -sb "$work/tmp" | awk '{ print $1 }')
[ "$left" -lt 1000000 ] || warn "the sandbox left $(calc "$left / 1e6") MB in $work/tmp after SIGTERM"
rm -rf "$work/tmp"

result sandbox.scale "$SCALE"
result sandbox.client "$CLIENT"
result sandbox.files "$files"
result sandbox.ndjson_mb "$(calc "$bytes / 1e6")"
result sandbox.gzip_mb "$(calc "$gz_bytes / 1e6")"
result sandbox.seconds "$gen_secs"
result sandbox.mb_s "$gen_mbs"
result sandbox.rss_mb "$rss"
result sandbox.download_mb_s "$(calc "$dl_bytes / 1e6 / ($t1 - $t0)")"
