#!/usr/bin/env bash
# The README's test command: builds everything, runs every test project in a private IPC namespace
# (so parallel runs on one machine never see each other's objects), fails if anything is left behind,
# and ends with one line of totals: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# A private IPC namespace when we may make one (root, or user namespaces); the suite works without it.
if [ "${SYSV_IPC_IN_NAMESPACE:-}" != 1 ] && unshare --ipc true 2>/dev/null; then
  SYSV_IPC_IN_NAMESPACE=1 exec unshare --ipc "$0" "$@"
fi

bash eng/install-prerequisites.sh || echo "warning: some optional prerequisites could not be installed (see above)"

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"
status=0
dotnet build SysVIpc.slnx -c Release -nologo -v quiet || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

# Each test project in an IPC namespace of its own, both at once. In one namespace, a test's leak guard
# (which judges every object that appeared while the test ran as that test's) would blame and remove the
# other project's live objects. Each namespace must be empty when its project ends.
run_project() { # name; in its own namespace when we may make one, else here
  local project=$1; shift
  local leftover="$results/$project.leftover"
  local run=(dotnet test "tests/$project/$project.csproj" -c Release --no-build -nologo --logger "trx"
    --logger "console;verbosity=normal" --results-directory "$results" "$@")
  local check='rc=0; "$@" || rc=1; ipcs -a | awk '"'"'$1 ~ /^0x/'"'"' > "$LEFTOVER"; exit $rc'
  if [ "${SYSV_IPC_IN_NAMESPACE:-}" = 1 ]; then
    LEFTOVER=$leftover unshare --ipc bash -c "$check" _ "${run[@]}"
  else
    "${run[@]}"
  fi
}
projects=(SysV.Ipc.Tests SysV.Ipc.Nats.Tests)
if [ "${SYSV_IPC_IN_NAMESPACE:-}" = 1 ]; then
  pids=()
  for project in "${projects[@]}"; do run_project "$project" "$@" & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid" || status=1; done
else
  for project in "${projects[@]}"; do run_project "$project" "$@" || status=1; done
fi

# The cross-user tests again, from a copy of the built tests in a directory other users cannot enter (as a
# clone in 'mktemp -d' or /root is): the children they start as nobody must not depend on where the
# checkout lives. A copy, not a second build; counted in the totals like every run.
if [ $# -eq 0 ] && [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
  closed=$(mktemp -d) # mode 0700
  cp -a tests/SysV.Ipc.Tests/bin/Release/net10.0 "$closed/tests"
  dotnet test "$closed/tests/SysV.Ipc.Tests.dll" --filter "Category=CrossUser" \
    --logger "trx;LogFileName=cross-user-from-0700-directory.trx" --results-directory "$results" || status=1
  rm -rf "$closed"
fi

# What the cross-user tests copied for their children, left by test hosts that were not let to clean up.
for copy in /tmp/sysvipc-crossuser-*; do
  [ -d "$copy" ] || continue
  pid=${copy#/tmp/sysvipc-crossuser-}; pid=${pid%%-*}
  [ -d "/proc/$pid" ] || rm -rf "$copy"
done

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n1)
  get() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${total:-0} - ${executed:-0}))
  if [ "${f:-0}" -gt 0 ]; then
    # A failure names itself: the failing tests, and the file with their messages and output.
    echo "FAILED in $trx:"
    grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$trx" | grep -o 'testName="[^"]*"' \
      | sed -e 's/^testName="//' -e 's/"$//' -e 's/&quot;/"/g' -e 's/&amp;/\&/g' -e 's/^/  /'
  fi
done

# Nothing the suite made may survive it (in a private namespace, everything in it is ours).
if [ "${SYSV_IPC_IN_NAMESPACE:-}" = 1 ]; then
  left=$(ipcs -a | awk '$1 ~ /^0x/'; cat "$results"/*.leftover 2>/dev/null)
  if [ -n "$left" ]; then
    echo "LEAK: System V objects left behind by the test suite:"
    echo "$left"
    failed=$((failed + 1)); status=1
  fi
fi

if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then status=1; echo "no test ran"; fi
[ "$failed" -gt 0 ] && status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
