#!/usr/bin/env bash
# Start the agent on a cluster dump (the bundled demo by default), run the locust dashboard mix against it
# headless for a fixed time, write the CSV stats, stop the agent. Exit code: locust's (1 on any failed
# request, or p95 over P95_BUDGET_MS).
#   USERS=50 RATE=25 DURATION=60s OUT=out/load WORKERS=2 scripts/loadtest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PORT=${LOADTEST_PORT:-18099}
USERS=${USERS:-50}
RATE=${RATE:-25}
DURATION=${DURATION:-60s}
OUT=${OUT:-out/load}
export P95_BUDGET_MS=${P95_BUDGET_MS:-500}
mkdir -p "$(dirname "$OUT")"

CLUSTER_SOURCE=snapshot SNAPSHOT_PATH=${SNAPSHOT_PATH:-src/k8s_agent/demo/cluster} PORT=$PORT \
  WORKERS=${WORKERS:-2} LOG_LEVEL=${LOG_LEVEL:-warn} "$VENV/bin/k8s-agent" > "$OUT.agent.log" 2>&1 &
agent=$!
trap 'kill -TERM $agent 2>/dev/null; wait $agent 2>/dev/null || true' EXIT

"$VENV/bin/python" - "$PORT" <<'PY'
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/readyz"
for _ in range(150):
    try:
        if urllib.request.urlopen(url, timeout=1).status == 200:
            sys.exit(0)
    except Exception:
        time.sleep(0.2)
sys.exit("agent did not become ready")
PY

"$VENV/bin/locust" -f scripts/locust/locustfile.py --headless -u "$USERS" -r "$RATE" -t "$DURATION" \
  -H "http://127.0.0.1:$PORT" --csv "$OUT" --only-summary
