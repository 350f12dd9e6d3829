#!/bin/sh
# Runs the C tests given (from the build directory $1); prints a line per test and fails if any fails
# or leaves a System V object behind (in the private namespace make check creates).
dir=$1; shift
status=0; passed=0; failed=0
for t in "$@"; do
  if "$dir/$t"; then passed=$((passed + 1)); else echo "FAILED: $t"; failed=$((failed + 1)); status=1; fi
done
if [ "${SYSV_IPC_IN_NAMESPACE:-}" = 1 ] && [ -n "$(ipcs -a | awk '$1 ~ /^0x/')" ]; then
  echo "LEAK: System V objects left behind:"; ipcs -a; status=1
fi
echo "make check: $passed passed, $failed failed"
exit $status
