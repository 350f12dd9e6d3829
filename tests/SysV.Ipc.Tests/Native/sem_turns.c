/* Takes turns with a .NET peer on one semaphore set (made by the test): semaphore 0 is "C's turn",
 * 1 is ".NET's turn", 2 counts turns. On each of its turns this side checks that the counter is exactly
 * 2*i and that the peer was the last to touch it, then atomically bumps the counter and hands the turn
 * over. Any deviation from strict alternation exits non-zero. The counter must stay below SEMVMX, so
 * ROUNDS is at most 16383.
 * usage: sem_turns SEMID ROUNDS PEER_PID */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <unistd.h>

static int op(int id, struct sembuf *ops, size_t n)
{
    while (semop(id, ops, n) < 0) {
        if (errno != EINTR) return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) { fprintf(stderr, "usage: %s SEMID ROUNDS PEER_PID\n", argv[0]); return 2; }
    int id = atoi(argv[1]);
    long rounds = atol(argv[2]);
    int peer = atoi(argv[3]);
    if (rounds < 1 || rounds > 16383) { fprintf(stderr, "ROUNDS must be 1..16383\n"); return 2; }
    for (long i = 0; i < rounds; i++) {
        struct sembuf take = { 0, -1, 0 };
        if (op(id, &take, 1) < 0) { fprintf(stderr, "semop take: %s\n", strerror(errno)); return 3; }
        int counter = semctl(id, 2, GETVAL);
        if (counter != 2 * i) { fprintf(stderr, "round %ld: counter %d, expected %ld\n", i, counter, 2 * i); return 4; }
        if (i > 0 && semctl(id, 2, GETPID) != peer) { fprintf(stderr, "round %ld: last pid %d, expected peer %d\n", i, semctl(id, 2, GETPID), peer); return 5; }
        struct sembuf give[2] = { { 2, 1, 0 }, { 1, 1, 0 } };
        if (op(id, give, 2) < 0) { fprintf(stderr, "semop give: %s\n", strerror(errno)); return 6; }
    }
    printf("done %ld\n", rounds);
    return 0;
}
