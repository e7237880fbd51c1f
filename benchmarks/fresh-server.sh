# Sourced by the benchmarks that measure one freshly started server at a time (idle-memory.sh,
# idle-connections.sh): builds ours and the load tool in Release, makes a scratch directory, and
# starts and stops each server by PID, also when the script fails half-way.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v turnserver >/dev/null || { echo "coturn is not installed (scripts/setup.sh installs it)" >&2; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build -c Release -v q -nologo src/TurnServer.Host >/dev/null
dotnet build -c Release -v q -nologo benchmarks/TurnServer.LoadTool >/dev/null

ours=src/TurnServer.Host/bin/Release/net10.0/turnserver.dll
turnload=benchmarks/TurnServer.LoadTool/bin/Release/net10.0/turnload.dll
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start_server() { # start_server NAME command...: runs it in the background, its output in $work/NAME.log
  local name=$1; shift
  "$@" >"$work/$name.log" 2>&1 &
  server_pid=$!
  sleep 3
  kill -0 "$server_pid" || { echo "$name did not start:"; tail -n 5 "$work/$name.log"; exit 1; }
}

stop_server() {
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}
