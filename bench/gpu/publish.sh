#!/usr/bin/env bash
# Builds the self-contained bench for the GPU machine (no .NET there) into bench/gpu/out/engine-bench-linux-x64.tar.gz
# and checks it stays well under the 64 MiB the device tool carries. Run from anywhere on the development machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/bench/gpu/out"
limit_mib=${ENGINE_BENCH_TARBALL_LIMIT_MIB:-48}
rm -rf "$out/publish"
mkdir -p "$out"
cd "$root"
dotnet publish bench/Engine.Bench -c Release -r linux-x64 --self-contained -p:PublishSingleFile=false \
    -p:QuickOnly=true -o bench/gpu/out/publish -m:1
tar czf bench/gpu/out/engine-bench-linux-x64.tar.gz -C bench/gpu/out/publish .
rm -rf "$out/publish"
bytes=$(stat -c %s "$out/engine-bench-linux-x64.tar.gz")
mib=$(( (bytes + (1 << 20) - 1) >> 20 ))
echo "bench/gpu/out/engine-bench-linux-x64.tar.gz: $bytes bytes (~$mib MiB)"
if (( mib > limit_mib )); then
    echo "too big: over $limit_mib MiB leaves too little of the device tool's 64 MiB carry" >&2
    exit 1
fi
