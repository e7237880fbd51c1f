#!/usr/bin/env bash
# The NAT lab: a small internet of network namespaces, our turnserver on it, and two sites behind
# NAT routers of six kinds; the P2P coordinator (p2pdemo) connects a host of one site to a host of
# the other for every unordered pair of kinds, and the lab writes the matrix: connected or not, the
# path, and the time to connect. It also checks that NAT discovery names every kind.
#
#   [server] 203.0.113.10 + .11 (two addresses, for RFC 5780): STUN/TURN on 3478 udp+tcp,
#       |                       TURN over TLS on 443, signaling WebSocket on 80
#   [inet]  203.0.113.1, 198.51.100.1 (site A), 198.51.100.5 (site B)
#    /    \
#  [rA]   [rB]   NAT routers: WAN 198.51.100.2 / .6, LAN 100.64.1.1 / 100.64.2.1
#   |       |
#  [hA]   [hB]   hosts 100.64.1.2 / 100.64.2.2
#
# Kinds (nftables on the router):
#   open         no NAT: the host's address is routed from the internet
#   full         full cone: masquerade, and a map learnt from the host's outgoing UDP that sends
#                anything arriving on a mapped port to the host
#   address      address-restricted cone: the same, only from addresses the host has sent to
#   port         port-restricted cone: plain masquerade (conntrack filters by address and port)
#   symmetric    masquerade fully-random: a new public port for each destination
#   udp-blocked  only TCP to ports 80 and 443 leaves the site
# Every router drops unsolicited packets to itself (its port-unreachable replies would spoil a punch),
# and both sites are rebuilt for each pair, so NAT tables start empty.
#
# After the matrix, the liveness scenarios (path-cut, nat-rebind, net-change, long-idle, turn-restart and
# signaling-restart; SCENARIOS="path-cut long-idle" runs some, SCENARIOS=none none of them).
# Needs root, iproute2, nftables, conntrack and openssl. Only 203.0.113.0/24, 198.51.100.0/24 and
# 100.64.0.0/10 are used, inside namespaces of our own, all deleted at the end. The last line reads
# "N/21 connected, D direct, R relayed". KINDS="port symmetric" runs a subset; the exit status is 0
# when every pair connected on the path expected of it and discovery named every kind.
# NATLAB_KEEP=1 keeps the work directory (the peers' and the server's logs) and prints where it is.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

[ "$(id -u)" = 0 ] || { echo "natlab: needs root (network namespaces and nftables)" >&2; exit 2; }
for tool in ip nft openssl conntrack; do
  command -v "$tool" >/dev/null || { echo "natlab: $tool is missing (scripts/setup.sh installs it)" >&2; exit 2; }
done

KINDS=${KINDS:-"open full address port symmetric udp-blocked"}
read -r -a kinds <<<"$KINDS"
# NATLAB_SERVER_DLL and NATLAB_DEMO_DLL name builds to use (the test that runs the lab passes its own).
if [ -z "${NATLAB_SERVER_DLL:-}" ] || [ -z "${NATLAB_DEMO_DLL:-}" ]; then
  dotnet build -c Release -v q -nologo src/TurnServer.Host >/dev/null
  dotnet build -c Release -v q -nologo src/TurnServer.P2pDemo >/dev/null
fi
server_dll=${NATLAB_SERVER_DLL:-$PWD/src/TurnServer.Host/bin/Release/net10.0/turnserver.dll}
demo_dll=${NATLAB_DEMO_DLL:-$PWD/src/TurnServer.P2pDemo/bin/Release/net10.0/p2pdemo.dll}

work=$(mktemp -d)
prefix="nl$$"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-" || true); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ "${NATLAB_KEEP:-}" = 1 ]; then echo "natlab: logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

ns() { echo "$prefix-$1"; }
in_ns() { local name=$1; shift; ip netns exec "$(ns "$name")" "$@"; }

