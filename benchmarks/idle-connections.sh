#!/usr/bin/env bash
# Resident memory per idle TCP and per idle TLS connection, ours and coturn, each on a freshly started
# server: a 200-connection warm-up first (JIT, TLS and first-use costs), then CONNECTIONS (default
# 5000) connections each send one Binding and stay idle while turnload reads the server's VmRSS.
# COTURN_TURNSERVER names another coturn binary (upstream 4.17.1 from ../shared/anchors) to measure
# beside Debian's. Every server is stopped by PID.
#
#   benchmarks/idle-connections.sh        # about two minutes
CONNECTIONS=${CONNECTIONS:-5000}
. "$(dirname "$0")/fresh-server.sh"
port=34796
tls_port=35349
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

# idle TRANSPORT PORT CONNECTIONS: the KiB per connection turnload printed.
idle() {
  timeout 300 dotnet "$turnload" --server 127.0.0.1:$2 \
    --transport "$1" --idle --server-pid "$server_pid" --clients "$3" >"$work/out" 2>&1 \
    || { echo "turnload failed:"; cat "$work/out"; exit 1; }
  awk 'index($0, "server RSS per connection KiB") == 1 { print $NF }' "$work/out"
}

measure() { # measure NAME TRANSPORT command...
  local name=$1 transport=$2; shift 2
  start_server "$name" "$@"
  local target=$port
  [ "$transport" = tcp ] || target=$tls_port
  idle "$transport" $target 200 >/dev/null
  local kib
  kib=$(idle "$transport" $target "$CONNECTIONS")
  printf '%s\t%s\t%s KiB per idle connection (%s connections)\n' "$name" "$transport" "$kib" "$CONNECTIONS"
  stop_server
}

coturn() { # coturn BINARY: its command line
  echo "$1" -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port=$port --tls-listening-port=$tls_port \
    --cert="$work/cert.pem" --pkey="$work/key.pem" --realm=bench --user=load:load-password --lt-cred-mech \
    --no-dtls --no-cli --no-rfc5780 --log-file=stdout --simple-log
}

for transport in tcp tls; do
  measure ours "$transport" dotnet "$ours" -L 127.0.0.1 --listening-port=$port \
    --tls-listening-port=$tls_port --cert="$work/cert.pem" --pkey="$work/key.pem" --realm=bench --user=load:load-password \
    --no-dtls --max-connections-per-ip=$((CONNECTIONS + 1000)) --drain-timeout=2
  # shellcheck disable=SC2046 # the command line is split on purpose
  measure "coturn-$(turnserver --version 2>/dev/null | head -1)" "$transport" $(coturn turnserver)
  if [ -n "${COTURN_TURNSERVER:-}" ]; then
    # shellcheck disable=SC2046
    measure "coturn-$("$COTURN_TURNSERVER" --version 2>/dev/null | head -1)" "$transport" $(coturn "$COTURN_TURNSERVER")
  fi
done
