// Message-queue ping-pong between two processes, the C baseline for bench/SysV.Ipc.PingPong.
//   msg_pingpong ITERATIONS WARMUP
// The parent sends a 64-byte message of type 1 carrying a counter; the forked child receives type 1 and
// sends the same body back as type 2; the parent receives type 2 and checks the counter. Prints the mean
// round trip of the timed iterations in nanoseconds. The queue is IPC_PRIVATE and removed before exit.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "pin_peer.h"

#define BODY 64

struct message {
    long type;
    unsigned char body[BODY];
};

static int send_retry(int id, struct message *m)
{
    while (msgsnd(id, m, BODY, 0) != 0)
        if (errno != EINTR) return -1;
    return 0;
}

static int receive_retry(int id, struct message *m, long type)
{
    while (msgrcv(id, m, BODY, type, 0) != BODY)
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
    if (argc < 3) { fprintf(stderr, "usage: msg_pingpong ITERATIONS WARMUP\n"); return 2; }
    long iterations = atol(argv[1]), warmup = atol(argv[2]), total = iterations + warmup;
    int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (id < 0) { perror("msgget"); return 1; }

    pid_t child = fork();
    if (child < 0) { perror("fork"); msgctl(id, IPC_RMID, NULL); return 1; }
    if (child == 0) {
        pin_peer();
        struct message m;
        for (long i = 0; i < total; i++) {
            if (receive_retry(id, &m, 1) != 0) _exit(1);
            m.type = 2;
            if (send_retry(id, &m) != 0) _exit(1);
        }
        _exit(0);
    }

    struct message m;
    memset(&m, 0, sizeof m);
    int status = 0;
    long long start = 0;
    for (long i = 0; i < total; i++) {
        if (i == warmup) start = now_ns();
        m.type = 1;
        memcpy(m.body, &i, sizeof i);
        long echoed;
        if (send_retry(id, &m) != 0 || receive_retry(id, &m, 2) != 0) { perror("ping"); status = 1; break; }
        memcpy(&echoed, m.body, sizeof echoed);
        if (echoed != i) { fprintf(stderr, "out of step: sent %ld, got %ld\n", i, echoed); status = 1; break; }
    }
    long long elapsed = now_ns() - start;

    msgctl(id, IPC_RMID, NULL); // also wakes a child still blocked after a failure
    int child_status;
    waitpid(child, &child_status, 0);
    if (status != 0) return status;
    if (!WIFEXITED(child_status) || WEXITSTATUS(child_status) != 0) { fprintf(stderr, "child failed\n"); return 1; }
    printf("%.1f\n", (double)elapsed / (double)iterations);
    return 0;
}
