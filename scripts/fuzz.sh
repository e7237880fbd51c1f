#!/usr/bin/env bash
# Coverage-guided fuzzing of one target under AFL++ (Debian's afl++, installed by scripts/setup.sh)
# for a bounded time, starting from tests/FuzzCorpus/TARGET.
#
#   scripts/fuzz.sh TARGET [SECONDS] [OUTPUT]
#
# TARGET is stun-reader, stream-framer, dispatch, toml or coturn-config; SECONDS defaults to 600.
# The harness (tests/TurnServer.Fuzz) is built in Release unless FUZZ_BUILD names a built output
# folder; a copy of it has its assemblies instrumented by SharpFuzz. Prints what AFL++ reports and
# exits 1 if it saved a crash or a hang: each is copied to tests/FuzzRegressions/TARGET/, where the
# target's regression test replays it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS] [OUTPUT]}
seconds=${2:-600}
work=$(mktemp -d)
output=${3:-$work/findings}
trap 'rm -rf "$work"' EXIT
command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz missing (scripts/setup.sh installs afl++)" >&2; exit 2; }

if [ -n "${FUZZ_BUILD:-}" ]; then
  cp -r "$FUZZ_BUILD" "$work/bin"
else
  dotnet build "$root/tests/TurnServer.Fuzz" -c Release -o "$work/bin" -v q -nologo >/dev/null
fi
(cd "$root" && dotnet tool restore >/dev/null)
# Our assemblies and the TOML library: the code a hostile input reaches.
for assembly in TurnServer.Protocol TurnServer.Relay TurnServer.Toml Tomlyn turnserver; do
  (cd "$root" && dotnet sharpfuzz "$work/bin/$assembly.dll" >/dev/null)
done

# The target is a .NET process, not a binary afl-clang built (SKIP_BIN_CHECK); a crash is an
# unhandled exception, which SharpFuzz reports to AFL++ as one, whatever the kernel's core pattern.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1
afl-fuzz -i "$root/tests/FuzzCorpus/$target" -o "$output" -V "$seconds" -t 10000 -m none \
  -- dotnet "$work/bin/TurnServer.Fuzz.dll" "$target" >"$work/afl.log" 2>&1 || { tail -n 30 "$work/afl.log"; exit 2; }

stats="$output/default/fuzzer_stats"
value() { awk -F' *: *' -v key="$1" '$1 == key { print $2 }' "$stats"; }
echo "$target: $(value execs_done) inputs in $(value run_time) s, corpus $(value corpus_count) (from $(ls "$root/tests/FuzzCorpus/$target" | wc -l) seeds), $(value saved_crashes) crashes, $(value saved_hangs) hangs"

findings=$(find "$output/default/crashes" "$output/default/hangs" -type f -name 'id:*' 2>/dev/null)
if [ -n "$findings" ]; then
  mkdir -p "$root/tests/FuzzRegressions/$target"
  while read -r finding; do
    cp "$finding" "$root/tests/FuzzRegressions/$target/afl-$(sha256sum "$finding" | cut -c1-16).bin"
    echo "finding: $finding"
  done <<<"$findings"
  exit 1
fi
