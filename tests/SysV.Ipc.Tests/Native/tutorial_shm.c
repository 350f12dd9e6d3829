/*
 * The tutorial's shared-memory steps, written with the tutorial's own calls, for the interop tests.
 *   tutorial_shm ftok PATH PROJ [PATH PROJ...]   print ftok(PATH, PROJ) as 0x%08x, one per line
 *   tutorial_shm layout                          print sizeof/offsetof of struct _syscall
 *   tutorial_shm create PATH PROJ ID SEQ TEXT     ftok, shmget IPC_CREAT|IPC_EXCL|PERMS, shmat, clear_syscall,
 *                                                 fill the struct, shmdt; the segment is left for others
 *   tutorial_shm read PATH PROJ                   shmget(key, sizeof, PERMS), shmat SHM_RDONLY, print fields, shmdt
 *   tutorial_shm write PATH PROJ ID SEQ TEXT      shmget(key, sizeof, PERMS), shmat 0, fill the struct, shmdt
 *   tutorial_shm remove PATH PROJ                 shmget(key, sizeof, PERMS), shmctl IPC_RMID
 * Exit 0 on success; on failure the tutorial's message and errno on stderr, exit 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#define PERMS 0600 /* rw------- */
#define BUFSIZE_MAX 256
#define MESG_UNSPEC 0

struct _syscall {
    signed char id;
    int pid;
    long seq;
    char buf[BUFSIZE_MAX];
};

#define clear_syscall(p) \
    (p)->id = MESG_UNSPEC; \
    (p)->pid = 0; \
    (p)->seq = 0; \
    (p)->buf[0] = '\0';

static key_t key_of(const char *path, const char *proj)
{
    key_t ipckey = ftok(path, atoi(proj));
    if (ipckey == -1) {
        fprintf(stderr, "ftok(%s, %s) failed: %s\n", path, proj, strerror(errno));
        exit(1);
    }
    return ipckey;
}

static void fill(struct _syscall *p, const char *id, const char *seq, const char *text)
{
    p->id = (signed char)atoi(id);
    p->pid = (int)getpid();
    p->seq = atol(seq);
    strncpy(p->buf, text, BUFSIZE_MAX - 1);
    p->buf[BUFSIZE_MAX - 1] = '\0';
}

static struct _syscall *attach(int shmid, int flags)
{
    struct _syscall *shm_ptr = (struct _syscall *)shmat(shmid, NULL, flags);
    if (shm_ptr == (void *)-1) {
        fprintf(stderr, "\n *** attach failed *** %s\n", strerror(errno));
        exit(1);
    }
    return shm_ptr;
}

static int open_existing(key_t ipckey)
{
    int shmid = shmget(ipckey, sizeof(struct _syscall), PERMS);
    if (shmid < 0) {
        fprintf(stderr, "shmget(0x%08x) failed: errno %d %s\n", (unsigned)ipckey, errno, strerror(errno));
        exit(1);
    }
    return shmid;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "ftok") == 0) {
        for (int i = 2; i + 1 < argc; i += 2) {
            printf("0x%08x\n", (unsigned)key_of(argv[i], argv[i + 1]));
        }
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "layout") == 0) {
        printf("size=%zu\nid=%zu\npid=%zu\nseq=%zu\nbuf=%zu\n", sizeof(struct _syscall),
               offsetof(struct _syscall, id), offsetof(struct _syscall, pid),
               offsetof(struct _syscall, seq), offsetof(struct _syscall, buf));
        return 0;
    }
    if (argc < 4) {
        fprintf(stderr, "usage: see the comment at the top of tutorial_shm.c\n");
        return 2;
    }

    key_t ipckey = key_of(argv[2], argv[3]);
    if (strcmp(argv[1], "create") == 0 && argc == 7) {
        int shmid = shmget(ipckey, sizeof(struct _syscall), IPC_CREAT | IPC_EXCL | PERMS);
        if (shmid < 0) {
            fprintf(stderr, "\n *** allocate failed *** errno %d %s\n", errno, strerror(errno));
            return 1;
        }
        struct _syscall *shm_ptr = attach(shmid, 0);
        clear_syscall(shm_ptr); /* initialize shared memory */
        fill(shm_ptr, argv[4], argv[5], argv[6]);
        shmdt(shm_ptr);
        printf("shmid=%d\npid=%d\n", shmid, (int)getpid());
        return 0;
    }
    if (strcmp(argv[1], "read") == 0 && argc == 4) {
        struct _syscall *shm_ptr = attach(open_existing(ipckey), SHM_RDONLY);
        printf("id=%d\npid=%d\nseq=%ld\nbuf=%.*s\n", shm_ptr->id, shm_ptr->pid, shm_ptr->seq, BUFSIZE_MAX, shm_ptr->buf);
        shmdt(shm_ptr);
        return 0;
    }
    if (strcmp(argv[1], "write") == 0 && argc == 7) {
        struct _syscall *shm_ptr = attach(open_existing(ipckey), 0);
        fill(shm_ptr, argv[4], argv[5], argv[6]);
        shmdt(shm_ptr);
        printf("pid=%d\n", (int)getpid());
        return 0;
    }
    if (strcmp(argv[1], "remove") == 0 && argc == 4) {
        int shmid = open_existing(ipckey);
        if (shmctl(shmid, IPC_RMID, (struct shmid_ds *)0) != 0) {
            fprintf(stderr, "shmctl(IPC_RMID) failed: %s\n", strerror(errno));
            return 1;
        }
        printf("removed=%d\n", shmid);
        return 0;
    }
    fprintf(stderr, "usage: see the comment at the top of tutorial_shm.c\n");
    return 2;
}
