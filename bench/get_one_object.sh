#!/usr/bin/env bash
# Authenticated (client-cert) GET of one Pod over keep-alive mutual TLS:
# kubegate vs a bare aiohttp TLS handler serving the same bytes, side by side in one run.
#
#   bench/get_one_object.sh [DURATION_SECONDS]
#
# Needs wrk and libssl-dev (apt-get install -y wrk libssl-dev) and ../shared/tools/clientcert_shim.c.
# The server is pinned to core 0 and wrk to core 1, as ../shared/tools/README.md advises.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
PY=${PYTHON:-.venv/bin/python}
WORK=$(mktemp -d)
SHIM_SRC=${SHIM_SRC:-../shared/tools/clientcert_shim.c}
gcc -shared -fPIC -O2 -o "$WORK/shim.so" "$SHIM_SRC" -ldl -lssl
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

taskset -c 0 "$PY" -m kubegate serve --pki-dir "$WORK/pki" --secure-port 16501 > "$WORK/kubegate.log" 2>&1 &
pids+=($!)
until grep -q "serving on" "$WORK/kubegate.log"; do sleep 0.1; done
CURL=(curl -sf --cacert "$WORK/pki/ca.crt" --cert "$WORK/pki/admin.crt" --key "$WORK/pki/admin.key")
"${CURL[@]}" -X POST -H 'Content-Type: application/json' \
  https://127.0.0.1:16501/api/v1/namespaces/default/pods \
  -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"web"}},"spec":{"containers":[{"name":"main","image":"nginx:1.27","ports":[{"containerPort":80}]}]}}' > /dev/null
URL_PATH=/api/v1/namespaces/default/pods/web
"${CURL[@]}" "https://127.0.0.1:16501$URL_PATH" > "$WORK/body.json"
echo "object: $(wc -c < "$WORK/body.json") bytes"

taskset -c 0 "$PY" bench/bare_server.py --pki-dir "$WORK/pki" --port 16502 --body "$WORK/body.json" > "$WORK/bare.log" 2>&1 &
pids+=($!)
until grep -q "serving on" "$WORK/bare.log"; do sleep 0.1; done

run() {
  CLIENT_CERT="$WORK/pki/admin.crt" CLIENT_KEY="$WORK/pki/admin.key" LD_PRELOAD="$WORK/shim.so" \
    taskset -c 1 wrk -t1 -c64 -d"${DURATION}s" --latency "$1" | tee "$WORK/$2.wrk" >&2
  awk '/Requests\/sec/ {print $2}' "$WORK/$2.wrk"
}
# Alternate to spread machine noise over both.
k1=$(run "https://127.0.0.1:16501$URL_PATH" kubegate1); b1=$(run "https://127.0.0.1:16502$URL_PATH" bare1)
k2=$(run "https://127.0.0.1:16501$URL_PATH" kubegate2); b2=$(run "https://127.0.0.1:16502$URL_PATH" bare2)
"$PY" - "$k1" "$k2" "$b1" "$b2" <<'PYEOF'
import sys
k1, k2, b1, b2 = map(float, sys.argv[1:])
k, b = (k1 + k2) / 2, (b1 + b2) / 2
print(f"kubegate: {k:,.0f} req/s   bare aiohttp: {b:,.0f} req/s   ratio kubegate/bare: {k / b:.2f}")
PYEOF
