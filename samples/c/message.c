/*
 * message.c: the System V IPC tutorial's sample program, completed. A server and its clients share one
 * "struct _syscall" in a shared memory segment: a client writes a request into it (an id from the MESG_*
 * codes, arguments, and buf), the server executes it and writes the reply into the same area. Semaphores
 * coordinate, because, as the tutorial says, synchronization is the programmer's responsibility.
 *
 * It talks to the C# version (samples/Tutorial) in every pairing: both follow docs/tutorial-sample.md.
 * The shared segment starts with the SharedStruct header of docs/structured-sharing.md, so the C# side
 * can check that both agree on the organization of the area instead of reading garbage.
 *
 *   gcc -O2 -Wall -o message samples/c/message.c
 *   ./message server PATH [--proj N]
 *   ./message client PATH [--proj N] [--verify N] [echo:TEXT | upper:TEXT | add:A:B | time | pid | quit | unspec | crash]...
 *   ./message layout
 *
 * PATH is an existing file: ftok(PATH, PROJ) gives the key of both the segment and the semaphore set.
 * Exit codes: 0 success; 1 failure; 2 the objects already exist (server) or no server answers (client).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PROJ 1
#define PERMS 0600 /* rw------- */
#define BUFSIZE_MAX 256

/* Request codes (struct _syscall.id). MESG_UNSPEC is what clear_syscall leaves. */
enum { MESG_UNSPEC = 0, MESG_ECHO = 1, MESG_UPPER = 2, MESG_ADD = 3, MESG_TIME = 4, MESG_PID = 5, MESG_QUIT = 6 };
/* Reply status (struct _syscall.status). */
enum { MESG_OK = 0, MESG_EBADREQ = -1, MESG_EBADARG = -2 };

struct _syscall {
    signed char id;        /* request: MESG_* */
    signed char status;    /* reply: MESG_OK or a negative error */
    unsigned char reserved[2];
    int32_t client;        /* pid of the client that made the request */
    int32_t seq;           /* the client's request number, echoed by the reply */
    int32_t served;        /* reply: requests the server has answered, this one included */
    int32_t len;           /* bytes of text in buf, 0 to BUFSIZE_MAX - 1; buf[len] == '\0' */
    int64_t arg[2];        /* numeric arguments */
    int64_t result;        /* numeric result */
    char buf[BUFSIZE_MAX]; /* text argument, then text reply */
};

_Static_assert(offsetof(struct _syscall, client) == 4, "client");
_Static_assert(offsetof(struct _syscall, len) == 16, "len");
_Static_assert(offsetof(struct _syscall, arg) == 24, "arg");
_Static_assert(offsetof(struct _syscall, result) == 40, "result");
_Static_assert(offsetof(struct _syscall, buf) == 48, "buf");
_Static_assert(sizeof(struct _syscall) == 304, "size");

/* The layout text SharedStruct<Syscall> computes (C# samples/Tutorial/Syscall.cs); its FNV-1a hash is the
 * header's signature. "message layout" prints it so a test can compare it with the C# side. */
#define SYSCALL_LAYOUT "struct(304){Id:i8@0,Status:i8@1,Reserved:u8[2]@2,Client:i32@4,Seq:i32@8,Served:i32@12," \
                       "Len:i32@16,Arg:i64[2]@24,Result:i64@40,Buf:u8[256]@48}"

/* The tutorial's initialization macro. */
#define clear_syscall(p)          \
    do {                          \
        (p)->id = MESG_UNSPEC;    \
        (p)->status = MESG_OK;    \
        (p)->reserved[0] = 0;     \
        (p)->reserved[1] = 0;     \
        (p)->client = 0;          \
        (p)->seq = 0;             \
        (p)->served = 0;          \
        (p)->len = 0;             \
        (p)->arg[0] = 0;          \
        (p)->arg[1] = 0;          \
        (p)->result = 0;          \
        (p)->buf[0] = '\0';       \
    } while (0)

