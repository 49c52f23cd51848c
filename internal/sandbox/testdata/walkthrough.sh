#!/usr/bin/env bash
# The AB2D getting-started walkthrough (reference/ab2d-getting-started.txt),
# run against a sandbox. The curl and jq commands are the walkthrough's,
# copied verbatim except for the host (https://test.idp.idm.cms.gov and
# https://sandbox.ab2d.cms.gov become $BASE) and the API version (v1, or v2).
# What the walkthrough leaves to the reader (noting the response code, the
# job id and the file to download, waiting, checking) is scripted around them.
#
# Usage: walkthrough.sh BASE_URL [v1|v2]     e.g. walkthrough.sh http://127.0.0.1:8765 v2
# Needs bash, curl, jq and coreutils. The sandbox must allow one download per
# file (the default), as the walkthrough says.
set -euo pipefail

BASE=${1:?usage: walkthrough.sh BASE_URL [v1|v2]}
BASE=${BASE%/}
V=${2:-v1}
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }
header() { grep -i "^$1:" "$2" | head -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'; }
code() { head -1 "$1" | awk '{print $2}'; }
body() { sed '1,/^\r\{0,1\}$/d' "$1"; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

# Retrieve JSON Web Token, step 5: "Example for the user 0oa2t0lsrdZw5uWRx297".
AUTH=MG9hMnQwbHNyZFp3NXVXUngyOTc6SEhkdVdHNkxvZ0l2RElRdVdncDNabG85T1lNVmFsVHRINU9CY3VIdw==
# Step 2's recipe gives the same value, once the line wrapping of GNU base64
# (76 columns) is removed: the walkthrough's command as printed breaks on Linux.
OKTA_CLIENT_ID=0oa2t0lsrdZw5uWRx297
OKTA_CLIENT_PASSWORD=HHduWG6LogIvDIQuWgp3Zlo9OYMValTtH5OBcuHw
[ "$(echo -n "${OKTA_CLIENT_ID}:${OKTA_CLIENT_PASSWORD}" | base64 | tr -d '\n')" = "$AUTH" ] || fail "AUTH does not encode the PDP-100 client"

step "Retrieve JSON Web Token ($V)"
BEARER_TOKEN=$(curl -X POST "${BASE}/oauth2/aus2r7y3gdaFMKBol297/v1/token?grant_type=client_credentials&scope=clientCreds" \
  -H "Content-Type: application/x-www-form-urlencoded" \
  -H "Accept: application/json" \
  -H "Authorization: Basic ${AUTH}" \
  | jq --raw-output ".access_token")
[ -n "$BEARER_TOKEN" ] && [ "$BEARER_TOKEN" != null ] || fail "no access_token"
echo "token: ${#BEARER_TOKEN} characters"

step "Create an export job"
curl "${BASE}/api/${V}/fhir/Patient/\$export?_outputFormat=application%2Ffhir%2Bndjson&_type=ExplanationOfBenefit" \
  -sD - \
  -H "accept: application/json" \
  -H "Accept: application/fhir+json" \
  -H "Prefer: respond-async" \
  -H "Authorization: Bearer ${BEARER_TOKEN}" \
  | tee kickoff.txt
[ "$(code kickoff.txt)" = 202 ] || fail "kick-off: $(code kickoff.txt), want 202"
LOCATION=$(header Content-Location kickoff.txt)
case $LOCATION in
"${BASE}/api/${V}/fhir/Job/"*'/$status') ;;
*) fail "Content-Location: $LOCATION" ;;
esac
JOB=${LOCATION#"${BASE}/api/${V}/fhir/Job/"}
JOB=${JOB%'/$status'}
echo "JOB=${JOB}"

step "Check the status of the job"
seen202=
while :; do
  curl "${BASE}/api/${V}/fhir/Job/${JOB}/\$status" \
    -sD - \
    -H "accept: application/json" \
    -H "Authorization: Bearer ${BEARER_TOKEN}" \
    > status.txt
  case $(code status.txt) in
  202)
    PROGRESS=$(header X-Progress status.txt)
    RETRY=$(header Retry-After status.txt)
    echo "202 x-progress: ${PROGRESS}, retry-after: ${RETRY}"
    [[ $PROGRESS =~ ^[0-9]+%\ complete$ ]] || fail "X-Progress: $PROGRESS"
    [[ $RETRY =~ ^[0-9]+$ ]] || fail "Retry-After: $RETRY"
    seen202=1
    sleep "$RETRY"
    ;;
  200) break ;;
  *)
    cat status.txt
    fail "status: $(code status.txt)"
    ;;
  esac
done
[ -n "$seen202" ] || fail "the job never reported progress (202)"
cat status.txt
echo
body status.txt > status.json
[ -n "$(header Expires status.txt)" ] || fail "no Expires header"
jq -e '.requiresAccessToken == true and (.output | length) >= 1 and (.error | length) == 0
  and (.transactionTime | test("^[A-Z][a-z]{2} [0-9]{1,2}, [0-9]{4}, [0-9]{1,2}:[0-9]{2}:[0-9]{2} [AP]M$"))
  and (.request | contains("/api/'"$V"'/fhir/Patient/$export?_outputFormat=application%252Ffhir%252Bndjson&_type=ExplanationOfBenefit"))' \
  status.json >/dev/null || fail "manifest"

step "Download the files"
FILE=$(jq -r '.output[0].url' status.json)
FILE=${FILE##*/}
[ "$FILE" = Z0000_0001.ndjson ] || fail "first file is $FILE"
echo "FILE=${FILE}"
curl "${BASE}/api/${V}/fhir/Job/${JOB}/file/${FILE}" \
  -H "Accept: application/fhir+ndjson" \
  -H "Authorization: Bearer ${BEARER_TOKEN}" \
  > ${FILE}
[ -s "${FILE}" ] || fail "${FILE} is empty"
head -c 200 ${FILE}
echo " ..."
jq -e -s 'length > 0 and all(.[]; .resourceType == "ExplanationOfBenefit")' ${FILE} >/dev/null || fail "${FILE} is not NDJSON of EOBs"
SUM=$(jq -r '.output[0].extension[] | select(.url == "https://ab2d.cms.gov/checksum") | .valueString' status.json)
LEN=$(jq -r '.output[0].extension[] | select(.url == "https://ab2d.cms.gov/file_length") | .valueDecimal' status.json)
[ "sha256:$(sha256sum ${FILE} | cut -d' ' -f1)" = "$SUM" ] || fail "checksum of ${FILE} is not $SUM"
[ "$(wc -c < ${FILE})" -eq "$LEN" ] || fail "length of ${FILE} is not $LEN"
echo "${FILE}: $(wc -l < ${FILE}) lines, ${LEN} bytes, ${SUM}"

step "Download it again: refused"
# "After the file has been downloaded for a given job, it can't be
# downloaded again using the same job."
CODE=$(curl -s -o again.json -w '%{http_code}' "${BASE}/api/${V}/fhir/Job/${JOB}/file/${FILE}" \
  -H "Accept: application/fhir+ndjson" \
  -H "Authorization: Bearer ${BEARER_TOKEN}")
cat again.json
echo
[ "$CODE" = 500 ] || fail "second download: $CODE, want 500"
[ "$(jq -r '.issue[0].details.text' again.json)" = "The file has already been download the maximum number of allowed times." ] ||
  fail "second download: wrong OperationOutcome"

echo "walkthrough ${V}: OK"
