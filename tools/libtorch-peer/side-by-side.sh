#!/usr/bin/env bash
# Our training step and libtorch's alternating in one process (JSON lines, one per configuration).
# Needs the libtorch oracle (a TorchSharp program, not part of this repository) built first:
#   (cd /tmp/libtorch && ./setup.sh)
# Usage: tools/libtorch-peer/side-by-side.sh [CELLS] [PAIRS] [SECONDS] [T/B/I/H ...]
#   e.g. side-by-side.sh lstm 10 1 64/1/64/256; ORACLE=/path overrides /tmp/libtorch.
set -euo pipefail
oracle=${ORACLE:-/tmp/libtorch}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
dotnet build "$here/Peer.csproj" -c Release -o "$out" -p:OracleNative="$oracle/.native" -v quiet -nologo >/dev/null
dotnet "$out/Peer.dll" side-by-side "$@"
