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

# NuGet packages (xunit, BenchmarkDotNet, Microsoft.Extensions.*) come from the configured feed.
dotnet restore TurnServer.sln