/* The SharedStruct header (docs/structured-sharing.md), 64 bytes, little-endian. */
struct shared_header {
    char magic[8];               /* "SHSTRUCT" */
    uint32_t version;            /* 1 */
    uint32_t header_size;        /* 64: where the struct starts */
    uint64_t data_size;          /* sizeof(struct _syscall) */
    uint64_t layout_hash;        /* FNV-1a 64 of the layout text */
    uint32_t layout_text_offset; /* where the layout text is, from the segment's start */
    uint32_t layout_text_length; /* its length in bytes, without terminator */
    int32_t creator_pid;
    uint32_t state;              /* 0 empty, 1 initializing, 2 ready, 3 failed: a futex word */
    uint64_t creator_start_time; /* field 22 of /proc/self/stat, 0 if unknown */
    int64_t ready_time_ms;       /* Unix milliseconds when it became ready */
};
_Static_assert(sizeof(struct shared_header) == 64, "header");

enum { STATE_EMPTY = 0, STATE_INITIALIZING = 1, STATE_READY = 2, STATE_FAILED = 3 };
#define HEADER_SIZE 64u
#define LAYOUT_OFFSET ((HEADER_SIZE + sizeof(struct _syscall) + 7u) & ~7u)
#define AREA_SIZE (LAYOUT_OFFSET + sizeof(SYSCALL_LAYOUT) - 1u)

/* The semaphore set (same key, 5 semaphores). */
enum { SEM_LOCK = 0, SEM_OWNED = 1, SEM_REQUEST = 2, SEM_REPLY = 3, SEM_READY = 4, SEM_COUNT = 5 };

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static key_t ipckey;
static int shmid = -1;
static int semid = -1;
static struct shared_header *header;
static struct _syscall *shm_ptr;
static volatile sig_atomic_t stop_requested;

static const char *mesg_name(int id)
{
    static const char *names[] = { "MESG_UNSPEC", "MESG_ECHO", "MESG_UPPER", "MESG_ADD", "MESG_TIME", "MESG_PID", "MESG_QUIT" };
    return id >= 0 && id <= MESG_QUIT ? names[id] : "MESG_?";
}

static const char *status_name(int status)
{
    return status == MESG_OK ? "MESG_OK" : status == MESG_EBADREQ ? "MESG_EBADREQ" : status == MESG_EBADARG ? "MESG_EBADARG" : "MESG_E?";
}

static uint64_t fnv1a(const char *text, size_t length)
{
    uint64_t hash = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < length; i++) {
        hash ^= (unsigned char)text[i];
        hash *= 0x100000001b3ull;
    }
    return hash;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t own_start_time(void)
{
    char text[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    if (f == NULL)
        return 0;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *p = strrchr(text, ')'); /* the command name may contain spaces */
    if (p == NULL)
        return 0;
    unsigned long long start = 0;
    /* after ')': field 3 (state) ... field 22 (starttime) */
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &start) != 1)
        return 0;
    return start;
}

static void futex_wake_all(uint32_t *word)
{
    syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static void futex_wait(uint32_t *word, uint32_t expected, long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
    syscall(SYS_futex, word, FUTEX_WAIT, expected, &ts, NULL, 0);
}

/* semop, retried after EINTR unless the server was asked to stop. */
static int sem_do(struct sembuf *ops, size_t n)
{
    while (semop(semid, ops, n) < 0) {
        if (errno != EINTR || stop_requested)
            return -1;
    }
    return 0;
}

/* semtimedop with a deadline; 0 done, -1 with errno (EAGAIN on timeout). */
static int sem_timed(struct sembuf *ops, size_t n, long timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left < 0)
            left = 0;
        struct timespec ts = { left / 1000, (left % 1000) * 1000000 };
        if (semtimedop(semid, ops, n, &ts) == 0)
            return 0;
        if (errno != EINTR || stop_requested)
            return -1;
    }
}