# link NS1 IF1 NS2 IF2: a veth pair between two namespaces, both ends up.
link() {
  ip link add "$prefix$2" type veth peer name "$prefix$4"
  ip link set "$prefix$2" netns "$(ns "$1")" name "$2"
  ip link set "$prefix$4" netns "$(ns "$3")" name "$4"
  in_ns "$1" ip link set dev "$2" up
  in_ns "$3" ip link set dev "$4" up
}

new_ns() {
  ip netns add "$(ns "$1")"
  in_ns "$1" ip link set lo up
}

# The internet and the server, built once.
new_ns inet
new_ns server
in_ns inet sysctl -qw net.ipv4.ip_forward=1
link inet srv server eth0
in_ns inet ip addr add 203.0.113.1/24 dev srv
in_ns server ip addr add 203.0.113.10/24 dev eth0
in_ns server ip addr add 203.0.113.11/24 dev eth0
in_ns server ip route add default via 203.0.113.1

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=turn.lab" \
  -keyout "$work/lab.key" -out "$work/lab.crt" >/dev/null 2>&1
start_server() { # starts the lab's turnserver and waits until it serves signaling
  : >"$work/server.log"
  # Not through in_ns: a function run in the background is a subshell, and its PID is not the server's.
  ip netns exec "$(ns server)" dotnet "$server_dll" -L 203.0.113.10 -L 203.0.113.11 --listening-port=3478 \
    --tls-listening-port=443 --cert="$work/lab.crt" --pkey="$work/lab.key" --no-dtls \
    --realm=lab --user=demo:demo-password --allowed-peer-ip=100.64.0.0/10 \
    --signaling-secret=lab-secret --signaling-address=203.0.113.10 --signaling-port=80 \
    >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    grep -q "Serving signaling" "$work/server.log" 2>/dev/null && break
    sleep 0.1
  done
  grep -q "Serving signaling" "$work/server.log" || { echo "natlab: the server did not start:"; cat "$work/server.log"; exit 1; }
}
start_server

# site LETTER N KIND: router rLETTER and host hLETTER, fresh.
site() {
  local letter=$1 n=$2 kind=$3
  local router="r$letter" host="h$letter" wan_inet="198.51.100.$((4 * n - 3))" wan="198.51.100.$((4 * n - 2))"
  for name in "$router" "$host"; do
    ip netns del "$(ns "$name")" 2>/dev/null || true
    new_ns "$name"
  done
  in_ns inet ip route del "100.64.$n.0/24" 2>/dev/null || true
  link inet "site$letter" "$router" wan
  link "$router" lan "$host" eth0
  in_ns inet ip addr add "$wan_inet/30" dev "site$letter"
  in_ns "$router" ip addr add "$wan/30" dev wan
  in_ns "$router" ip addr add "100.64.$n.1/24" dev lan
  in_ns "$router" ip route add default via "$wan_inet"
  in_ns "$router" sysctl -qw net.ipv4.ip_forward=1
  in_ns "$host" ip addr add "100.64.$n.2/24" dev eth0
  in_ns "$host" ip route add default via "100.64.$n.1"
  [ "$kind" = open ] && in_ns inet ip route add "100.64.$n.0/24" via "$wan"
  in_ns "$router" nft -f - <<<"$(ruleset "$kind")"
}

ruleset() {
  local kind=$1 masquerade="masquerade" outbound='iifname "lan" oifname "wan" accept' learn="" dnat=""
  case "$kind" in
    open) masquerade="" ; outbound=$'iifname "lan" accept\n    iifname "wan" oifname "lan" accept' ;;
    symmetric) masquerade="masquerade fully-random" ;;
    udp-blocked) outbound='iifname "lan" oifname "wan" tcp dport { 80, 443 } accept' ;;
    full)
      learn='iifname "lan" meta l4proto udp ct direction original update @mapped { udp sport : ip saddr }'
      dnat='iifname "wan" meta l4proto udp dnat to udp dport map @mapped' ;;
    address)
      learn='iifname "lan" meta l4proto udp ct direction original update @mapped { udp sport : ip saddr } update @contacted { ip daddr . udp sport }'
      dnat='iifname "wan" meta l4proto udp ip saddr . udp dport @contacted dnat to udp dport map @mapped' ;;
  esac
  cat <<EOF
