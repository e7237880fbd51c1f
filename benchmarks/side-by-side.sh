#!/usr/bin/env bash
# Our server and coturn (the Debian package) on loopback with equivalent settings, the same loads run
# against each in turn with benchmarks/TurnServer.LoadTool (turnload) and coturn's turnutils_uclient,
# and one table of the figures with the ratio ours/coturn. Every run is bounded in time; both
# servers are stopped by PID at the end. DURATION (seconds per run, default 10) and REPS (default 1).
#
#   benchmarks/side-by-side.sh            # about 5 minutes with the defaults
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
REPS=${REPS:-1}
command -v turnserver >/dev/null || { echo "coturn is not installed (scripts/setup.sh installs it)" >&2; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build -c Release -v q -nologo src/TurnServer.Host >/dev/null
dotnet build -c Release -v q -nologo benchmarks/TurnServer.LoadTool >/dev/null
turnload=(dotnet benchmarks/TurnServer.LoadTool/bin/Release/net10.0/turnload.dll)

work=$(mktemp -d)
ours_port=34790
coturn_port=34794
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# The same user and realm, loopback peers allowed, no TLS or DTLS, separate relay port ranges. Ours
# lifts its per-IP limit on unauthenticated requests, which every load client's first Allocate is;
# coturn has none.
dotnet src/TurnServer.Host/bin/Release/net10.0/turnserver.dll -L 127.0.0.1 --listening-port=$ours_port \
  --realm=bench --user=load:load-password --allow-loopback-peers --no-tls --no-dtls \
  --min-port=50000 --max-port=54999 --unauthenticated-rate=100000 --drain-timeout=5 >"$work/ours.log" 2>&1 &
ours_pid=$!
pids+=("$ours_pid")
turnserver -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port=$coturn_port \
  --realm=bench --user=load:load-password --lt-cred-mech --allow-loopback-peers --no-tls --no-dtls \
  --no-cli --no-rfc5780 --min-port=55000 --max-port=59999 --log-file=stdout --simple-log >"$work/coturn.log" 2>&1 &
coturn_pid=$!
pids+=("$coturn_pid")
sleep 3
kill -0 "$ours_pid" && kill -0 "$coturn_pid" || { echo "a server did not start:"; tail -n 5 "$work"/*.log; exit 1; }

# figure NAME FILE: the value turnload printed for NAME.
figure() { awk -v name="$1" 'index($0, name) == 1 { print $NF }' "$2"; }

results="$work/results"
run() { # run SCENARIO turnload-arguments...
  local scenario=$1; shift
  for rep in $(seq "$REPS"); do
    for server in ours coturn; do
      local port=$ours_port pid=$ours_pid
      [ "$server" = coturn ] && port=$coturn_port pid=$coturn_pid
      local out="$work/$server.out"
      timeout $((DURATION + 120)) "${turnload[@]}" --server 127.0.0.1:$port --user load --password load-password \
        --server-pid "$pid" --duration "$DURATION" "$@" >"$out" 2>&1 || { echo "turnload against $server failed:"; cat "$out"; exit 1; }
      for metric in "server CPU µs/relayed packet" "loss %" "to clients/s" "rtt p50/p90/p99/max µs" "allocations/s" "server CPU µs/allocation" "server RSS per allocation KiB"; do
        printf '%s\t%s\t%s\t%s\n' "$scenario" "$metric" "$server" "$(figure "$metric" "$out")" >>"$results"
      done
    done
  done
}

run "100 clients × 50 pkt/s, 100 B" --clients 100 --rate 50 --payload 100
run "100 clients × 200 pkt/s, 100 B" --clients 100 --rate 200 --payload 100
run "flood, 10 clients, 100 B" --clients 10 --payload 100
run "flood, 100 clients, 100 B" --clients 100 --payload 100
run "flood, 10 clients, 1200 B" --clients 10 --payload 1200
run "2000 idle clients (1 pkt/s)" --clients 2000 --rate 1 --payload 100

# The highest loss-free offered rate: 100 clients, each rate doubling until a run loses packets.
for rep in $(seq "$REPS"); do
  for server in ours coturn; do
    port=$ours_port pid=$ours_pid
    [ "$server" = coturn ] && port=$coturn_port pid=$coturn_pid
    best=0
    for rate in 50 100 200 400 800 1600; do
      out="$work/$server.ladder"
      timeout $((DURATION + 120)) "${turnload[@]}" --server 127.0.0.1:$port --user load --password load-password \
        --server-pid "$pid" --duration "$DURATION" --clients 100 --rate $rate --payload 100 >"$out" 2>&1 || { echo "turnload against $server failed:"; cat "$out"; exit 1; }
      loss=$(figure "loss %" "$out")
      awk -v l="$loss" 'BEGIN { exit !(l > 0) }' && break
      best=$((rate * 100))
    done
    printf '%s\t%s\t%s\t%s\n' "100 clients, rate doubling from 50 pkt/s each" "highest loss-free offered pkt/s" "$server" "$best" >>"$results"
  done
done

# coturn's own load tool against both: 10 clients flooding through channels to turnutils_peer.
peer_port=34798
turnutils_peer -L 127.0.0.1 -p $peer_port >/dev/null 2>&1 &
pids+=("$!")
sleep 1
for rep in $(seq "$REPS"); do
  for server in ours coturn; do
    port=$ours_port pid=$ours_pid
    [ "$server" = coturn ] && port=$coturn_port pid=$coturn_pid
    before=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    out="$work/$server.uclient"
    timeout 120 turnutils_uclient -m 5 -n 4000 -l 100 -z 0 -e 127.0.0.1 -r $peer_port -u load -w load-password -p $port 127.0.0.1 >"$out" 2>&1 || true
    after=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    sent=$(awk -F'tot_send_msgs=' '/tot_send_msgs=/ { split($2, a, ","); n = a[1] } END { print n + 0 }' "$out")
    received=$(awk -F'tot_recv_msgs=' '/tot_recv_msgs=/ { n = $2 + 0 } END { print n + 0 }' "$out")
    lost=$(awk '/Total lost packets/ { print $(NF - 1) }' "$out" | tail -1)
    # Each message crosses the server twice: to the peer and back.
    cpu=$(awk -v t=$((after - before)) -v n="$received" 'BEGIN { printf (n > 0 ? "%.2f" : "-"), t * 10000 / (2 * n) }')
    printf '%s\t%s\t%s\t%s\n' "uclient -m 5 (10 clients) flood, 100 B" "server CPU µs/relayed packet" "$server" "$cpu" >>"$results"
    printf '%s\t%s\t%s\t%s\n' "uclient -m 5 (10 clients) flood, 100 B" "lost of sent" "$server" "${lost:-?} of $sent" >>"$results"
  done
done

# Memory per idle allocation needs fresh servers: stop these, and let idle-memory.sh start its own.
kill "$ours_pid" "$coturn_pid" 2>/dev/null || true
wait "$ours_pid" "$coturn_pid" 2>/dev/null || true
benchmarks/idle-memory.sh | awk -F'\t' -v clients="${CLIENTS:-3000}" '{ split($2, kib, " ")
  printf "%s idle allocations, fresh server after a warm-up run\tserver RSS per idle allocation KiB\t%s\t%s\n", clients, $1, kib[1] }' >>"$results"

# One table: the mean of the repetitions where numeric, the ratio ours/coturn.
echo
echo "| scenario | figure | ours | coturn | ours/coturn |"
echo "| --- | --- | ---: | ---: | ---: |"
awk -F'\t' '
  { key = $1 "\t" $2; if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    if ($4 ~ /^[0-9.]+$/) { sum[key, $3] += $4; count[key, $3]++ } else { text[key, $3] = $4 } }
  function value(key, server) { return count[key, server] ? sum[key, server] / count[key, server] : "" }
  END {
    for (i = 1; i <= n; i++) {
      key = order[i]; split(key, part, "\t")
      o = value(key, "ours"); c = value(key, "coturn")
      os = o == "" ? text[key, "ours"] : sprintf("%.2f", o); cs = c == "" ? text[key, "coturn"] : sprintf("%.2f", c)
      ratio = (o != "" && c != "" && c > 0) ? sprintf("%.2f", o / c) : "-"
      printf "| %s | %s | %s | %s | %s |\n", part[1], part[2], os, cs, ratio
    }
  }' "$results"
