// Message-queue send + receive in one process (no wake-ups, no context switches): the C baseline for the
// per-call cost of bench/SysV.Ipc.PingPong. Isolates what a binding adds around msgsnd/msgrcv.
//   msg_local ITERATIONS WARMUP
// Prints the mean time of one msgsnd + msgrcv pair of a 64-byte message in nanoseconds, then the mean
// user-mode and then kernel-mode CPU time of a pair (getrusage): a binding adds to the user-mode part.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/msg.h>
#include <time.h>

#define BODY 64

struct message {
    long type;
    unsigned char body[BODY];
};

static long long user_ns(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (long long)u.ru_utime.tv_sec * 1000000000LL + (long long)u.ru_utime.tv_usec * 1000LL;
}

static long long system_ns(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (long long)u.ru_stime.tv_sec * 1000000000LL + (long long)u.ru_stime.tv_usec * 1000LL;
}

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: msg_local ITERATIONS WARMUP\n"); return 2; }
    long iterations = atol(argv[1]), warmup = atol(argv[2]), total = iterations + warmup;
    int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (id < 0) { perror("msgget"); return 1; }

    struct message m;
    memset(&m, 0, sizeof m);
    int status = 0;
    long long start = 0, user_start = 0, system_start = 0;
    for (long i = 0; i < total; i++) {
        if (i == warmup) { start = now_ns(); user_start = user_ns(); system_start = system_ns(); }
        m.type = 1;
        memcpy(m.body, &i, sizeof i);
        long echoed;
        while (msgsnd(id, &m, BODY, 0) != 0)
            if (errno != EINTR) { perror("msgsnd"); status = 1; goto out; }
        while (msgrcv(id, &m, BODY, 1, 0) != BODY)
            if (errno != EINTR) { perror("msgrcv"); status = 1; goto out; }
        memcpy(&echoed, m.body, sizeof echoed);
        if (echoed != i) { fprintf(stderr, "out of step\n"); status = 1; goto out; }
    }
out:;
    long long elapsed = now_ns() - start, user = user_ns() - user_start, sys = system_ns() - system_start;
    msgctl(id, IPC_RMID, NULL);
    if (status != 0) return status;
    printf("%.1f %.1f %.1f\n", (double)elapsed / (double)iterations, (double)user / (double)iterations, (double)sys / (double)iterations);
    return 0;
}