table ip lab {
  map mapped { type inet_service : ipv4_addr; flags dynamic,timeout; timeout 5m; }
  set contacted { type ipv4_addr . inet_service; flags dynamic,timeout; timeout 5m; }
  chain learn {
    type filter hook prerouting priority -150; policy accept;
    $learn
  }
  chain nat_in {
    type nat hook prerouting priority -100; policy accept;
    $dnat
  }
  chain nat_out {
    type nat hook postrouting priority 100; policy accept;
    oifname "wan" $masquerade
  }
  chain input {
    type filter hook input priority 0; policy accept;
    iifname "wan" ct state established,related accept
    iifname "wan" drop
  }
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "wan" oifname "lan" ct status dnat accept
    $outbound
  }
}
EOF
}

expected_nat() {
  case "$1" in
    open) echo OpenInternet ;; full) echo FullCone ;; address) echo RestrictedCone ;;
    port) echo PortRestrictedCone ;; symmetric) echo Symmetric ;; udp-blocked) echo UdpBlocked ;;
  esac
}

# A direct path is possible unless a side blocks UDP or both are symmetric.
expected_path() {
  if [ "$1" = udp-blocked ] || [ "$2" = udp-blocked ] || { [ "$1" = symmetric ] && [ "$2" = symmetric ]; }; then
    echo Relayed
  else
    echo Direct
  fi
}

demo() { # demo HOST ARGS...: p2pdemo in a site's host, against the lab server
  local host=$1; shift
  in_ns "$host" dotnet "$demo_dll" --server 203.0.113.10 --signaling ws://203.0.113.10:80/signaling --secret lab-secret \
    --stun 203.0.113.10:3478 --turn 203.0.113.10:3478 --turn-tls 203.0.113.10:443 --turn-cert "$work/lab.crt" \
    --timeout 10 --hold 8 --json --log information "$@"
}

field() { # field JSON NAME: the value of the last "NAME" in the line (finalPath's comes after path's)
  { grep -o "\"$2\":[^,}]*" <<<"$1" || true; } | tail -n 1 | cut -d: -f2- | tr -d '"'
}

echo "| site A | site B | connected | path | strategy | transport | ms | expected |"
echo "|---|---|---|---|---|---|---:|---|"
run_pair() { # run_pair KIND_A KIND_B: bob accepts in site B, alice connects from site A; sets alice_json and bob_json
  site A 1 "$1"
  site B 2 "$2"
  demo hB --id bob --accept >"$work/bob.json" 2>"$work/bob.err" &
  bob=$!
  for _ in $(seq 150); do grep -q "bob ready" "$work/bob.err" 2>/dev/null && break; sleep 0.1; done
  alice_json=$(demo hA --id alice --connect bob 2>"$work/alice.err" | tail -n 1) || true
  wait "$bob" || true
  bob_json=$(tail -n 1 "$work/bob.json")
  [ -n "$alice_json" ] || alice_json='{"connected":false,"error":"no output"}'
}

