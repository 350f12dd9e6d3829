/* C-only broadcast channel tests (make check): one writer, several reader processes (fork), each reading
 * every message; the slow-reader policy, dead readers and writers, the header's version and mode. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "peer.h"
#include "watchdog.h"

static sysvipc_channel *make(size_t capacity, int readers, int64_t drop_after_ns)
{
    sysvipc_channel_options o = { .mode = SYSVIPC_BROADCAST, .max_readers = readers, .drop_after_ns = drop_after_ns };
    sysvipc_channel *ch;
    CHECK_RC(sysvipc_channel_create(IPC_PRIVATE, capacity, &o, &ch), 0);
    return ch;
}

/* Forks a process that opens a reader of the channel, says so on the pipe, then runs body. */
static pid_t fork_reader(sysvipc_channel *ch, int ready_fd, int (*body)(sysvipc_reader *, int64_t), int64_t arg)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        sysvipc_channel *mine;
        CHECK_RC(sysvipc_channel_open_id(sysvipc_channel_id(ch), &mine), 0);
        sysvipc_reader *r;
        CHECK_RC(sysvipc_reader_open(mine, &r), 0);
        CHECK(write(ready_fd, "r", 1) == 1);
        int rc = body(r, arg);
        CHECK_RC(sysvipc_reader_close(r), 0);
        CHECK_RC(sysvipc_channel_close(mine), 0);
        _exit(rc);
    }
    return pid;
}

static void await(int fd, int n)
{
    char c;
    for (int i = 0; i < n; i++)
        CHECK(read(fd, &c, 1) == 1);
}

static int64_t s_count;

static int read_all(sysvipc_reader *r, int64_t zerocopy)
{
    int64_t total;
    CHECK_RC(peer_read(r, 1, s_count, (int)zerocopy, -1, &total), 0);
    CHECK(total == s_count);
    size_t len;
    CHECK_RC(sysvipc_read(r, NULL, 0, &len, -1), -ESHUTDOWN); /* completed and drained */
    return 0;
}

/* The writer here, reader processes: each gets every message, in order and intact, over many laps. */
static void every_reader_every_message(int readers, int64_t count, size_t capacity, size_t maxlen, int zerocopy)
{
    sysvipc_channel *ch = make(capacity, readers, 0);
    int ready[2];
    CHECK(pipe(ready) == 0);
    pid_t pids[16];
    s_count = count;
    for (int i = 0; i < readers; i++)
        pids[i] = fork_reader(ch, ready[1], read_all, i % 2); /* copying and zero-copy readers */
    await(ready[0], readers);
    sysvipc_writer *w;
    CHECK_RC(sysvipc_writer_open(ch, &w), 0);
    CHECK_RC(peer_write(w, sysvipc_channel_max_message(ch), 0, count, 42, 24, maxlen, zerocopy), 0);
    CHECK_RC(sysvipc_complete(w), 0);
    for (int i = 0; i < readers; i++)
        wait_child(pids[i], 0);
    CHECK_RC(sysvipc_writer_close(w), 0);
    close(ready[0]);
    close(ready[1]);
    channel_done(ch);
}

