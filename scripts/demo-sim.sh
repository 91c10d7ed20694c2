#!/usr/bin/env bash
# scripts/demo-sim.sh POSKO_CLI LAPOR_SIM: start the SP4N-LAPOR! simulator on loopback for
# the demo data set and point the store at it (address in the store, key and token in
# the keychain). Prints the simulator's PID on stdout; the caller stops it.
#
# Port: $LAPOR_SIM_PORT or 8088. The simulator keeps its state next to the store when
# POSKO_DATA_DIR is set, else in /tmp. Demo credentials only: never real ones.
set -euo pipefail
cli=$1
sim=$2
port=${LAPOR_SIM_PORT:-8088}
key=demo-key
token=00000000-0000-4000-8000-000000000001
db=${POSKO_DATA_DIR:-/tmp}/lapor-sim-demo.db

"$sim" --listen "127.0.0.1:$port" --db "$db" --auth-key "$key" --token "$token" --quiet \
  >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do
  if "$sim" admin --url "http://127.0.0.1:$port" health >/dev/null 2>&1; then break; fi
  sleep 0.1
done
kill -0 "$pid" 2>/dev/null || { echo "demo-sim: lapor-sim did not start on port $port" >&2; exit 1; }
"$cli" lapor configure --base-url "http://127.0.0.1:$port" >/dev/null
printf '%s\n%s\n' "$key" "$token" | "$cli" lapor credentials >/dev/null
echo "$pid"
