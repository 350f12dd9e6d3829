/* bridge_recv KEY COUNT: msgrcv test messages (bridge_msg.h) until COUNT distinct ones arrived, or until
 * told to stop (SIGTERM or SIGINT): the test, not a timer here, decides that a run has stalled. Checks
 * every byte, and that each type's sequence numbers arrive in order: a number already seen is a duplicate;
 * a new number other than one past the highest seen so far is an order error (something before it is
 * missing or late). While it runs it prints "progress U" when the count of distinct messages grew (at most
 * about twice a second), so the test can tell a slow run from a stalled one. At the end, also when stopped,
 * it prints one line: "received R unique U duplicates D order-errors E corrupt C" and exits 0 when
 * U == COUNT and E == C == 0. */
#include "bridge_msg.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_stop(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: bridge_recv KEY COUNT\n"); return 2; }
    key_t key = (key_t)strtoul(argv[1], NULL, 0);
    long count = atol(argv[2]);
    struct sigaction sa = { .sa_handler = on_stop };
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    int id = msgget(key, 0);
    if (id < 0) { perror("msgget"); return 1; }
    struct { long mtype; unsigned char mtext[1 << 20]; } *m = malloc(sizeof *m);
    /* One bit per (type, sequence) seen; a type never has more than COUNT messages. */
    size_t words = (size_t)count / 64 + 1;
    uint64_t *seen[1024] = { 0 };
    int64_t high[1024];
    for (int t = 0; t < 1024; t++) high[t] = -1;
    long received = 0, unique = 0, duplicates = 0, order = 0, corrupt = 0, told = 0;
    struct timespec told_at = { 0 }, now;
    while (unique < count && !stop) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (unique != told && (now.tv_sec - told_at.tv_sec) + (now.tv_nsec - told_at.tv_nsec) / 1e9 >= 0.5) {
            printf("progress %ld\n", unique);
            fflush(stdout);
            told = unique;
            told_at = now;
        }
        ssize_t n = msgrcv(id, m, sizeof m->mtext, 0, IPC_NOWAIT);
        if (n < 0) {
            if (errno != ENOMSG && errno != EINTR) { perror("msgrcv"); return 1; }
            usleep(200);
            continue;
        }
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
