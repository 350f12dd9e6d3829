"""python3-sysv-ipc's MessageQueue as a contender of the SharedMemoryChannel benchmark.

    sysv_ipc_msgq.py throughput SIZE COUNT       prints "elapsed_ns N"
    sysv_ipc_msgq.py pingpong   SIZE ROUNDS FILE writes ROUNDS round-trip times (u64 ns) to FILE

Producer and consumer are separate processes (os.fork; the child moves to SYSVIPC_BENCH_PEER_CPU when set); the queue is private and removed at the end.
"""
import os
import struct
import sys
import time

import sysv_ipc


def main():
    mode, size, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    queue = sysv_ipc.MessageQueue(None, sysv_ipc.IPC_CREX, 0o600, max(size, 8))
    body = b"\x5a" * size
    try:
        pid = os.fork()
        if pid == 0:
            try:
                peer_cpu = os.environ.get("SYSVIPC_BENCH_PEER_CPU")
                if peer_cpu:
                    os.sched_setaffinity(0, {int(peer_cpu)})  # the partner's CPU, as bench/c/pin_peer.h does
                for _ in range(count):
                    message, _ = queue.receive(type=1)
                    if mode == "pingpong":
                        queue.send(message, type=2)
                if mode == "throughput":
                    queue.send(struct.pack("<Q", time.monotonic_ns()), type=3)
            finally:
                os._exit(0)
        if mode == "throughput":
            start = time.monotonic_ns()
            for _ in range(count):
                queue.send(body, type=1)
            end = struct.unpack("<Q", queue.receive(type=3)[0])[0]
            print(f"elapsed_ns {end - start}")
        else:
            samples = []
            for _ in range(count):
                t = time.monotonic_ns()
                queue.send(body, type=1)
                queue.receive(type=2)
                samples.append(time.monotonic_ns() - t)
            with open(sys.argv[4], "wb") as f:
                f.write(struct.pack(f"<{len(samples)}Q", *samples))
        os.waitpid(pid, 0)
    finally:
        queue.remove()


if __name__ == "__main__":
    main()