total=0 connected=0 direct=0 relayed=0 failures=0 retried=0
direct_ms=() relayed_ms=()
declare -A discovered
for ((i = 0; i < ${#kinds[@]}; i++)); do
  for ((j = i; j < ${#kinds[@]}; j++)); do
    a=${kinds[$i]} b=${kinds[$j]}
    total=$((total + 1))
    run_pair "$a" "$b"
    if [ "$(field "$alice_json" connected)" != true ]; then
      # Once in many full runs a pair has not connected at all (full/udp-blocked, "peer bob is not
      # connected to signaling", not explained yet). It is shown, with both peers' logs, and tried once more on fresh sites; a pair that
      # fails twice fails the lab, and the retries are counted on a line of their own.
      echo "  $a/$b did not connect; trying once more. alice: $alice_json" >&2
      echo "  bob:   $bob_json" >&2
      tail -n 30 "$work/alice.err" "$work/bob.err" >&2 || true
      tail -n 20 "$work/server.log" >&2 || true
      retried=$((retried + 1))
      run_pair "$a" "$b"
    fi
    discovered[$a]="${discovered[$a]:-} $(field "$alice_json" nat)"
    [ -n "$bob_json" ] && discovered[$b]="${discovered[$b]:-} $(field "$bob_json" nat)"
    expect=$(expected_path "$a" "$b")
    if [ "$(field "$alice_json" connected)" = true ] && [ "$(field "$alice_json" echoed)" -gt 0 ] 2>/dev/null; then
      connected=$((connected + 1))
      kind=$(field "$alice_json" kind)
      if [ "$kind" = Direct ]; then direct=$((direct + 1)); else relayed=$((relayed + 1)); fi
      # Times to connect go by the first path (a relayed connection may move to a direct path later).
      if [ "$(field "$(sed 's/"finalPath".*//' <<<"$alice_json")" kind)" = Direct ]; then
        direct_ms+=("$(field "$alice_json" ms)")
      else
        relayed_ms+=("$(field "$alice_json" ms)")
      fi
      [ "$kind" = "$expect" ] || failures=$((failures + 1))
      printf '| %s | %s | yes | %s | %s | %s | %s | %s |\n' "$a" "$b" "$kind" "$(field "$alice_json" strategy)" \
        "$(field "$alice_json" transport)" "$(field "$alice_json" ms)" "$expect"
    else
      failures=$((failures + 1))
      printf '| %s | %s | no | - | - | - | - | %s |\n' "$a" "$b" "$expect"
      echo "  alice: $alice_json" >&2
      echo "  bob:   $bob_json" >&2
      tail -n 30 "$work/alice.err" "$work/bob.err" >&2 || true
      tail -n 20 "$work/server.log" >&2 || true
    fi
  done
done

# TCP hole punching alone, between NATs that keep the port (masquerade does, for TCP too).
echo
echo "| site A | site B | TCP hole punching alone | transport | ms |"
echo "|---|---|---|---|---:|"
for pair in ${TCP_PAIRS:-port:port full:address}; do
  a=${pair%%:*} b=${pair##*:}
  site A 1 "$a"
  site B 2 "$b"
  demo hB --id bob --accept --strategies tcp >"$work/bob.json" 2>"$work/bob.err" &
  bob=$!
  for _ in $(seq 150); do grep -q "bob ready" "$work/bob.err" 2>/dev/null && break; sleep 0.1; done
  alice_json=$(demo hA --id alice --connect bob --strategies tcp 2>"$work/alice.err" | tail -n 1) || true
  wait "$bob" || true
  if [ "$(field "$alice_json" connected)" = true ] && [ "$(field "$alice_json" transport)" = Tcp ] && [ "$(field "$alice_json" echoed)" -gt 0 ] 2>/dev/null; then
    printf '| %s | %s | connected | TCP | %s |\n' "$a" "$b" "$(field "$alice_json" ms)"
  else
    failures=$((failures + 1))
    printf '| %s | %s | not connected | - | - |\n' "$a" "$b"
    echo "  alice: $alice_json" >&2
  fi
done

# Liveness, between two port-restricted NATs on a direct path, both sides streaming 50 numbered
# packets a second: the direct path cut on a router and restored (path-cut), both routers' NAT
# tables flushed (nat-rebind), and two peers idle for three minutes behind NATs that forget UDP
# after 30 s (long-idle); then a relayed pair whose server restarts (turn-restart), and a new
# connection after it (signaling-restart). Each prints its line; a missed target is a failure.
now_ms() { date +%s%3N; }
stream_pair() { # stream_pair SECONDS [demo args...]: bob and alice stream; returns once both are connected
  local seconds=$1; shift
  : >"$work/marks"
  demo hB --id bob --accept --stream "$seconds" --marks "$work/marks" "$@" >"$work/bob.json" 2>"$work/bob.err" &
  bob=$!
  for _ in $(seq 150); do grep -q "bob ready" "$work/bob.err" 2>/dev/null && break; sleep 0.1; done
  demo hA --id alice --connect bob --stream "$seconds" --marks "$work/marks" "$@" >"$work/alice.json" 2>"$work/alice.err" &
  alice=$!
  for _ in $(seq 300); do
    grep -q "alice connected" "$work/alice.err" 2>/dev/null && grep -q "bob connected" "$work/bob.err" 2>/dev/null && break
    sleep 0.1
  done
}
stream_results() { # waits for both; sets alice_json and bob_json
  wait "$alice" || true
  wait "$bob" || true
  alice_json=$(tail -n 1 "$work/alice.json" 2>/dev/null || true)
  bob_json=$(tail -n 1 "$work/bob.json" 2>/dev/null || true)
}
larger() { local a=${1:-} b=${2:-}; [[ "$a" =~ ^[0-9]+$ ]] || a=-1; [[ "$b" =~ ^[0-9]+$ ]] || b=-1; echo $((a > b ? a : b)); }
liveness_failed() { # liveness_failed NAME: counts it and shows why
  failures=$((failures + 1))
  echo "  $1: alice: $alice_json" >&2
  echo "  $1: bob:   $bob_json" >&2
  tail -n 40 "$work/alice.err" "$work/bob.err" >&2 || true
}

scenarios=${SCENARIOS:-"path-cut nat-rebind net-change long-idle turn-restart"}
wants() { [[ " $scenarios " == *" $1 "* ]]; }
echo
if wants path-cut; then
  site A 1 port
  site B 2 port
  stream_pair 25
  sleep 5
  in_ns rA nft -f - <<'EOF'
table ip cut {
  chain direct {
    type filter hook forward priority -10; policy accept;
    ip daddr 198.51.100.6 drop
    ip saddr 198.51.100.6 drop
  }
}
EOF
  echo "cut $(now_ms)" >>"$work/marks"
  sleep 8
  in_ns rA nft delete table ip cut
  echo "restore $(now_ms)" >>"$work/marks"
  stream_results
  failover=$(larger "$(field "$alice_json" recoveredMs)" "$(field "$bob_json" recoveredMs)")
  back=$(larger "$(field "$alice_json" directMs)" "$(field "$bob_json" directMs)")
  lost=$(( $(larger "$(field "$alice_json" lost)" 0) + $(larger "$(field "$bob_json" lost)" 0) ))
  echo "path-cut: failover $failover ms, lost $lost packets, back to direct $back ms"
  # Targets: over within 2 s, at most 2 s of packets lost each way (50 a second), direct again within 10 s.
  if [ "$failover" -lt 0 ] || [ "$failover" -gt 2000 ] || [ "$lost" -gt 200 ] || [ "$back" -lt 0 ] || [ "$back" -gt 10000 ]; then
    liveness_failed path-cut
  fi
fi

if wants nat-rebind; then
  site A 1 port
  site B 2 port
  stream_pair 15
  sleep 5
  echo "cut $(now_ms)" >>"$work/marks"
  in_ns rA conntrack -F >/dev/null 2>&1 || true
  in_ns rB conntrack -F >/dev/null 2>&1 || true
  stream_results
  recovered=$(larger "$(field "$alice_json" recoveredMs)" "$(field "$bob_json" recoveredMs)")
  echo "nat-rebind: recovered $recovered ms"
  # No target of its own in the issue; 10 s is the bound on returning to a direct path.
  if [ "$recovered" -lt 0 ] || [ "$recovered" -gt 10000 ]; then
    liveness_failed nat-rebind
  fi
fi

if wants net-change; then
  # Wi-Fi to LTE, as far as a namespace can show it: site A's host loses its address and gets
  # another (so a new NAT mapping). The peer restarts its connection (new candidates, new
  # credentials over signaling, which reconnects); the time runs from the change to packets
  # flowing again, and to a direct path again.
  site A 1 port
  site B 2 port
  stream_pair 20
  sleep 5
  echo "cut $(now_ms)" >>"$work/marks"
  echo "restore $(now_ms)" >>"$work/marks"
  in_ns hA ip addr del 100.64.1.2/24 dev eth0
  in_ns hA ip addr add 100.64.1.3/24 dev eth0
  in_ns hA ip route add default via 100.64.1.1
  stream_results
  recovered=$(larger "$(field "$alice_json" recoveredMs)" "$(field "$bob_json" recoveredMs)")
  back=$(larger "$(field "$alice_json" directMs)" "$(field "$bob_json" directMs)")
  restarts=$(grep -c "restarting with" "$work/alice.err" || true)
  echo "net-change: recovered $recovered ms, direct again $back ms, restarts $restarts"
  # Targets: the path-cut's (packets again within 2 s is not asked here: the relay's allocation
  # moved too), direct again within 10 s, and the change seen and acted on.
  if [ "$recovered" -lt 0 ] || [ "$recovered" -gt 10000 ] || [ "$back" -lt 0 ] || [ "$back" -gt 10000 ] || [ "${restarts:-0}" -lt 1 ]; then
    liveness_failed net-change
  fi
fi

if wants long-idle; then
  site A 1 port
  site B 2 port
  for router in rA rB; do
    in_ns "$router" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=30 net.netfilter.nf_conntrack_udp_timeout_stream=30
  done
  stream_pair 3 --idle "${IDLE_SECONDS:-180}" --rate 10
  stream_results
  if [ "$(field "$alice_json" keptPath)" = true ] && [ "$(field "$bob_json" keptPath)" = true ] \
    && [ "$(field "$alice_json" received)" -gt 0 ] 2>/dev/null && [ "$(field "$bob_json" received)" -gt 0 ] 2>/dev/null; then
    echo "long-idle: ok"
  else
    echo "long-idle: failed"
    liveness_failed long-idle
  fi
fi

if wants turn-restart; then
  # Two symmetric NATs: relayed. The server (TURN and signaling) is killed and started again; the
  # time runs from when it serves again to when packets flow, then the two connect once more.
  site A 1 symmetric
  site B 2 symmetric
  stream_pair 25 --again
  sleep 4
  kill -9 "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  start_server
  echo "cut $(now_ms)" >>"$work/marks"
  stream_results
  recovered=$(larger "$(field "$alice_json" recoveredMs)" "$(field "$bob_json" recoveredMs)")
  echo "turn-restart: recovered $recovered ms"
  if [ "$recovered" -lt 0 ] || [ "$recovered" -gt 5000 ]; then
    liveness_failed turn-restart
  fi
  if [ "$(field "$alice_json" again)" = 5 ]; then
    echo "signaling-restart: ok"
  else
    echo "signaling-restart: failed"
    liveness_failed signaling-restart
  fi
fi

echo
echo "| kind | NAT discovery named it | expected |"
echo "|---|---|---|"
for kind in "${kinds[@]}"; do
  names=$(echo "${discovered[$kind]:-}" | tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/^ *//; s/ *$//')
  want=$(expected_nat "$kind")
  [ "$names" = "$want" ] || failures=$((failures + 1))
  printf '| %s | %s | %s |\n' "$kind" "${names:-none}" "$want"
done

median() { if [ $# -eq 0 ]; then echo "-"; else printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; fi; }
echo
echo "Median time to connect: $(median "${direct_ms[@]}") ms direct (${#direct_ms[@]} pairs), $(median "${relayed_ms[@]}") ms relayed (${#relayed_ms[@]} pairs)"
echo
[ "$retried" = 0 ] || echo "retried after a first failure: $retried pairs"
echo "$connected/$total connected, $direct direct, $relayed relayed"
[ "$failures" = 0 ]
