/* bridge_recv KEY COUNT IDLE_SECONDS: msgrcv test messages (bridge_msg.h) until COUNT distinct ones
 * arrived, or none came for IDLE_SECONDS. Checks every byte, and that each type's sequence numbers
 * arrive in order: a number already seen is a duplicate; a new number other than one past the highest
 * seen so far is an order error (something before it is missing or late). Prints one line:
 * "received R unique U duplicates D order-errors E corrupt C" and exits 0 when U == COUNT and E == C == 0. */
#include "bridge_msg.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 4) { fprintf(stderr, "usage: bridge_recv KEY COUNT IDLE_SECONDS\n"); return 2; }
    key_t key = (key_t)strtoul(argv[1], NULL, 0);
    long count = atol(argv[2]);
    double idle = atof(argv[3]);
    int id = msgget(key, 0);
    if (id < 0) { perror("msgget"); return 1; }
    struct { long mtype; unsigned char mtext[1 << 20]; } *m = malloc(sizeof *m);
    /* One bit per (type, sequence) seen; a type never has more than COUNT messages. */
    size_t words = (size_t)count / 64 + 1;
    uint64_t *seen[1024] = { 0 };
    int64_t high[1024];
    for (int t = 0; t < 1024; t++) high[t] = -1;
    long received = 0, unique = 0, duplicates = 0, order = 0, corrupt = 0;
    struct timespec last, now;
    clock_gettime(CLOCK_MONOTONIC, &last);
    while (unique < count) {
        ssize_t n = msgrcv(id, m, sizeof m->mtext, 0, IPC_NOWAIT);
        if (n < 0) {
            if (errno != ENOMSG && errno != EINTR) { perror("msgrcv"); return 1; }
            clock_gettime(CLOCK_MONOTONIC, &now);
            if ((now.tv_sec - last.tv_sec) + (now.tv_nsec - last.tv_nsec) / 1e9 > idle) break;
            usleep(200);
            continue;
        }
        clock_gettime(CLOCK_MONOTONIC, &last);
        received++;
        uint64_t seq;
        if (m->mtype < 1 || m->mtype >= 1024 || !bridge_check(m->mtext, (size_t)n, m->mtype, &seq)) { corrupt++; continue; }
        if (seq >= (uint64_t)count) { corrupt++; continue; }
        uint64_t **bits = &seen[m->mtype];
        if (!*bits && !(*bits = calloc(words, 8))) { perror("calloc"); return 1; }
        if ((*bits)[seq / 64] >> (seq % 64) & 1) { duplicates++; continue; }
        (*bits)[seq / 64] |= 1ull << (seq % 64);
        unique++;
        if ((int64_t)seq != high[m->mtype] + 1) order++;
        if ((int64_t)seq > high[m->mtype]) high[m->mtype] = (int64_t)seq;
    }
    printf("received %ld unique %ld duplicates %ld order-errors %ld corrupt %ld\n", received, unique, duplicates, order, corrupt);
    return unique == count && order == 0 && corrupt == 0 ? 0 : 1;
}
