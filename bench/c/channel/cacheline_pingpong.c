/*
 * The limit for a cross-process round trip: two processes on two CPUs passing one cache line back and
 * forth, nothing else (no ring, no record, no copy). The parent writes i+1 to a flag and spins until the
 * child has written it to a second flag on another cache line; one round trip moves each line once
 * each way. The child moves to SYSVIPC_BENCH_PEER_CPU (pin_peer.h).
 *
 *   cacheline_pingpong ROUNDS          prints "mean_ns X": the mean round trip, clock read once
 *                                       around all rounds (the harness's probe before each repeat)
 *   cacheline_pingpong ROUNDS FILE     writes ROUNDS round-trip times (u64 ns) to FILE, each timed like
 *                                       the other contenders' round trips (the "limit" row)
 */
#include "common.h"

struct flags {
    _Alignas(128) uint64_t ping;
    _Alignas(128) uint64_t pong;
    _Alignas(128) uint64_t ready;
};

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: cacheline_pingpong ROUNDS [FILE]\n"); return 2; }
    long rounds = atol(argv[1]);
    if (rounds <= 0) { fprintf(stderr, "ROUNDS must be positive\n"); return 2; }
    struct flags *f = private_segment(sizeof(struct flags));
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        pin_peer();
        __atomic_store_n(&f->ready, 1, __ATOMIC_RELEASE);
        for (uint64_t i = 1; i <= (uint64_t)rounds; i++) {
            while (__atomic_load_n(&f->ping, __ATOMIC_ACQUIRE) != i) cpu_relax();
            __atomic_store_n(&f->pong, i, __ATOMIC_RELEASE);
        }
        _exit(0);
    }
    while (!__atomic_load_n(&f->ready, __ATOMIC_ACQUIRE)) cpu_relax();
    if (argc < 3) {
        uint64_t start = now_ns();
        for (uint64_t i = 1; i <= (uint64_t)rounds; i++) {
            __atomic_store_n(&f->ping, i, __ATOMIC_RELEASE);
            while (__atomic_load_n(&f->pong, __ATOMIC_ACQUIRE) != i) cpu_relax();
        }
        uint64_t elapsed = now_ns() - start;
        wait_child(pid);
        printf("mean_ns %.1f\n", (double)elapsed / (double)rounds);
        return 0;
    }
    uint64_t *samples = malloc(sizeof(uint64_t) * (size_t)rounds);
    if (!samples) die("malloc");
    for (uint64_t i = 1; i <= (uint64_t)rounds; i++) {
        uint64_t t = now_ns();
        __atomic_store_n(&f->ping, i, __ATOMIC_RELEASE);
        while (__atomic_load_n(&f->pong, __ATOMIC_ACQUIRE) != i) cpu_relax();
        samples[i - 1] = now_ns() - t;
    }
    wait_child(pid);
    write_samples(argv[2], samples, rounds);
    return 0;
}
