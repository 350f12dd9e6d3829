/*
 * C baseline: blocking ping-pong through a SysV shared memory segment, with FUTEX_WAIT/FUTEX_WAKE on
 * words in the segment (shared futexes, no spinning). Each side copies SIZE bytes in and out.
 *
 *   futex_pingpong SIZE ROUNDS FILE   writes ROUNDS round-trip times (u64 ns) to FILE
 */
#include "common.h"
#include <linux/futex.h>
#include <sys/syscall.h>

struct shared {
    _Alignas(128) uint32_t ping;
    _Alignas(128) uint32_t pong;
    _Alignas(128) uint32_t ready;
    _Alignas(4096) unsigned char buffer[];
};

static void futex_wait(uint32_t *word, uint32_t expected) { syscall(SYS_futex, word, FUTEX_WAIT, expected, NULL, NULL, 0); }
static void futex_wake(uint32_t *word) { syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0); }

static void wait_change(uint32_t *word, uint32_t old)
{
    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == old) futex_wait(word, old);
}

int main(int argc, char **argv)
{
    if (argc < 4) { fprintf(stderr, "usage: futex_pingpong SIZE ROUNDS FILE\n"); return 2; }
    size_t size = (size_t)atol(argv[1]);
    long rounds = atol(argv[2]);
    struct shared *s = private_segment(sizeof(struct shared) + size + 8);
    unsigned char *src = malloc(size + 1), *dst = malloc(size + 1);
    memset(src, 0x5a, size);
    pid_t pid = fork();
    if (pid == 0) {
        pin_peer();
        __atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
        for (uint32_t i = 0; i < (uint32_t)rounds; i++) {
            wait_change(&s->ping, i);
            memcpy(dst, s->buffer, size);
            memcpy(s->buffer, dst, size);
            __atomic_store_n(&s->pong, i + 1, __ATOMIC_RELEASE);
            futex_wake(&s->pong);
        }
        _exit(0);
    }
    while (!__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE)) usleep(100);
    uint64_t *samples = malloc(sizeof(uint64_t) * (size_t)rounds);
    for (uint32_t i = 0; i < (uint32_t)rounds; i++) {
        uint64_t t = now_ns();
        memcpy(s->buffer, src, size);
        __atomic_store_n(&s->ping, i + 1, __ATOMIC_RELEASE);
        futex_wake(&s->ping);
        wait_change(&s->pong, i);
        memcpy(dst, s->buffer, size);
        samples[i] = now_ns() - t;
    }
    wait_child(pid);
    write_samples(argv[3], samples, rounds);
    return 0;
}
