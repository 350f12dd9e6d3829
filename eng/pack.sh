#!/usr/bin/env bash
# Packs everything that ships, into artifacts/nupkg (or the folder given), ready to be used as a local feed:
# - every library under src/ (SysV.Ipc, ...): NAME.VERSION.nupkg and its symbols, NAME.VERSION.snupkg;
# - the sysvipc tool (src/SysV.Ipc.Cli), as .NET 10 RID-specific tool packages:
#     SysV.Ipc.Cli               the package `dotnet tool install` names; it points to the three below,
#     SysV.Ipc.Cli.linux-x64     Native AOT executable,
#     SysV.Ipc.Cli.linux-arm64   Native AOT executable (on x64, cross-compiled with gcc-aarch64-linux-gnu),
#     SysV.Ipc.Cli.any           framework-dependent fallback for every other platform (.NET 10 runtime).
# Each pack has its own artifacts folder under artifacts/pack, so the RID-specific restores and builds
# never touch the repository's bin/ and obj/. Usage: bash eng/pack.sh [OUTPUT] (takes minutes: two AOT builds).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-artifacts/nupkg}")
work=artifacts/pack
mkdir -p "$out"

pack() { # pack NAME PROJECT [ARGS...]
  local name=$1 project=$2; shift 2
  echo "== $project $*"
  dotnet pack "$project" -c Release -nologo -v quiet --artifacts-path "$work/$name" -o "$out" "$@"
}

for project in src/*/*.csproj; do
  [ "$project" = src/SysV.Ipc.Cli/SysV.Ipc.Cli.csproj ] && continue
  [ "$project" = src/SysV.Ipc.Cli.Bridge/SysV.Ipc.Cli.Bridge.csproj ] && continue # published into the tool's native packages
  pack "$(basename "$project" .csproj)" "$project"
done

cli=src/SysV.Ipc.Cli
pack cli "$cli"
pack cli-linux-x64 "$cli" -r linux-x64
if [ "$(uname -m)" = aarch64 ] || command -v aarch64-linux-gnu-gcc >/dev/null; then
  pack cli-linux-arm64 "$cli" -r linux-arm64
else
  echo "warning: no aarch64-linux-gnu-gcc (apt-get install gcc-aarch64-linux-gnu): SysV.Ipc.Cli.linux-arm64 not packed," \
       "so 'dotnet tool install' fails on linux-arm64 with this feed" >&2
fi
pack cli-any "$cli" -r any -p:PublishAot=false
ls -l "$out"
