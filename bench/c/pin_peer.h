/*
 * CPU pinning for the benchmarks' two-process C programs. The harness starts a program already pinned
 * to one CPU (the child inherits it through fork and exec) and names the partner's CPU in
 * SYSVIPC_BENCH_PEER_CPU; the forked partner calls pin_peer() to move to that CPU, so the two sides
 * spin on two different CPUs, the same pair for every contender. Without the variable nothing moves.
 */
#ifndef SYSVIPC_BENCH_PIN_PEER_H
#define SYSVIPC_BENCH_PIN_PEER_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

static __attribute__((unused)) void pin_peer(void)
{
    const char *cpu = getenv("SYSVIPC_BENCH_PEER_CPU");
    if (cpu == NULL || *cpu == '\0') return;
    char *end;
    long n = strtol(cpu, &end, 10);
    if (*end != '\0' || n < 0 || n >= CPU_SETSIZE) {
        fprintf(stderr, "SYSVIPC_BENCH_PEER_CPU=%s is not a CPU number\n", cpu);
        exit(2);
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((int)n, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        perror("sched_setaffinity(SYSVIPC_BENCH_PEER_CPU)");
        exit(2);
    }
}
#endif