static void errors(void)
{
    sysvipc_channel_options bad = { .mode = SYSVIPC_BROADCAST, .max_readers = 1025 };
    sysvipc_channel *ch;
    CHECK_RC(sysvipc_channel_create(IPC_PRIVATE, 4096, &bad, &ch), -EINVAL);
    bad.max_readers = 2;
    bad.drop_after_ns = INT64_C(86400000000001);
    CHECK_RC(sysvipc_channel_create(IPC_PRIVATE, 4096, &bad, &ch), -EINVAL);
    sysvipc_channel_options single = { .drop_after_ns = 1000 };
    CHECK_RC(sysvipc_channel_create(IPC_PRIVATE, 4096, &single, &ch), -EINVAL);

    ch = make(4096, 2, 0);
    CHECK(sysvipc_channel_mode(ch) == SYSVIPC_BROADCAST);
    CHECK(sysvipc_channel_max_message(ch) == 4096 / 2 - 16);
    CHECK(sysvipc_channel_max_readers(ch) == 2);
    CHECK(sysvipc_channel_drop_after_ns(ch) == 0);
    sysvipc_writer *w, *w2;
    sysvipc_reader *a, *b, *c;
    CHECK_RC(sysvipc_writer_open(ch, &w), 0);
    CHECK_RC(sysvipc_writer_open(ch, &w2), -EBUSY);
    CHECK_RC(sysvipc_reader_open(ch, &a), 0);
    CHECK_RC(sysvipc_reader_open_at(ch, SYSVIPC_START_OLDEST, &b), 0);
    CHECK_RC(sysvipc_reader_open(ch, &c), -EBUSY);
    CHECK_RC(sysvipc_reader_open_at(ch, 7, &c), -EINVAL);
    CHECK_RC(sysvipc_reader_last_drop(a, NULL, NULL, NULL), -ENOENT);
    uint8_t big[4096] = { 0 };
    CHECK_RC(sysvipc_write(w, big, 2033, 0), -E2BIG);
    /* Both readers hold the writer back: the ring takes what fits, then -EAGAIN / -ETIMEDOUT. */
    int n = 0;
    while (sysvipc_write(w, big, 500, 0) == 0)
        n++;
    CHECK(n == 7); /* 7 records of 528 bytes and the free header fit 4096 bytes; an 8th does not */
    CHECK_RC(sysvipc_write(w, big, 500, 30), -ETIMEDOUT);
    size_t len;
    for (int i = 0; i < n; i++)
        CHECK_RC(sysvipc_read(a, big, sizeof big, &len, 0), 0);
    CHECK_RC(sysvipc_write(w, big, 500, 0), -EAGAIN); /* b has not read */
    const void *span;
    CHECK_RC(sysvipc_try_peek(b, &span, &len), 0);
    CHECK(len == 500);
    CHECK_RC(sysvipc_advance(b), 0);
    CHECK_RC(sysvipc_advance(b), -EINVAL);
    CHECK_RC(sysvipc_reader_close(b), 0); /* the writer stops waiting for it */
    CHECK_RC(sysvipc_write(w, big, 500, 0), 0);
    void *claim;
    CHECK_RC(sysvipc_try_claim(w, 100, &claim), 0);
    memset(claim, 0xAB, 100);
    CHECK_RC(sysvipc_abort(w), 0); /* never seen */
    CHECK_RC(sysvipc_try_claim(w, 40, &claim), 0);
    memset(claim, 7, 40);
    CHECK_RC(sysvipc_commit(w), 0);
    CHECK_RC(sysvipc_read(a, big, sizeof big, &len, 0), 0);
    CHECK(len == 500);
    CHECK_RC(sysvipc_read(a, big, sizeof big, &len, 0), 0);
    CHECK(len == 40 && big[0] == 7 && big[39] == 7);
    CHECK_RC(sysvipc_read(a, big, sizeof big, &len, 0), -EAGAIN);
    CHECK_RC(sysvipc_complete(w), 0);
    CHECK_RC(sysvipc_write(w, big, 10, 0), -ESHUTDOWN);
    CHECK_RC(sysvipc_read(a, big, sizeof big, &len, -1), -ESHUTDOWN);
    CHECK_RC(sysvipc_reader_close(a), 0);
    CHECK_RC(sysvipc_writer_close(w), 0);

    /* The version and the mode go together: 3 with broadcast, 2 with the others; 4 is unknown. */
    int id = sysvipc_channel_id(ch);
    uint8_t *raw = shmat(id, NULL, 0);
    sysvipc_channel *other;
    CHECK_RC(sysvipc_channel_open_id(id, &other), 0);
    CHECK_RC(sysvipc_channel_close(other), 0);
    *(int32_t *)(raw + 8) = 2;
    CHECK_RC(sysvipc_channel_open_id(id, &other), -EBADMSG);
    *(int32_t *)(raw + 8) = 4;
    CHECK_RC(sysvipc_channel_open_id(id, &other), -EPROTO);
    CHECK(strstr(sysvipc_error_detail(), "version 4") != NULL);
    *(int32_t *)(raw + 8) = 3;
    *(int32_t *)(raw + 56) = 1; /* policy 1 with no time */
    CHECK_RC(sysvipc_channel_open_id(id, &other), -EBADMSG);
    *(int32_t *)(raw + 56) = 0;
    *(int32_t *)(raw + 52) = 40; /* more reader blocks than the ring offset leaves room for */
    CHECK_RC(sysvipc_channel_open_id(id, &other), -EBADMSG);
    *(int32_t *)(raw + 52) = 2;
    CHECK_RC(sysvipc_channel_open_id(id, &other), 0);
    *(int32_t *)(raw + 36) = 0; /* not completed: writable again */
    /* A corrupt cursor or tail: -EBADMSG from the writer and the reader, nothing outside the segment touched. */
    CHECK_RC(sysvipc_reader_open(other, &a), 0);
    int64_t joined = *(int64_t *)(raw + 128);
    CHECK_RC(sysvipc_writer_open(other, &w), 0);
    *(int64_t *)(raw + 1024 + 24) = 8; /* reader 0's cursor, not 16-aligned */
    int rc;
    while ((rc = sysvipc_write(w, big, 500, 0)) == 0) {
    }
    CHECK_RC(rc, -EBADMSG);
    CHECK_RC(sysvipc_writer_close(w), 0);
    *(int32_t *)(raw + 4096 + (joined & 4095)) = 0x7fffff00; /* the first record the reader reads: a huge length */
    CHECK_RC(sysvipc_read(a, big, sizeof big, &len, 0), -EBADMSG);
    CHECK_RC(sysvipc_reader_close(a), 0);
    *(int64_t *)(raw + 128) = INT64_C(1) << 61; /* the tail, far past the gate */
    CHECK_RC(sysvipc_writer_open(other, &w), -EBADMSG);
    CHECK_RC(sysvipc_channel_close(other), 0);
    shmdt(raw);
    channel_done(ch);
    CHECK(strcmp(sysvipc_strerror(-ECONNRESET), "unknown error") != 0);
}

