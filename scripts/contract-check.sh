#!/usr/bin/env bash
# An outside contract check: schemathesis (from PyPI, in a virtual environment under .tools/) runs
# generated requests from /openapi.json against the whole service as `npm start` runs it (its own
# Temporal dev server, worker and API, on free ports, with a throwaway database), bounded in
# examples and time. It fails on any 5xx and on any answer that breaks the document (status,
# content type, headers, body schema). Run by .ci/run before `npm test`; needs `npm run build` first.
# Its report is kept in test-results/contract/schemathesis.log.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
VENV=.tools/schemathesis-venv
MAX_EXAMPLES=${CONTRACT_MAX_EXAMPLES:-15}
MAX_TIME=${CONTRACT_MAX_TIME:-300}

if [ ! -x "$VENV/bin/schemathesis" ] || ! "$VENV/bin/schemathesis" --version | grep -q "$SCHEMATHESIS_VERSION"; then
  rm -rf "$VENV"
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    # Debian's python3 lacks venv until python3-venv is installed.
    rm -rf "$VENV"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "[contract] installing python3-venv"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv "$VENV"
    else
      echo "[contract] python3 -m venv does not work here: install python3-venv" >&2
      exit 1
    fi
  fi
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
WORK=$(mktemp -d)
PORT=$(free_port)
SECRET="contract-check-$(node -e "console.log(require('crypto').randomBytes(24).toString('hex'))")"

PORT=$PORT TEMPORAL_DEV_PORT=$(free_port) TEMPORAL_UI_PORT=$(free_port) MAIL_CATCHER_PORT=$(free_port) \
  MAIL_CATCHER_UI_PORT=$(free_port) DEV_OIDC_PORT=$(free_port) TEMPORAL_DB_FILE="$WORK/temporal.db" AUTH_JWT_SECRET="$SECRET" \
  TEMPORAL_ADDRESS= SMTP_URL= WEBHOOK_URL= LOG_LEVEL=warn \
  RATE_LIMIT_PER_MINUTE=100000 AUTH_FAILURES_PER_MINUTE=100000 \
  node lib/scripts/start.js >"$WORK/service.log" 2>&1 &
SERVICE=$!
stop() {
  kill -TERM "$SERVICE" 2>/dev/null || true
  wait "$SERVICE" 2>/dev/null || true
  rm -rf "$WORK"
}
trap stop EXIT

for _ in $(seq 1 240); do
  if curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null; then break; fi
  if ! kill -0 "$SERVICE" 2>/dev/null; then cat "$WORK/service.log" >&2; exit 1; fi
  sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null || { echo "[contract] the service did not become ready" >&2; cat "$WORK/service.log" >&2; exit 1; }

# An integration's token: it may start and read transfers and send most events.
TOKEN=$(AUTH_JWT_SECRET="$SECRET" node -e "
  require('./lib/api/auth').mintToken(process.env.AUTH_JWT_SECRET, { sub: 'contract-check', roles: ['integration'], teams: [] })
    .then((t) => console.log(t));")

REPORT_DIR=test-results/contract
mkdir -p "$REPORT_DIR"
REPORT="$REPORT_DIR/schemathesis.log"
echo "[contract] schemathesis $SCHEMATHESIS_VERSION against http://127.0.0.1:$PORT/openapi.json (max $MAX_EXAMPLES examples an operation, $MAX_TIME s)"
# Its report goes to a file, and a summary of our own to the log: the report closes on a
# pytest-style footer ("3 warnings in 300s") that a reader of the CI log takes for a test run
# that counted nothing. On a failure the whole report is printed.
set +e
"$VENV/bin/schemathesis" run "http://127.0.0.1:$PORT/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --phases examples,fuzzing \
  --max-examples "$MAX_EXAMPLES" --max-time "$MAX_TIME" --request-timeout 30 --workers 2 \
  --generation-database none --no-color \
  >"$REPORT" 2>&1
status=$?
set -e
cases=$(grep -A1 "^Test cases:" "$REPORT" | tail -1 | sed "s/^ *//")
operations=$(grep -E "^ *Tested: " "$REPORT" | head -1 | sed "s/^ *Tested: *//")
if [ "$status" -ne 0 ]; then cat "$REPORT"; fi
grep -E "^ *⚠️ " "$REPORT" | sed "s/^ *⚠️ */[contract] warning: /" || true
echo "[contract] schemathesis: ${operations:-?} operations, ${cases:-no cases counted}; exit $status; report in $REPORT"
exit "$status"
