#!/usr/bin/env bash
# Resident memory per idle allocation, ours and coturn, each on a freshly started server: a 200-client
# warm-up run first (so JIT and first-use costs are not charged to the allocations), then CLIENTS
# (default 3000) clients allocate, bind a channel and send one packet a second for a few seconds.
# turnload reads the server's VmRSS before and after the set-up. Both servers are stopped by PID.
#
#   benchmarks/idle-memory.sh             # about a minute
CLIENTS=${CLIENTS:-3000}
. "$(dirname "$0")/fresh-server.sh"
port=34796

# load CLIENTS SECONDS: the RSS figure turnload printed for a run against the running server.
load() {
  timeout 300 dotnet "$turnload" --server 127.0.0.1:$port \
    --user load --password load-password --server-pid "$server_pid" --clients "$1" --rate 1 --duration "$2" >"$work/out" 2>&1 \
    || { echo "turnload failed:"; cat "$work/out"; exit 1; }
  awk 'index($0, "server RSS per allocation KiB") == 1 { print $NF }' "$work/out"
}

measure() { # measure NAME command...
  start_server "$@"
  load 200 1 >/dev/null
  local kib
  kib=$(load "$CLIENTS" 3)
  printf '%s\t%s KiB per idle allocation (%s allocations)\n' "$1" "$kib" "$CLIENTS"
  stop_server
}

measure ours dotnet "$ours" -L 127.0.0.1 --listening-port=$port \
  --realm=bench --user=load:load-password --allow-loopback-peers --no-tls --no-dtls \
  --min-port=40000 --max-port=49999 --unauthenticated-rate=100000 --drain-timeout=2
measure coturn turnserver -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port=$port \
  --realm=bench --user=load:load-password --lt-cred-mech --allow-loopback-peers --no-tls --no-dtls \
  --no-cli --no-rfc5780 --min-port=40000 --max-port=49999 --log-file=stdout --simple-log