static int never_read(sysvipc_reader *r, int64_t unused)
{
    (void)r;
    (void)unused;
    pause(); /* until killed */
    return 0;
}

/* The drop-after policy: a reader that does not read is dropped after the allowance, told so with the
 * positions, and reads on from the newest message; the writer never waited much longer than that. */
static void slow_reader_dropped(void)
{
    sysvipc_channel *ch = make(4096, 2, INT64_C(50000000)); /* 50 ms */
    sysvipc_reader *slow;
    CHECK_RC(sysvipc_reader_open(ch, &slow), 0);
    sysvipc_writer *w;
    CHECK_RC(sysvipc_writer_open(ch, &w), 0);
    CHECK_RC(sysvipc_writer_set_wait(w, 0, 0, 10), 0);
    uint8_t buf[512];
    for (int64_t seq = 0; seq < 20; seq++) { /* more than the ring holds: the 8th write waits, then drops */
        msg_fill(buf, 200, 0, seq);
        CHECK_RC(sysvipc_write(w, buf, 200, -1), 0);
    }
    size_t len;
    int64_t position, writer, resumed;
    CHECK_RC(sysvipc_read(slow, buf, sizeof buf, &len, 0), -ECONNRESET);
    CHECK(strstr(sysvipc_error_detail(), "drop-after") != NULL);
    CHECK_RC(sysvipc_reader_last_drop(slow, &position, &writer, &resumed), 0);
    CHECK(position == 0 && writer > position && resumed >= writer && resumed % 16 == 0);
    msg_fill(buf, 100, 0, 20);
    CHECK_RC(sysvipc_write(w, buf, 100, -1), 0);
    CHECK_RC(sysvipc_read(slow, buf, sizeof buf, &len, 0), 0); /* it reads on from the newest message */
    int32_t producer;
    int64_t seq;
    CHECK(msg_check(buf, len, &producer, &seq) == 0 && seq == 20);
    CHECK_RC(sysvipc_reader_close(slow), 0);
    CHECK_RC(sysvipc_writer_close(w), 0);
    channel_done(ch);
}