/* ---- the mutex protocol of IpcMutex (docs/synchronization.md) on SEM_LOCK and SEM_OWNED ---- */

/* Returns 0 when acquired cleanly, the pid of a previous owner that died holding it (-1 if unknown), or
 * -2 on timeout or error. */
static int lock_acquire(long timeout_ms)
{
    struct sembuf take = { SEM_LOCK, -1, SEM_UNDO };
    if (sem_timed(&take, 1, timeout_ms) < 0)
        return -2;
    int flag = semctl(semid, SEM_OWNED, GETVAL);
    if (flag < 0)
        return -2;
    if (flag == 0) {
        struct sembuf own = { SEM_OWNED, +1, 0 };
        return sem_do(&own, 1) < 0 ? -2 : 0;
    }
    int previous = semctl(semid, SEM_OWNED, GETPID);
    struct sembuf take_over[2] = { { SEM_OWNED, (short)-flag, 0 }, { SEM_OWNED, +1, 0 } };
    if (sem_do(take_over, 2) < 0)
        return -2;
    return previous > 0 ? previous : -1;
}

static int lock_release(void)
{
    struct sembuf release[2] = { { SEM_OWNED, -1, IPC_NOWAIT }, { SEM_LOCK, +1, SEM_UNDO } };
    return sem_do(release, 2);
}

/* ---- server ---- */

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void remove_objects(void)
{
    if (shm_ptr != NULL)
        shmdt(header);
    if (shmid >= 0)
        shmctl(shmid, IPC_RMID, (struct shmid_ds *)0);
    if (semid >= 0)
        semctl(semid, 0, IPC_RMID);
    shmid = semid = -1;
    shm_ptr = NULL;
}

static void leftover_advice(const char *what)
{
    fprintf(stderr,
            "*** allocate failed: a %s with key 0x%08x already exists (%s). Perhaps an earlier run did not release it:\n"
            "    list it with 'ipcs' and remove it with 'ipcrm -M 0x%08x -S 0x%08x' (or 'sysvipc rm').\n",
            what, (unsigned)ipckey, strerror(errno), (unsigned)ipckey, (unsigned)ipckey);
}

