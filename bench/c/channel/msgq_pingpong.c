/*
 * C baseline: System V message queue, one private queue. Ping-pong sends type 1 and answers with type 2;
 * throughput streams COUNT messages of type 1 to a child that receives them.
 *
 *   msgq_pingpong pingpong   SIZE ROUNDS FILE   writes ROUNDS round-trip times (u64 ns) to FILE
 *   msgq_pingpong throughput SIZE COUNT         prints "elapsed_ns N"
 */
#include "common.h"
#include <sys/msg.h>

struct message { long type; unsigned char body[8192]; };

int main(int argc, char **argv)
{
    if (argc < 4) { fprintf(stderr, "usage: msgq_pingpong pingpong|throughput SIZE COUNT [FILE]\n"); return 2; }
    size_t size = (size_t)atol(argv[2]);
    long count = atol(argv[3]);
    if (size > sizeof(((struct message *)0)->body)) { fprintf(stderr, "size above MSGMAX\n"); return 2; }
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (q < 0) die("msgget");
    static struct message m;
    memset(m.body, 0x5a, size);
    int throughput = strcmp(argv[1], "throughput") == 0;
    pid_t pid = fork();
    if (pid == 0) {
        pin_peer();
        static struct message r;
        for (long i = 0; i < count; i++) {
            if (msgrcv(q, &r, sizeof r.body, 1, 0) < 0) die("msgrcv");
            if (!throughput) { r.type = 2; if (msgsnd(q, &r, size, 0) != 0) die("msgsnd"); }
        }
        if (throughput) { r.type = 3; *(uint64_t *)r.body = now_ns(); if (msgsnd(q, &r, 8, 0) != 0) die("msgsnd"); }
        _exit(0);
    }
    uint64_t *samples = throughput ? NULL : malloc(sizeof(uint64_t) * (size_t)count);
    uint64_t start = now_ns();
    for (long i = 0; i < count; i++) {
        uint64_t t = now_ns();
        m.type = 1;
        if (msgsnd(q, &m, size, 0) != 0) die("msgsnd");
        if (!throughput) {
            if (msgrcv(q, &m, sizeof m.body, 2, 0) < 0) die("msgrcv");
            samples[i] = now_ns() - t;
        }
    }
    if (throughput) {
        if (msgrcv(q, &m, sizeof m.body, 3, 0) < 0) die("msgrcv");
        printf("elapsed_ns %llu\n", (unsigned long long)(*(uint64_t *)m.body - start));
    }
    wait_child(pid);
    msgctl(q, IPC_RMID, NULL);
    if (!throughput) write_samples(argv[4], samples, count);
    return 0;
}
