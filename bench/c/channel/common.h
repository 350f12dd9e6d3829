/* Shared helpers for the SharedMemoryChannel benchmark's C baselines (bench/c/channel). */
#ifndef CHANNEL_BENCH_COMMON_H
#define CHANNEL_BENCH_COMMON_H
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include "pin_peer.h"

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* the clock .NET's Stopwatch reads on Linux */
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static __attribute__((unused)) void die(const char *what)
{
    perror(what);
    exit(2);
}

/* A private segment, attached and already marked for removal: it disappears when both processes exit. */
static __attribute__((unused)) void *private_segment(size_t size)
{
    int id = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
    if (id < 0) die("shmget");
    void *p = shmat(id, NULL, 0);
    if (p == (void *)-1) die("shmat");
    if (shmctl(id, IPC_RMID, NULL) != 0) die("shmctl(IPC_RMID)");
    return p;
}

static __attribute__((unused)) void write_samples(const char *path, const uint64_t *samples, long n)
{
    FILE *f = fopen(path, "wb");
    if (!f) die(path);
    if (fwrite(samples, sizeof(uint64_t), (size_t)n, f) != (size_t)n) die("fwrite");
    fclose(f);
}

static __attribute__((unused)) void wait_child(pid_t pid)
{
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "child failed\n");
        exit(3);
    }
}
#endif
