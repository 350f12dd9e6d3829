#!/usr/bin/env bash
# Request/response exchanges per second of the tutorial sample, C and C# side by side in one invocation:
# one server, one client sending N verified requests (echo/upper/add), for each of the four pairings,
# RUNS times each; prints the median time and exchanges per second. Runs in a private IPC namespace.
#   bash bench/tutorial/exchange.sh [N=20000] [RUNS=5]
# Timings include the client's start-up (about 0.1 s for C#): use a large N.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${SYSV_IPC_IN_NAMESPACE:-}" != 1 ] && unshare --ipc true 2>/dev/null; then
  SYSV_IPC_IN_NAMESPACE=1 exec unshare --ipc "$0" "$@"
fi
n=${1:-20000}; runs=${2:-5}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
gcc -O2 -Wall -Werror -o "$work/message" samples/c/message.c
dotnet build samples/Tutorial.Host -c Release -nologo -v quiet -o "$work/host" >/dev/null
touch "$work/key"
run() { # side role args...
  local side=$1; shift
  if [ "$side" = c ]; then "$work/message" "$@"; else "$work/host/Tutorial.Host" "$@"; fi
}
echo "N=$n requests per run, $runs runs, $(nproc) cores; $(uname -r)"
for pair in "c c" "cs c" "c cs" "cs cs"; do
  set -- $pair; server=$1; client=$2
  times=()
  for _ in $(seq "$runs"); do
    run "$server" server "$work/key" >/dev/null &
    spid=$!
    start=$(date +%s.%N)
    run "$client" client "$work/key" --verify "$n" >/dev/null
    end=$(date +%s.%N)
    run c client "$work/key" quit >/dev/null
    wait "$spid"
    times+=("$(echo "$end - $start" | bc -l)")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf 'server %-2s client %-2s  median %6.3f s  %8.0f exchanges/s  (runs: %s)\n' "$server" "$client" "$median" "$(echo "$n / $median" | bc -l)" "${times[*]}"
done
