/* Errors, process identity, clocks, futex and the membarrier rule (docs/channel-format.md, 3 and 7). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "sysvipc/error.h"

#ifndef MEMBARRIER_CMD_QUERY
#define MEMBARRIER_CMD_QUERY 0
#endif
#define SYSVIPC_MEMBARRIER_GLOBAL_EXPEDITED 2
#define SYSVIPC_MEMBARRIER_REGISTER_GLOBAL_EXPEDITED 4

static _Thread_local char s_detail[512];

int sysvipc_fail(int code, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(s_detail, sizeof s_detail, format, args);
    va_end(args);
    return code;
}

const char *sysvipc_error_detail(void) { return s_detail; }

const char *sysvipc_strerror(int code)
{
    switch (code) {
    case 0: return "success";
    case -EAGAIN: return "nothing to read, or no room to write, right now";
    case -ETIMEDOUT: return "the wait timed out: no message arrived, or the reader did not make room, in time";
    case -EPIPE: return "the peer this call waits for has died (its process is gone, or its pid now belongs to another process): the wait would never end. Open a new peer (a new reader resumes where the dead one stopped; a new writer takes over a dead writer's place) or give up on the channel";
    case -ESHUTDOWN: return "the channel was completed by its writer: nothing more can be written, and once every message has been read nothing more will come";
    case -EBADMSG: return "the shared memory holds something the format cannot produce (a bad header, an impossible position or record): it is corrupted, or not a channel or structured area. Nothing was read or written outside the segment; find which process wrote there, then remove the segment and create it anew";
    case -EPROTO: return "the segment's format version is not one this library reads: use the same library version on every side";
    case -ENODATA: return "the segment holds no channel header: its creator died while creating it, or it is a plain segment. Remove it and create the channel again";
    case -E2BIG: return "the message is longer than the channel's maximum message size: nothing was written. Split the message, or create the channel with a larger capacity";
    case -EMSGSIZE: return "the next message is longer than the destination buffer; it stays in the channel. Pass a buffer of the channel's maximum message size, or peek";
    case -EBUSY: return "the place is taken: the channel already has a live reader, or every writer place (or every reader place of a broadcast channel) is held by a live process";
    case -ECONNRESET: return "this reader of the broadcast channel lost its place: it kept the writer waiting longer than the channel's drop-after allowance, or the writer overwrote the old messages it was catching up on. The messages in between are lost to it (a message peeked before may be torn: discard it), and it reads on from the newest message. Read faster, or create the channel with a larger capacity or a longer allowance";
    case -EINPROGRESS: return "a claim is open: commit or abort it before writing again";
    case -EINVAL: return "an argument is out of range, or there is no claim or peeked message to finish";
    case -EEXIST: return "a segment with this key exists (perhaps left over from an earlier run: 'ipcs -m', 'ipcrm -M KEY')";
    case -ENOENT: return "no segment has this key or id";
    case -EACCES: return "permission denied: the segment's mode does not let this process attach it";
    case -ENOMEM: return "not enough memory for the segment or its mapping";
    case -ENOSPC: return "the system's limit on shared memory segments or bytes is reached";
    case -EILSEQ: return "the area was created with a different struct layout: every party must use the same definition; if the area is left over from an older version, remove it";
    case -EOWNERDEAD: return "the area was never initialized: its creator exited while initializing it. Remove it and create it again";
    case -ECANCELED: return "the area will never be ready: its creator's initializer failed, and the creator removes it. Create it again";
    default: return "unknown error";
    }
}

int sysvipc_from_errno(int e)
{
    switch (e) {
    case EIDRM: return -ENOENT;
    case EPERM: return -EACCES;
    default: return -e;
    }
}

int64_t sysvipc_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t sysvipc_monotonic_ms(void) { return sysvipc_monotonic_ns() / 1000000; }

int64_t sysvipc_unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sysvipc_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Field 22 of /proc/PID/stat, 0 when the process does not run (or is a zombie). */
uint64_t sysvipc_start_time_of(int pid)
{
    char path[32], text[1024];
    if (pid <= 0)
        return 0;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd;
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return 0;
    size_t used = 0;
    while (used < sizeof text - 1) {
        ssize_t n = read(fd, text + used, sizeof text - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        used += (size_t)n;
    }
    close(fd);
    text[used] = 0;
    /* "pid (comm) state ...": comm may hold spaces and parentheses, so parse after the last ')'. */
    char *close_paren = strrchr(text, ')');
    if (close_paren == NULL)
        return 0;
    char *p = close_paren + 1;
    for (int field = 3; field <= 22; field++) {
        while (*p == ' ')
            p++;
        if (*p == 0)
            return 0;
        if (field == 3 && (*p == 'Z' || *p == 'X' || *p == 'x'))
            return 0;
        if (field == 22) {
            char *end;
            unsigned long long v = strtoull(p, &end, 10);
            return end == p ? 0 : (uint64_t)v;
        }
        while (*p != ' ' && *p != 0)
            p++;
    }
    return 0;
}

/* Cached per process: the pid is part of the cache, so a forked child computes its own. */
static _Atomic int64_t s_identity;

uint64_t sysvipc_own_start_time(void)
{
    int64_t id = sysvipc_own_identity();
    return (uint64_t)id >> 22;
}

int64_t sysvipc_own_identity(void)
{
    int pid = getpid();
    int64_t id = atomic_load_explicit(&s_identity, memory_order_relaxed);
    if (id == 0 || sysvipc_identity_pid(id) != pid) {
        uint64_t start = sysvipc_start_time_of(pid);
        if (start == 0)
            start = 1;
        id = (int64_t)((start << 22) | (uint32_t)pid);
        atomic_store_explicit(&s_identity, id, memory_order_relaxed);
    }
    return id;
}

bool sysvipc_identity_alive(int64_t identity)
{
    if (identity == 0)
        return false;
    int pid = sysvipc_identity_pid(identity);
    if (pid == getpid())
        return identity == sysvipc_own_identity();
    uint64_t start = sysvipc_start_time_of(pid);
    return start != 0 && (int64_t)start == (int64_t)((uint64_t)identity >> 22);
}

bool sysvipc_pid_alive(int pid, uint64_t start_time)
{
    uint64_t actual = sysvipc_start_time_of(pid);
    return actual != 0 && (start_time == 0 || actual == start_time);
}

void sysvipc_futex_wait(void *word, int32_t expected, int64_t timeout_ns)
{
    if (timeout_ns < 1)
        timeout_ns = 1;
    struct timespec ts = { (time_t)(timeout_ns / 1000000000), (long)(timeout_ns % 1000000000) };
    /* EAGAIN (the word changed), EINTR and ETIMEDOUT: the caller looks again. */
    (void)syscall(SYS_futex, word, FUTEX_WAIT, expected, &ts, NULL, 0);
}

void sysvipc_futex_wake(void *word) { (void)syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0); }

