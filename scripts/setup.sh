#!/usr/bin/env bash
# Prepares a fresh machine to build and test the project. Run by .ci/run; safe to run again.
# Tests that need Debian packages get them from here (as root, with one apt-get update first).
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK is required (https://dot.net); it is not a Debian package." >&2
  exit 1
fi
if ! dotnet --list-sdks | grep -q '^10\.'; then
  echo "setup: found dotnet, but no .NET 10 SDK: $(dotnet --list-sdks | tr '\n' ' ')" >&2
  exit 1
fi

# Debian packages the interop tests drive: coturn brings turnutils_uclient and turnutils_peer;
# prometheus brings promtool (checks /metrics) and the server that scrapes it in a test; systemd
# brings systemd-analyze, which checks config/turnserver.service; chromium is the browser the
# WebRTC tests drive (never a downloaded one); tshark's STUN dissector checks our wire format;
# nodejs runs playwright-core, which drives Chromium; iproute2, nftables, conntrack and openssl build the NAT
# lab (tests/natlab/run.sh): network namespaces, NAT routers (conntrack flushes their tables), and its
# server's TLS certificate; afl++ runs the coverage-guided fuzzing (scripts/fuzz.sh, AflFuzzingTests).
packages=(coturn prometheus systemd chromium tshark nodejs iproute2 nftables conntrack openssl afl++)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
# Debian's nodejs comes without npm (NodeSource's brings its own): add Debian's npm then.
if ! command -v npm >/dev/null 2>&1 && ! apt-cache policy nodejs 2>/dev/null | grep -q nodesource; then
  missing+=(npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    # The packages may start their own services (turnserver on 3478, Prometheus on 9090); the
    # tests use their own ports, and system services are not ours to leave running.
    for service in coturn prometheus; do
      if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
        systemctl stop "$service" || true
      fi
    done
  elif [ "${CI:-}" = "true" ]; then
    echo "setup: ${missing[*]} missing and not root: CI needs them installed" >&2
    exit 1
  else
    echo "setup: ${missing[*]} missing; run as root to install them, or the interop tests will be skipped" >&2
  fi
fi

# npm modules of the browser tests (playwright-core only), as package-lock.json pins them.
if command -v npm >/dev/null 2>&1; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
elif [ "${CI:-}" = "true" ]; then
  echo "setup: npm missing: CI needs it for the browser tests" >&2
  exit 1
fi

# NuGet packages (xunit, BenchmarkDotNet, Microsoft.Extensions.*) come from the configured feed, and
# so does the sharpfuzz tool (.config/dotnet-tools.json) that instruments assemblies for AFL++.
dotnet restore TurnServer.sln
dotnet tool restore