/* Executes the request in the shared area and writes the reply into it. */
static void execute(struct _syscall *p, int served)
{
    /* The area is shared with other processes: never trust a length read from it. */
    int len = p->len;
    int valid_text = len >= 0 && len < BUFSIZE_MAX;
    p->status = MESG_OK;
    p->result = 0;
    switch (p->id) {
    case MESG_ECHO:
    case MESG_UPPER:
        if (!valid_text) {
            p->status = MESG_EBADARG;
            len = snprintf(p->buf, BUFSIZE_MAX, "bad length %d", len);
            break;
        }
        p->buf[len] = '\0';
        if (p->id == MESG_UPPER)
            for (int i = 0; i < len; i++)
                p->buf[i] = (char)toupper((unsigned char)p->buf[i]);
        break;
    case MESG_ADD:
        if (__builtin_add_overflow(p->arg[0], p->arg[1], &p->result)) {
            p->status = MESG_EBADARG;
            len = snprintf(p->buf, BUFSIZE_MAX, "overflow");
        } else {
            len = snprintf(p->buf, BUFSIZE_MAX, "%lld", (long long)p->result);
        }
        break;
    case MESG_TIME: {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        p->result = (int64_t)t;
        len = (int)strftime(p->buf, BUFSIZE_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
        break;
    }
    case MESG_PID:
        p->result = getpid();
        len = snprintf(p->buf, BUFSIZE_MAX, "C server");
        break;
    case MESG_QUIT:
        len = snprintf(p->buf, BUFSIZE_MAX, "bye");
        break;
    default:
        p->status = MESG_EBADREQ;
        len = snprintf(p->buf, BUFSIZE_MAX, "unknown request %d", p->id);
        break;
    }
    p->len = len;
    p->served = served;
}

static int run_server(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a blocked semop returns EINTR and we clean up */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    /* Semaphores first: clients find the set, then wait on SEM_READY. */
    semid = semget(ipckey, SEM_COUNT, IPC_CREAT | IPC_EXCL | PERMS);
    if (semid < 0) {
        leftover_advice("semaphore set");
        return errno == EEXIST ? 2 : 1;
    }
    unsigned short initial[SEM_COUNT] = { 1, 0, 0, 0, 1 }; /* lock free, not owned, no request, no reply, not ready */
    union semun arg = { .array = initial };
    struct sembuf touch[2] = { { SEM_LOCK, +1, IPC_NOWAIT }, { SEM_LOCK, -1, IPC_NOWAIT } }; /* sets sem_otime: "initialized" */
    if (semctl(semid, 0, SETALL, arg) < 0 || sem_do(touch, 2) < 0) {
        perror("semaphore initialization");
        remove_objects();
        return 1;
    }

    shmid = shmget(ipckey, AREA_SIZE, IPC_CREAT | IPC_EXCL | PERMS);
    if (shmid < 0) {
        int code = errno == EEXIST ? 2 : 1;
        leftover_advice("shared memory segment");
        semctl(semid, 0, IPC_RMID);
        return code;
    }
    header = (struct shared_header *)shmat(shmid, NULL, 0);
    if (header == (void *)-1) {
        fprintf(stderr, "\n *** attach failed ***: %s\n", strerror(errno));
        header = NULL;
        remove_objects();
        return 1;
    }
    shm_ptr = (struct _syscall *)((char *)header + HEADER_SIZE);

    /* The header first, then the struct, then "ready": openers never see a half-made area. */
    memcpy(header->magic, "SHSTRUCT", 8);
    header->version = 1;
    header->header_size = HEADER_SIZE;
    header->data_size = sizeof(struct _syscall);
    header->layout_hash = fnv1a(SYSCALL_LAYOUT, sizeof(SYSCALL_LAYOUT) - 1);
    header->layout_text_offset = LAYOUT_OFFSET;
    header->layout_text_length = sizeof(SYSCALL_LAYOUT) - 1;
    memcpy((char *)header + LAYOUT_OFFSET, SYSCALL_LAYOUT, sizeof(SYSCALL_LAYOUT) - 1);
    header->creator_pid = getpid();
    header->creator_start_time = own_start_time();
    __atomic_store_n(&header->state, STATE_INITIALIZING, __ATOMIC_RELEASE);
    clear_syscall(shm_ptr); /* initialize shared memory */
    header->ready_time_ms = now_ms();
    __atomic_store_n(&header->state, STATE_READY, __ATOMIC_RELEASE);
    futex_wake_all(&header->state);

    struct sembuf ready = { SEM_READY, -1, IPC_NOWAIT };
    sem_do(&ready, 1);
    printf("C server %d ready: key 0x%08x, shmid %d, semid %d\n", (int)getpid(), (unsigned)ipckey, shmid, semid);
    fflush(stdout);

    int served = 0, status = 0;
    for (;;) {
        struct sembuf request = { SEM_REQUEST, -1, 0 };
        if (sem_do(&request, 1) < 0) {
            if (stop_requested) {
                printf("C server %d: interrupted\n", (int)getpid());
            } else {
                fprintf(stderr, "C server: waiting for a request failed: %s\n", strerror(errno));
                status = 1;
            }
            break;
        }
        int id = shm_ptr->id;
        execute(shm_ptr, ++served);
        struct sembuf reply = { SEM_REPLY, +1, 0 };
        if (sem_do(&reply, 1) < 0) {
            fprintf(stderr, "C server: posting a reply failed: %s\n", strerror(errno));
            status = 1;
            break;
        }
        if (id == MESG_QUIT)
            break;
    }

    /* Let the quitting client read its reply and release the lock, then remove everything. */
    if (lock_acquire(2000) != -2)
        lock_release();
    printf("C server %d: answered %d requests; removing the segment and the semaphore set\n", (int)getpid(), served);
    fflush(stdout);
    remove_objects();
    return status;
}

/* ---- client ---- */

static int open_server(long timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    while ((semid = semget(ipckey, 0, 0)) < 0) {
        if (errno != ENOENT || now_ms() > deadline) {
            fprintf(stderr, "client: no server with key 0x%08x (%s). Start one with 'message server PATH'.\n", (unsigned)ipckey, strerror(errno));
            return 2;
        }
        usleep(20000);
    }
    struct semid_ds ds;
    union semun arg = { .buf = &ds };
    for (;;) { /* sem_otime != 0: the creator has set the initial values */
        if (semctl(semid, 0, IPC_STAT, arg) < 0) {
            perror("semctl(IPC_STAT)");
            return 1;
        }
        if (ds.sem_otime != 0)
            break;
        if (now_ms() > deadline) {
            fprintf(stderr, "client: the semaphore set was never initialized\n");
            return 2;
        }
        usleep(10000);
    }
    if (ds.sem_nsems != SEM_COUNT) {
        fprintf(stderr, "client: the semaphore set with key 0x%08x has %lu semaphores, not %d: not this program's\n",
                (unsigned)ipckey, (unsigned long)ds.sem_nsems, SEM_COUNT);
        return 1;
    }
    struct sembuf ready = { SEM_READY, 0, 0 };
    if (sem_timed(&ready, 1, deadline - now_ms()) < 0) {
        fprintf(stderr, "client: the server did not become ready: %s\n", strerror(errno));
        return 2;
    }

    shmid = shmget(ipckey, 0, 0);
    struct shmid_ds sds;
    if (shmid < 0 || shmctl(shmid, IPC_STAT, &sds) < 0) {
        fprintf(stderr, "client: no shared memory segment with key 0x%08x: %s\n", (unsigned)ipckey, strerror(errno));
        return 2;
    }
    header = (struct shared_header *)shmat(shmid, NULL, 0);
    if (header == (void *)-1) {
        fprintf(stderr, "\n *** attach failed ***: %s\n", strerror(errno));
        header = NULL;
        return 1;
    }
    size_t size = sds.shm_segsz;

    /* Validate the header: it is written by another process. */
    uint32_t state;
    while ((state = __atomic_load_n(&header->state, __ATOMIC_ACQUIRE)) != STATE_READY) {
        if (state > STATE_READY || now_ms() > deadline) {
            fprintf(stderr, "client: the shared area never became ready (state %u)\n", state);
            return 1;
        }
        futex_wait(&header->state, state, 50);
    }
    if (size < HEADER_SIZE || memcmp(header->magic, "SHSTRUCT", 8) != 0 || header->version != 1 || header->header_size != HEADER_SIZE) {
        fprintf(stderr, "client: segment %d is not a SharedStruct area (magic, version or header size)\n", shmid);
        return 1;
    }
    uint64_t mine = fnv1a(SYSCALL_LAYOUT, sizeof(SYSCALL_LAYOUT) - 1);
    if (header->data_size != sizeof(struct _syscall) || header->layout_hash != mine || size < HEADER_SIZE + sizeof(struct _syscall)) {
        uint32_t off = header->layout_text_offset, n = header->layout_text_length;
        int in_bounds = off >= HEADER_SIZE && n <= 65536 && (uint64_t)off + n <= size;
        fprintf(stderr, "client: the area was created with another layout of struct _syscall:\n  area:    %.*s\n  client:  %s\n",
                in_bounds ? (int)n : 9, in_bounds ? (char *)header + off : "(unknown)", SYSCALL_LAYOUT);
        return 1;
    }
    shm_ptr = (struct _syscall *)((char *)header + HEADER_SIZE);
    return 0;
}

struct request {
    int id;
    char text[BUFSIZE_MAX];
    long long a, b;
    int crash;
};

static int parse_request(const char *word, struct request *r)
{
    memset(r, 0, sizeof *r);
    if (strncmp(word, "echo:", 5) == 0 || strncmp(word, "upper:", 6) == 0) {
        r->id = word[0] == 'e' ? MESG_ECHO : MESG_UPPER;
        const char *text = strchr(word, ':') + 1;
        if (strlen(text) >= BUFSIZE_MAX) {
            fprintf(stderr, "client: text longer than %d bytes: '%s'\n", BUFSIZE_MAX - 1, word);
            return -1;
        }
        strcpy(r->text, text);
    } else if (strncmp(word, "add:", 4) == 0) {
        r->id = MESG_ADD;
        if (sscanf(word + 4, "%lld:%lld", &r->a, &r->b) != 2) {
            fprintf(stderr, "client: expected add:A:B, got '%s'\n", word);
            return -1;
        }
    } else if (strcmp(word, "time") == 0) {
        r->id = MESG_TIME;
    } else if (strcmp(word, "pid") == 0) {
        r->id = MESG_PID;
    } else if (strcmp(word, "quit") == 0) {
        r->id = MESG_QUIT;
    } else if (strcmp(word, "unspec") == 0) {
        r->id = MESG_UNSPEC;
    } else if (strcmp(word, "crash") == 0) {
        r->id = MESG_ECHO;
        strcpy(r->text, "crash");
        r->crash = 1;
    } else {
        fprintf(stderr, "client: unknown request '%s' (echo:TEXT, upper:TEXT, add:A:B, time, pid, quit, unspec, crash)\n", word);
        return -1;
    }
    return 0;
}

/* One request/reply exchange. Returns 0 and fills *reply, or 1 on failure. */
static int call(const struct request *r, int seq, struct _syscall *reply)
{
    int previous = lock_acquire(10000);
    if (previous == -2) {
        fprintf(stderr, "client %d: could not take the lock: %s\n", (int)getpid(), errno == EAGAIN ? "timeout" : strerror(errno));
        return 1;
    }
    if (previous != 0) {
        /* The previous client died holding the lock, perhaps after posting its request: let its reply
         * arrive and consume it, so it is not taken for ours. */
        printf("C client %d: previous client (pid %d) died holding the lock; clearing its exchange\n", (int)getpid(), previous);
        struct sembuf stale = { SEM_REPLY, -1, 0 };
        sem_timed(&stale, 1, 1000);
    }

    clear_syscall(shm_ptr);
    shm_ptr->id = (signed char)r->id;
    shm_ptr->client = getpid();
    shm_ptr->seq = seq;
    shm_ptr->arg[0] = r->a;
    shm_ptr->arg[1] = r->b;
    shm_ptr->len = (int32_t)strlen(r->text);
    memcpy(shm_ptr->buf, r->text, strlen(r->text) + 1);

    struct sembuf request = { SEM_REQUEST, +1, 0 };
    if (sem_do(&request, 1) < 0) {
        fprintf(stderr, "client %d: posting the request failed: %s\n", (int)getpid(), strerror(errno));
        return 1;
    }
    if (r->crash) {
        printf("C client %d: crashing while holding the lock\n", (int)getpid());
        fflush(stdout);
        kill(getpid(), SIGKILL);
    }
    struct sembuf wait_reply = { SEM_REPLY, -1, 0 };
    if (sem_timed(&wait_reply, 1, 10000) < 0) {
        fprintf(stderr, "client %d: no reply: %s\n", (int)getpid(), errno == EAGAIN ? "timeout" : strerror(errno));
        return 1;
    }
    *reply = *shm_ptr; /* copy, then validate: the area is another process's memory */
    if (reply->client != getpid() || reply->seq != seq || reply->len < 0 || reply->len >= BUFSIZE_MAX) {
        fprintf(stderr, "client %d: reply for client %d #%d with length %d does not answer #%d\n",
                (int)getpid(), reply->client, reply->seq, reply->len, seq);
        return 1;
    }
    reply->buf[reply->len] = '\0';
    if (lock_release() < 0 && r->id != MESG_QUIT) { /* after MESG_QUIT the server may already have removed the set */
        fprintf(stderr, "client %d: releasing the lock failed: %s\n", (int)getpid(), strerror(errno));
        return 1;
    }
    return 0;
}

static void describe(const struct request *r, char *out, size_t n)
{
    if (r->id == MESG_ADD)
        snprintf(out, n, "%s %lld %lld", mesg_name(r->id), r->a, r->b);
    else if (r->id == MESG_ECHO || r->id == MESG_UPPER)
        snprintf(out, n, "%s \"%s\"", mesg_name(r->id), r->text);
    else
        snprintf(out, n, "%s", mesg_name(r->id));
}

static int run_client(int verify, char **words, int count)
{
    int code = open_server(10000);
    if (code != 0)
        return code;
    int total = verify > 0 ? verify : count;
    for (int i = 0; i < total; i++) {
        struct request r;
        if (verify > 0) {
            memset(&r, 0, sizeof r);
            switch (i % 3) {
            case 0: r.id = MESG_ECHO; snprintf(r.text, sizeof r.text, "c-%d-%d", (int)getpid(), i); break;
            case 1: r.id = MESG_UPPER; snprintf(r.text, sizeof r.text, "Mixed Case %d", i); break;
            default: r.id = MESG_ADD; r.a = i; r.b = getpid(); break;
            }
        } else if (parse_request(words[i], &r) < 0) {
            return 1;
        }
        struct _syscall reply;
        if (call(&r, i + 1, &reply) != 0)
            return 1;
        char what[BUFSIZE_MAX + 64];
        describe(&r, what, sizeof what);
        printf("C client %d #%d %s -> %s \"%s\" result %lld served %d\n", (int)getpid(), i + 1, what,
               status_name(reply.status), reply.buf, (long long)reply.result, reply.served);
        fflush(stdout);
        if (verify > 0) {
            char expected[BUFSIZE_MAX];
            strcpy(expected, r.text);
            if (r.id == MESG_UPPER)
                for (char *p = expected; *p; p++)
                    *p = (char)toupper((unsigned char)*p);
            int ok = reply.status == MESG_OK &&
                     (r.id == MESG_ADD ? reply.result == r.a + r.b : strcmp(reply.buf, expected) == 0);
            if (!ok) {
                fprintf(stderr, "client %d: wrong reply to #%d\n", (int)getpid(), i + 1);
                return 1;
            }
        }
    }
    if (verify > 0)
        printf("C client %d verified %d replies\n", (int)getpid(), verify);
    shmdt(header);
    return 0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: message server PATH [--proj N]\n"
            "       message client PATH [--proj N] [--verify N] [echo:TEXT | upper:TEXT | add:A:B | time | pid | quit | unspec | crash]...\n"
            "       message layout\n");
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "layout") == 0) {
        printf("%s\n", SYSCALL_LAYOUT);
        return 0;
    }
    if (argc < 3 || (strcmp(argv[1], "server") != 0 && strcmp(argv[1], "client") != 0)) {
        usage();
        return 1;
    }
    int proj = PROJ, verify = 0, first = 3;
    for (; first + 1 < argc && argv[first][0] == '-' && argv[first][1] == '-'; first += 2) {
        if (strcmp(argv[first], "--proj") == 0)
            proj = atoi(argv[first + 1]);
        else if (strcmp(argv[first], "--verify") == 0)
            verify = atoi(argv[first + 1]);
        else
            break;
    }
    if (proj < 1 || proj > 255 || verify < 0) {
        usage();
        return 1;
    }

    ipckey = ftok(argv[2], proj);
    if (ipckey == (key_t)-1) {
        fprintf(stderr, "ftok(%s, %d) failed: %s. The key needs an existing file.\n", argv[2], proj, strerror(errno));
        return 1;
    }
    if (strcmp(argv[1], "server") == 0)
        return run_server();
    return run_client(verify, argv + first, argc - first);
}