/* Dead readers never hold the writer back (SIGKILL: no close); a dead writer is reported once the ring
 * is drained, and a new writer takes its place; a writer killed mid-claim leaves nothing a reader sees. */
static void dead_peers(void)
{
    sysvipc_channel *ch = make(4096, 4, 0);
    int ready[2];
    CHECK(pipe(ready) == 0);
    pid_t pid = fork_reader(ch, ready[1], never_read, 0);
    await(ready[0], 1);
    kill(pid, SIGKILL);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status));
    sysvipc_writer *w;
    CHECK_RC(sysvipc_writer_open(ch, &w), 0);
    CHECK_RC(sysvipc_writer_set_wait(w, 0, 0, 10), 0);
    CHECK_RC(peer_write(w, sysvipc_channel_max_message(ch), 0, 100, 3, 24, 300, 0), 0); /* many laps */
    CHECK_RC(sysvipc_writer_close(w), 0);

    sysvipc_reader *r;
    CHECK_RC(sysvipc_reader_open(ch, &r), 0);
    CHECK_RC(sysvipc_reader_set_wait(r, 0, 0, 10), 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        CHECK_RC(sysvipc_writer_open(ch, &w), 0);
        CHECK_RC(peer_write(w, 2000, 0, 3, 1, 24, 100, 0), 0);
        void *span;
        CHECK_RC(sysvipc_try_claim(w, 200, &span), 0);
        memset(span, 0xAB, 200);
        CHECK(write(ready[1], "c", 1) == 1);
        pause();
        _exit(0);
    }
    await(ready[0], 1);
    kill(pid, SIGKILL);
    CHECK(waitpid(pid, &status, 0) == pid);
    int64_t total;
    CHECK_RC(peer_read(r, 1, 3, 0, -1, &total), 0);
    uint8_t buf[512];
    size_t len;
    CHECK_RC(sysvipc_read(r, buf, sizeof buf, &len, -1), -EPIPE);
    CHECK_RC(sysvipc_writer_open(ch, &w), 0); /* takes the dead writer's place and goes on after its messages */
    msg_fill(buf, 64, 0, 3);
    CHECK_RC(sysvipc_write(w, buf, 64, 0), 0);
    CHECK_RC(sysvipc_read(r, buf, sizeof buf, &len, 0), 0);
    int32_t producer;
    int64_t seq;
    CHECK(len == 64 && msg_check(buf, len, &producer, &seq) == 0 && seq == 3);
    CHECK_RC(sysvipc_read(r, buf, sizeof buf, &len, 0), -EAGAIN);
    CHECK_RC(sysvipc_writer_close(w), 0);
    CHECK_RC(sysvipc_reader_close(r), 0);
    close(ready[0]);
    close(ready[1]);
    channel_done(ch);
}

/* A reader that starts at the oldest message gets what the gate still protects, in order. */
static void start_oldest(void)
{
    sysvipc_channel *ch = make(8192, 2, 0);
    sysvipc_writer *w;
    CHECK_RC(sysvipc_writer_open(ch, &w), 0);
    CHECK_RC(peer_write(w, 4000, 0, 5, 11, 24, 300, 0), 0);
    sysvipc_reader *r;
    CHECK_RC(sysvipc_reader_open_at(ch, SYSVIPC_START_OLDEST, &r), 0);
    int64_t total;
    CHECK_RC(peer_read(r, 1, 5, 1, 0, &total), 0);
    size_t len;
    CHECK_RC(sysvipc_read(r, NULL, 0, &len, 0), -EAGAIN);
    CHECK_RC(sysvipc_reader_close(r), 0);
    CHECK_RC(sysvipc_writer_close(w), 0);
    channel_done(ch);
}

int main(void)
{
    watchdog_start("test_broadcast");
    errors();
    every_reader_every_message(3, 20000, 16384, 3000, 1);
    every_reader_every_message(2, 500, 1 << 20, 200000, 0);
    slow_reader_dropped();
    for (int i = 0; i < 3; i++)
        dead_peers();
    start_oldest();
    printf("test_broadcast: ok\n");
    return 0;
}
