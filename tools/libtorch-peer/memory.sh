#!/usr/bin/env bash
# libtorch's peak memory for the benchmark's configurations, one fresh process each (JSON lines).
# Needs the libtorch oracle (a TorchSharp program, not part of this repository) built first:
#   (cd /tmp/libtorch && ./setup.sh)
# Usage: tools/libtorch-peer/memory.sh [ORACLE_DIR, default /tmp/libtorch]
set -euo pipefail
oracle=${1:-/tmp/libtorch}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
dotnet build "$here/Peer.csproj" -c Release -o "$out" -p:OracleNative="$oracle/.native" -v quiet -nologo >/dev/null
for cell in rnn_tanh lstm gru; do
  for shape in "64 32 64 256" "128 16 128 512" "64 1 64 256"; do
    dotnet "$out/Peer.dll" memory $cell $shape
  done
done