void sysvipc_futex_wake_all(void *word)
{
    atomic_fetch_add(A32(word), 1);
    sysvipc_futex_wake(word);
}

bool sysvipc_fence_registered;
static bool s_membarrier_available;
static atomic_int s_fence_state; /* 0 not yet, 1 being set up, 2 done */

void sysvipc_fence_init(void)
{
    if (atomic_load_explicit(&s_fence_state, memory_order_acquire) == 2)
        return;
    int expected = 0;
    if (atomic_compare_exchange_strong(&s_fence_state, &expected, 1)) {
        long supported = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
        const long needed = SYSVIPC_MEMBARRIER_GLOBAL_EXPEDITED | SYSVIPC_MEMBARRIER_REGISTER_GLOBAL_EXPEDITED;
        s_membarrier_available = supported > 0 && (supported & SYSVIPC_MEMBARRIER_GLOBAL_EXPEDITED) != 0;
        const char *env = getenv("SYSV_IPC_CHANNEL_FENCE");
        bool full = env != NULL && strcmp(env, "full") == 0;
        sysvipc_fence_registered = !full && supported > 0 && (supported & needed) == needed
            && syscall(SYS_membarrier, SYSVIPC_MEMBARRIER_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0;
        atomic_store_explicit(&s_fence_state, 2, memory_order_release);
    } else {
        while (atomic_load_explicit(&s_fence_state, memory_order_acquire) != 2)
            sysvipc_cpu_relax();
    }
}

void sysvipc_fence_heavy(void)
{
    /* Issued whenever the kernel offers it, registered or not: registered peers may skip their fence. */
    if (s_membarrier_available)
        (void)syscall(SYS_membarrier, SYSVIPC_MEMBARRIER_GLOBAL_EXPEDITED, 0, 0);
    atomic_thread_fence(memory_order_seq_cst);
}
