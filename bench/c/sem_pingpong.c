// Semaphore ping-pong between two processes, the C baseline for bench/SysV.Ipc.PingPong.
//   sem_pingpong ITERATIONS WARMUP
// A set of two semaphores, both 0. The parent releases 0 and waits on 1; the forked child waits on 0 and
// releases 1: one round trip is four semop calls and two wake-ups. Prints the mean round trip of the timed
// iterations in nanoseconds. The set is IPC_PRIVATE and removed before exit.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "pin_peer.h"

static int op(int id, unsigned short index, short delta)
{
    struct sembuf b = { index, delta, 0 };
    while (semop(id, &b, 1) != 0)
        if (errno != EINTR) return -1;
    return 0;
}

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: sem_pingpong ITERATIONS WARMUP\n"); return 2; }
    long iterations = atol(argv[1]), warmup = atol(argv[2]), total = iterations + warmup;
    int id = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600); // new sets start at 0 on Linux
    if (id < 0) { perror("semget"); return 1; }

    pid_t child = fork();
    if (child < 0) { perror("fork"); semctl(id, 0, IPC_RMID); return 1; }
    if (child == 0) {
        pin_peer();
        for (long i = 0; i < total; i++)
            if (op(id, 0, -1) != 0 || op(id, 1, 1) != 0) _exit(1);
        _exit(0);
    }

    int status = 0;
    long long start = 0;
    for (long i = 0; i < total; i++) {
        if (i == warmup) start = now_ns();
        if (op(id, 0, 1) != 0 || op(id, 1, -1) != 0) { perror("ping"); status = 1; break; }
    }
    long long elapsed = now_ns() - start;

    semctl(id, 0, IPC_RMID);
    int child_status;
    waitpid(child, &child_status, 0);
    if (status != 0) return status;
    if (!WIFEXITED(child_status) || WEXITSTATUS(child_status) != 0) { fprintf(stderr, "child failed\n"); return 1; }
    printf("%.1f\n", (double)elapsed / (double)iterations);
    return 0;
}
