/* bridge_send KEY COUNT TYPES MAXSIZE SEED: msgsnd COUNT test messages (bridge_msg.h) of random sizes
 * from 16 to MAXSIZE bytes and random types 1..TYPES into the queue with KEY, blocking while it is full.
 * Prints "sent N" and then, per type, "type T: C" (how many of that type). */
#include "bridge_msg.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/msg.h>

int main(int argc, char **argv)
{
    if (argc != 6) { fprintf(stderr, "usage: bridge_send KEY COUNT TYPES MAXSIZE SEED\n"); return 2; }
    key_t key = (key_t)strtoul(argv[1], NULL, 0);
    long count = atol(argv[2]), types = atol(argv[3]), maxsize = atol(argv[4]);
    unsigned seed = (unsigned)atol(argv[5]);
    if (types < 1 || types > 64 || maxsize < BRIDGE_HEADER) { fprintf(stderr, "bad arguments\n"); return 2; }
    int id = msgget(key, 0);
    if (id < 0) { perror("msgget"); return 1; }
    struct { long mtype; unsigned char mtext[1 << 20]; } *m = malloc(sizeof *m);
    uint64_t next[65] = { 0 };
    srand(seed);
    for (long i = 0; i < count; i++) {
        long type = 1 + rand() % types;
        size_t len = BRIDGE_HEADER + (size_t)(rand() % (maxsize - BRIDGE_HEADER + 1));
        m->mtype = type;
        bridge_make(m->mtext, len, type, next[type]++);
        while (msgsnd(id, m, len, 0) != 0) {
            if (errno != EINTR) { perror("msgsnd"); return 1; }
        }
    }
    printf("sent %ld\n", count);
    for (long t = 1; t <= types; t++) printf("type %ld: %llu\n", t, (unsigned long long)next[t]);
    return 0;
}
