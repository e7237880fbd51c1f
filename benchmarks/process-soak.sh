#!/usr/bin/env bash
# The turnserver executable on its own, under allocation churn from coturn's turnutils_uclient (LOOPS
# loops at once, half UDP and half TCP, each a run of 4 clients making, using and releasing 8
# allocations), with its resident memory, GC heap and live allocations read every SAMPLE seconds.
# The soak test runs clients and server in one process; this tells whose memory grows. Extra
# environment for the server goes in SERVER_ENV, e.g. SERVER_ENV="MALLOC_ARENA_MAX=2". Some of
# uclient's UDP allocations are left to expire, so the last row comes once the server's 600 s
# lifetime has ended them all (at most 11 minutes more).
#
#   DURATION=600 benchmarks/process-soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-120}
SAMPLE=${SAMPLE:-30}
LOOPS=${LOOPS:-16}
PORT=${PORT:-34800}
RELAY_PORTS=${RELAY_PORTS:-45000-49999}
command -v turnutils_uclient >/dev/null || { echo "coturn is not installed (scripts/setup.sh installs it)" >&2; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build -c Release -v q -nologo src/TurnServer.Host >/dev/null

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

metrics_port=$((PORT + 1))
peer_port=$((PORT + 2))
env ${SERVER_ENV:-} dotnet src/TurnServer.Host/bin/Release/net10.0/turnserver.dll -L 127.0.0.1 --listening-port=$PORT \
  --realm=soak --user=soak:soak-password --allow-loopback-peers --no-tls --no-dtls --unauthenticated-rate=100000 \
  --min-port=${RELAY_PORTS%-*} --max-port=${RELAY_PORTS#*-} --prometheus --prometheus-port=$metrics_port >"$work/server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
turnutils_peer -L 127.0.0.1 -p $peer_port >/dev/null 2>&1 &
pids+=("$!")
sleep 3
kill -0 "$server_pid" || { echo "the server did not start:"; tail -n 5 "$work/server.log"; exit 1; }

# metric NAME: the sum of the series of NAME (one series, or one per label set)
metric() { curl -s "http://127.0.0.1:$metrics_port/metrics" | awk -v name="$1" '$1 == name || index($1, name "{") == 1 { sum += $2; found = 1 } END { if (found) print sum }'; }
sample() { # sample LABEL
  local rss heap allocations made
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status")
  heap=$(metric dotnet_gc_last_collection_heap_size_bytes)
  allocations=$(metric turnserver_allocations)
  made=$(metric turnserver_allocations_created_total)
  printf '| %s | %s | %s | %.1f | %.1f |\n' "$1" "${made:-0}" "${allocations:-0}" "$(echo "$rss / 1024" | bc -l)" "$(echo "${heap:-0} / 1048576" | bc -l)"
}

churn() { # churn FLAGS: uclient runs back to back until the deadline
  local deadline=$((SECONDS + DURATION))
  while [ $SECONDS -lt $deadline ]; do
    timeout 60 turnutils_uclient $1 -u soak -w soak-password -e 127.0.0.1 -r $peer_port -m 4 -n 20 -l 100 -p $PORT 127.0.0.1 >/dev/null 2>&1 || true
  done
}

echo "| time | allocations made | live | RSS MiB | GC heap MiB |"
echo "|---:|---:|---:|---:|---:|"
sample start
for i in $(seq "$LOOPS"); do
  if [ $((i % 2)) = 0 ]; then churn -t & else churn "" & fi
  pids+=("$!")
done
start=$SECONDS
while [ $((SECONDS - start)) -lt "$DURATION" ]; do
  sleep "$SAMPLE"
  sample "$((SECONDS - start)) s"
done
wait "${pids[@]:2}" 2>/dev/null || true
sleep 2
sample "churn over"
deadline=$((SECONDS + 660))
while [ "$(metric turnserver_allocations)" != 0 ] && [ $SECONDS -lt $deadline ]; do sleep 10; done
sample "all expired"
