#!/usr/bin/env bash
# Every benchmark in one sitting, pinned, and docs/benchmarks.md's generated parts rewritten from it:
#   1. N runs (default 3), each: the message-queue/semaphore ping-pong harness (bench/SysV.Ipc.PingPong),
#      then the channel harness (bench/SysV.Ipc.ChannelBench, full mode, Native AOT rows included);
#   2. the channel section of docs/benchmarks.md with the N runs side by side (--compose), and its charts;
#      the ping-pong harness's N runs side by side between the "run-all: pingpong" markers;
#   3. the BenchmarkDotNet classes (bench/SysV.Ipc.Benchmarks, once), between the "run-all: benchmarkdotnet" markers.
# Every run is in a private IPC namespace. Raw outputs stay in artifacts/bench/<time>/.
#
#   bash bench/run-all.sh [--runs N] [--cpus A,B] [--no-bdn] [--quick|--smoke] [--aot-peer PATH] [--docs DIR] [--bdn-filter GLOB]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=3 cpus=0,1 bdn=1 mode="" aot="" docs="$root/docs" bdn_filter="*"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --cpus) cpus=$2; shift 2 ;;
    --no-bdn) bdn=0; shift ;;
    --quick) mode=--quick; shift ;;
    --smoke) mode=--smoke; shift ;;
    --aot-peer) aot=$2; shift 2 ;;
    --docs) docs=$2; shift 2 ;;
    --bdn-filter) bdn_filter=$2; shift 2 ;;
    *) echo "usage: bench/run-all.sh [--runs N] [--cpus A,B] [--no-bdn] [--quick|--smoke] [--aot-peer PATH] [--docs DIR] [--bdn-filter GLOB]" >&2; exit 2 ;;
  esac
done

out="$root/artifacts/bench/$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$out"
stamp() { echo "== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg): $*"; }

stamp "building"
for p in bench/SysV.Ipc.ChannelBench bench/SysV.Ipc.PingPong bench/SysV.Ipc.Benchmarks; do
  dotnet build "$p" -c Release -nologo -v quiet >/dev/null
done
channel="$root/bench/SysV.Ipc.ChannelBench/bin/Release/net10.0/SysV.Ipc.ChannelBench.dll"
pingpong="$root/bench/SysV.Ipc.PingPong/bin/Release/net10.0/SysV.Ipc.PingPong.dll"

if [ -z "$aot" ] && [ -z "$mode" ]; then
  stamp "publishing the Native AOT channel peer"
  rid="linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')"
  dotnet publish bench/SysV.Ipc.ChannelBench.Aot -c Release -r "$rid" -nologo -v quiet \
    --artifacts-path "$out/aot-artifacts" -o "$out/aot" >/dev/null
  aot="$out/aot/SysV.Ipc.ChannelBench.Aot"
fi
aot_args=(--no-aot)
[ -n "$aot" ] && aot_args=(--aot-peer "$aot")
iterations=50000 warmup=20000 rounds=5
[ "$mode" = --quick ] && iterations=5000 warmup=2000 rounds=2
[ "$mode" = --smoke ] && iterations=300 warmup=100 rounds=1

for i in $(seq 1 "$runs"); do
  mkdir -p "$out/run-$i"
  stamp "run $i: ping-pong harness"
  unshare --ipc dotnet exec "$pingpong" --iterations $iterations --warmup $warmup --rounds $rounds --cpus "$cpus" \
    | tee "$out/run-$i/pingpong.md"
  stamp "run $i: channel harness"
  unshare --ipc dotnet exec "$channel" $mode --cpus "$cpus" "${aot_args[@]}" --no-docs --output "$out/run-$i" \
    > "$out/run-$i/channel.log" 2>&1 || { tail -40 "$out/run-$i/channel.log"; echo "channel harness run $i failed (log: $out/run-$i/channel.log)"; exit 1; }
  grep -E "^(throughput|ping-pong) +64 B|redo|kept busy" "$out/run-$i/channel.log" | head -40 || true
done

stamp "writing $docs/benchmarks.md"
dotnet exec "$channel" --compose $(for i in $(seq 1 "$runs"); do printf '%s ' "$out/run-$i"; done) --output "$docs"
python3 "$root/bench/run-all-docs.py" pingpong "$docs/benchmarks.md" "$out"/run-*/pingpong.md

if [ "$bdn" = 1 ]; then
  stamp "BenchmarkDotNet classes"
  # Short jobs (3 launches, 10 warm-up and 10 measured iterations of ~100 ms) on every CPU of --cpus.
  # Not on one CPU: BenchmarkDotNet raises its benchmark thread's priority, and the tiered JIT's background
  # thread, sharing that one CPU, then never got to compile the optimized code; the whole run measured the
  # Tier-0 code (docs/benchmarks.md, "Pinned to one CPU, BenchmarkDotNet measured Tier-0 code").
  affinity=()
  if [ "$cpus" != none ]; then
    mask=0
    for cpu in ${cpus//,/ }; do mask=$((mask | (1 << cpu))); done
    affinity=(--affinity "$mask")
  fi
  (cd "$out" && unshare --ipc dotnet run -c Release --project "$root/bench/SysV.Ipc.Benchmarks" -- \
      --filter "$bdn_filter" --job short --launchCount 3 --warmupCount 10 --iterationCount 10 --iterationTime 100 "${affinity[@]}" \
      --buildTimeout 900 --artifacts "$out/bdn" > "$out/bdn.log" 2>&1) || { tail -40 "$out/bdn.log"; echo "BenchmarkDotNet failed (log: $out/bdn.log)"; exit 1; }
  python3 "$root/bench/run-all-docs.py" benchmarkdotnet "$docs/benchmarks.md" "$out"/bdn/results/*-report-github.md
fi
stamp "done; raw outputs in $out"
