#!/usr/bin/env bash
# Start-up time of `sysvipc ls`: the Native AOT binary against the JIT tool, medians of N runs each,
# taken in turn so machine noise hits both alike. Usage: bash bench/cli-startup/measure.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-21}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet publish src/SysV.Ipc.Cli -c Release -r linux-x64 -p:PublishAot=true -nologo -v quiet --artifacts-path "$out/aot" -o "$out/native" >/dev/null
dotnet build src/SysV.Ipc.Cli -c Release -nologo -v quiet --artifacts-path "$out/jit" >/dev/null
jit_dll=$(find "$out/jit/bin" -name sysvipc.dll | head -1)
python3 - "$runs" "$out/native/sysvipc" "$jit_dll" <<'PY'
import statistics, subprocess, sys, time
runs, native, dll = int(sys.argv[1]), sys.argv[2], sys.argv[3]
commands = {"native AOT": [native, "ls"], "JIT (dotnet exec)": ["dotnet", "exec", dll, "ls"]}
times = {name: [] for name in commands}
for _ in range(runs):
    for name, command in commands.items():
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
        times[name].append(time.perf_counter() - start)
medians = {name: statistics.median(t) * 1000 for name, t in times.items()}
for name, ms in medians.items():
    print(f"{name}: median {ms:.1f} ms over {runs} runs")
print(f"ratio JIT / native: {medians['JIT (dotnet exec)'] / medians['native AOT']:.1f}x")
PY
