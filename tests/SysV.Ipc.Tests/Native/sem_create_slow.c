/* Creates a semaphore set the way docs/semaphores.md asks C programs to, but slowly: semget with
 * IPC_CREAT|IPC_EXCL, a pause (the window in which a careless opener would see zeros), SETALL, then one
 * semop that leaves the values as they are and sets sem_otime, the "initialized" mark openers wait for.
 * usage: sem_create_slow KEY DELAY_MS VALUE...   (prints "created ID", then "initialized") */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <time.h>

union semun { int val; struct semid_ds *buf; unsigned short *array; };

int main(int argc, char **argv)
{
    if (argc < 4) { fprintf(stderr, "usage: %s KEY DELAY_MS VALUE...\n", argv[0]); return 2; }
    key_t key = (key_t)strtol(argv[1], NULL, 0);
    long delay_ms = strtol(argv[2], NULL, 10);
    int nsems = argc - 3;
    unsigned short values[256];
    if (nsems > 256) return 2;
    for (int i = 0; i < nsems; i++) values[i] = (unsigned short)atoi(argv[3 + i]);

    int id = semget(key, nsems, IPC_CREAT | IPC_EXCL | 0600);
    if (id < 0) { fprintf(stderr, "semget: %s\n", strerror(errno)); return 3; }
    printf("created %d\n", id);
    fflush(stdout);

    struct timespec pause = { delay_ms / 1000, (delay_ms % 1000) * 1000000L };
    nanosleep(&pause, NULL);

    union semun arg = { .array = values };
    if (semctl(id, 0, SETALL, arg) < 0) { fprintf(stderr, "SETALL: %s\n", strerror(errno)); return 4; }
    /* Mark it initialized with a semop that changes nothing: give 1 and take it back (the other way
     * round when semaphore 0 is at SEMVMX). */
    short first = values[0] < 32767 ? 1 : -1;
    struct sembuf touch[2] = { { 0, first, IPC_NOWAIT }, { 0, -first, IPC_NOWAIT } };
    if (semop(id, touch, 2) < 0) { fprintf(stderr, "semop: %s\n", strerror(errno)); return 5; }
    printf("initialized\n");
    fflush(stdout);
    return 0;
}
