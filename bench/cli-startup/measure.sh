#!/usr/bin/env bash
# Start-up of `sysvipc ls` as users get it, against util-linux's `ipcs`: the tool packed into a folder
# feed and installed with `dotnet tool install --tool-path`, in its two forms:
# - native: the RID-specific Native AOT package (what `dotnet tool install` picks on linux-x64/arm64);
# - framework-dependent: the same tool packed as a classic (pre-.NET 10, RID-less) tool, run by its shim.
# The native form is timed twice: through the installed command (the tool-path's `sysvipc`, a symbolic
# link into the tool store) and as its executable in the store run directly, so a cost of the install
# path (a shim, a fallback, a second exec) would show as a difference between the two.
# Runs are taken in turn (ipcs, native, native direct, framework-dependent, ipcs, ...) so machine noise
# hits all alike, in a private IPC namespace holding one segment, one queue and one semaphore set (made
# by ipcmk). Prints medians, 10th-90th percentiles and ratios, with the load average before and after,
# then what does not depend on the machine's load, per command: system calls, failed ones, execve calls,
# processes and threads (strace -f -c), and minor page faults (getrusage).
# Usage: bash bench/cli-startup/measure.sh [RUNS]   (default 31; takes a few minutes: one AOT build)
#        bash bench/cli-startup/measure.sh --counts  (the counts only: meaningful on a busy machine too)
set -euo pipefail
cd "$(dirname "$0")/../.."
counts_only=0
if [ "${1:-}" = --counts ]; then counts_only=1; shift; fi
runs=${1:-31}
rid="linux-$(uname -m | sed 's/x86_64/x64/;s/aarch64/arm64/')"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cli=src/SysV.Ipc.Cli
q=(-c Release -nologo -v quiet)
dotnet pack "$cli" "${q[@]}" --artifacts-path "$out/a-pointer" -o "$out/feed" >/dev/null
dotnet pack "$cli" "${q[@]}" -r "$rid" --artifacts-path "$out/a-native" -o "$out/feed" >/dev/null
dotnet pack "$cli" "${q[@]}" -p:PublishAot=false -p:ToolPackageRuntimeIdentifiers= --artifacts-path "$out/a-fd" -o "$out/feed-fd" >/dev/null
for feed in feed feed-fd; do
  cat > "$out/$feed.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><clear /><add key="local" value="$out/$feed" /></packageSources></configuration>
XML
done
NUGET_PACKAGES="$out/packages" dotnet tool install SysV.Ipc.Cli --tool-path "$out/native" --configfile "$out/feed.config" >/dev/null
NUGET_PACKAGES="$out/packages" dotnet tool install SysV.Ipc.Cli --tool-path "$out/fd" --configfile "$out/feed-fd.config" >/dev/null

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(. /etc/os-release; echo "$PRETTY_NAME"), $(date -u +%FT%TZ)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
unshare --ipc bash -c '
  ipcmk -M 4096 >/dev/null && ipcmk -Q >/dev/null && ipcmk -S 2 >/dev/null
  exec python3 - "$@"' _ "$runs" "$out/native/sysvipc" "$out/fd/sysvipc" "$counts_only" <<'PY'
import os, re, resource, shutil, statistics, subprocess, sys, tempfile, time
runs, native, fd, counts_only = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "1"
commands = {"ipcs": ["ipcs"], "sysvipc ls (native AOT package)": [native, "ls"],
            "sysvipc ls (native AOT, store executable run directly)": [os.path.realpath(native), "ls"],
            "sysvipc ls (framework-dependent package)": [fd, "ls"]}
print(f"installed native command: {native} -> {os.path.realpath(native)}")
expected = subprocess.run(["ipcs"], capture_output=True, check=True).stdout
for name, command in commands.items():  # same text, and one warm-up run each
    assert subprocess.run(command, capture_output=True, check=True).stdout == expected, name

def counts(command):
    """System calls (all processes), failed ones, execve, processes+threads, and minor faults of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    faults = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt - before
    if shutil.which("strace") is None:
        return None, faults
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as f:
        subprocess.run(["strace", "-f", "-c", "-o", f.name, *command], stdout=subprocess.DEVNULL, check=True)
        table = f.read()
    calls = {}
    for line in table.splitlines():
        m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(\d*)\s*(\w+)$", line)
        if m:
            calls[m.group(3)] = (int(m.group(1)), int(m.group(2) or 0))
    total = calls.pop("total", (sum(c for c, _ in calls.values()), sum(e for _, e in calls.values())))
    tasks = 1 + sum(calls.get(k, (0, 0))[0] for k in ("clone", "clone3", "fork", "vfork"))
    return (total[0], total[1], calls.get("execve", (0, 0))[0], tasks), faults

if counts_only:
    runs = 0
times = {name: [] for name in commands}
for _ in range(runs):
    for name, command in commands.items():
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
        times[name].append((time.perf_counter() - start) * 1000)
if runs > 0:
    base = statistics.median(times["ipcs"])
    for name, t in times.items():
        deciles = statistics.quantiles(t, n=10)
        m = statistics.median(t)
        print(f"{name:56} median {m:7.1f} ms  (p10 {deciles[0]:.1f}, p90 {deciles[-1]:.1f})  {m / base:5.1f}x ipcs  [{runs} runs]")
print("counts per run (the same on a busy machine):")
for name, command in commands.items():
    syscalls, faults = counts(command)
    text = "strace not installed" if syscalls is None else \
        f"{syscalls[0]:5} system calls ({syscalls[1]} failed), {syscalls[2]} execve, {syscalls[3]} processes+threads"
    print(f"{name:56} {text}, {faults} minor faults")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
