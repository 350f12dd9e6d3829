#!/usr/bin/env bash
# Installs what the tests and benchmarks use beyond the .NET SDK, gcc and util-linux, from Debian's packages:
# - gcc-aarch64-linux-gnu: the struct-layout test also checks the arm64 layouts against arm64 headers, and
#   eng/pack.sh links the tool's linux-arm64 Native AOT package with it, and the tests the arm64 smoke program;
# - qemu-user-static: runs that arm64 program (Aot/Arm64QemuTests.cs);
# - python3-sysv-ipc: a contender in the benchmark harness, and the other side of the python interop tests;
# - strace: a semaphore test proves each operation is exactly one system call;
# - tzdata: the CLI's time-zone parity test compares local times with ipcs under another zone;
# - nats-server: the NATS JetStream bridge tests and benchmark start real servers on 127.0.0.1.
# Idempotent; does nothing when everything is there.
set -uo pipefail
need=()
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || need+=(gcc-aarch64-linux-gnu)
command -v qemu-aarch64-static >/dev/null 2>&1 || need+=(qemu-user-static)
/usr/bin/python3 -c 'import sysv_ipc' >/dev/null 2>&1 || need+=(python3-sysv-ipc)
[ -e /usr/share/zoneinfo/Asia/Kolkata ] || need+=(tzdata)
command -v strace >/dev/null 2>&1 || need+=(strace)
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || need+=(nats-server)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "not installing ${need[*]}: needs root and apt-get; the tests that need them are skipped"
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || { echo "apt-get could not install ${need[*]}"; exit 1; }
