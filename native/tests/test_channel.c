/* C-only channel tests (make check): real processes (fork), real segments in a private IPC namespace. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "peer.h"
#include "watchdog.h"

static sysvipc_channel *make(size_t capacity, int mode, int producers)
{
    sysvipc_channel_options o = { .mode = mode, .max_producers = producers };
    sysvipc_channel *ch;
    CHECK_RC(sysvipc_channel_create(IPC_PRIVATE, capacity, &o, &ch), 0);
    return ch;
}

/* A writer process per producer, the reader here: nothing lost, duplicated, reordered or corrupted. */
static void round_trip(int mode, int producers, int64_t count, size_t capacity, size_t maxlen)
{
    sysvipc_channel *ch = make(capacity, mode, producers);
    sysvipc_reader *r;
    CHECK_RC(sysvipc_reader_open(ch, &r), 0);
    pid_t pids[MAX_PRODUCERS];
    for (int p = 0; p < producers; p++) {
        pids[p] = fork();
        CHECK(pids[p] >= 0);
        if (pids[p] == 0) {
            sysvipc_channel *mine;
            CHECK_RC(sysvipc_channel_open_id(sysvipc_channel_id(ch), &mine), 0);
            sysvipc_writer *w;
            CHECK_RC(sysvipc_writer_open(mine, &w), 0);
            CHECK_RC(peer_write(w, sysvipc_channel_max_message(mine), p, count, 1000 + (uint64_t)p, 24, maxlen, p % 2), 0);
            CHECK_RC(sysvipc_writer_close(w), 0);
            CHECK_RC(sysvipc_channel_close(mine), 0);
            _exit(0);
        }
    }
    int64_t total;
    CHECK_RC(peer_read(r, producers, count, mode == SYSVIPC_MULTI_PRODUCER, -1, &total), 0);
    CHECK(total == producers * count);
    for (int p = 0; p < producers; p++)
        wait_child(pids[p], 0);
    size_t len;
    CHECK_RC(sysvipc_read(r, NULL, 0, &len, 0), -EAGAIN);
    CHECK_RC(sysvipc_reader_close(r), 0);
    channel_done(ch);
}

static void errors(void)
{
    sysvipc_channel *ch = make(4096, SYSVIPC_SINGLE_PRODUCER, 1);
    sysvipc_reader *r, *r2;
    sysvipc_writer *w, *w2;
    CHECK_RC(sysvipc_reader_open(ch, &r), 0);
    CHECK_RC(sysvipc_reader_open(ch, &r2), -EBUSY);
    CHECK_RC(sysvipc_writer_open(ch, &w), 0);
    CHECK_RC(sysvipc_writer_open(ch, &w2), -EBUSY);
    CHECK(sysvipc_channel_max_message(ch) == 4096 / 2 - 8);
    uint8_t big[4096] = { 0 };
    CHECK_RC(sysvipc_write(w, big, 2041, 0), -E2BIG);
    CHECK_RC(sysvipc_commit(w), -EINVAL);
    void *span;
    CHECK_RC(sysvipc_try_claim(w, 10, &span), 0);
    CHECK_RC(sysvipc_try_claim(w, 10, &span), -EINPROGRESS);
    CHECK_RC(sysvipc_abort(w), 0);
    size_t len;
    uint8_t small[8];
    CHECK_RC(sysvipc_read(r, small, sizeof small, &len, 0), -EAGAIN);
    CHECK_RC(sysvipc_read(r, small, sizeof small, &len, 30), -ETIMEDOUT);
    CHECK_RC(sysvipc_write(w, big, 100, 0), 0);
    CHECK_RC(sysvipc_read(r, small, sizeof small, &len, 0), -EMSGSIZE);
    CHECK_RC(sysvipc_read(r, big, sizeof big, &len, 0), 0); /* it stayed */
    CHECK(len == 100);
    CHECK_RC(sysvipc_advance(r), -EINVAL);
    /* Fill it: a timed write ends with -ETIMEDOUT, a try with -EAGAIN. */
    int n = 0;
    while (sysvipc_write(w, big, 500, 0) == 0)
        n++;
    CHECK(n == 7);
    CHECK_RC(sysvipc_write(w, big, 500, 30), -ETIMEDOUT);
    CHECK_RC(sysvipc_complete(w), 0);
    CHECK_RC(sysvipc_write(w, big, 10, 0), -ESHUTDOWN);
    for (int i = 0; i < n; i++)
        CHECK_RC(sysvipc_read(r, big, sizeof big, &len, -1), 0);
    CHECK_RC(sysvipc_read(r, big, sizeof big, &len, -1), -ESHUTDOWN);
    CHECK_RC(sysvipc_wait_to_read(r, -1), -ESHUTDOWN);
    CHECK_RC(sysvipc_writer_close(w), 0);
    CHECK_RC(sysvipc_reader_close(r), 0);

    /* Opening: a version we do not know, a foreign magic, a plain segment, a missing key, a taken key. */
    int id = sysvipc_channel_id(ch);
    uint8_t *raw = shmat(id, NULL, 0);
    sysvipc_channel *other;
    *(int32_t *)(raw + 8) = 4;
    CHECK_RC(sysvipc_channel_open_id(id, &other), -EPROTO);
    CHECK(strstr(sysvipc_error_detail(), "version 4") != NULL);
    *(int32_t *)(raw + 8) = 3; /* broadcast's version with a single-producer mode */
    CHECK_RC(sysvipc_channel_open_id(id, &other), -EBADMSG);
    *(int32_t *)(raw + 8) = 2;
    *(int64_t *)(raw + 16) = 3000;
    CHECK_RC(sysvipc_channel_open_id(id, &other), -EBADMSG);
    *(int64_t *)(raw + 16) = 4096;
    raw[0] = 'X';
    CHECK_RC(sysvipc_channel_open_id(id, &other), -EBADMSG);
    shmdt(raw);
    channel_done(ch);
    int plain = shmget(IPC_PRIVATE, 100, 0600);
    CHECK_RC(sysvipc_channel_open_id(plain, &other), -EBADMSG);
    shmctl(plain, IPC_RMID, NULL);
    CHECK_RC(sysvipc_channel_open_id(plain, &other), -ENOENT);
    key_t key = (key_t)(0x5C000000 | (getpid() & 0xffffff));
    CHECK_RC(sysvipc_channel_create(key, 1024, NULL, &ch), 0);
    CHECK_RC(sysvipc_channel_create(key, 1024, NULL, &other), -EEXIST);
    CHECK_RC(sysvipc_channel_open(key, &other), 0);
    CHECK_RC(sysvipc_channel_close(other), 0);
    channel_done(ch);
    CHECK_RC(sysvipc_channel_open(key, &other), -ENOENT);
    CHECK_RC(sysvipc_channel_create(IPC_PRIVATE, 1000, NULL, &other), -EINVAL);

    int codes[] = { -EAGAIN, -ETIMEDOUT, -EPIPE, -ESHUTDOWN, -EBADMSG, -EPROTO, -ENODATA, -E2BIG, -EMSGSIZE, -EBUSY,
                    -EINPROGRESS, -EINVAL, -EEXIST, -ENOENT, -EACCES, -EILSEQ, -EOWNERDEAD, -ECANCELED, -ECONNRESET };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        CHECK(strcmp(sysvipc_strerror(codes[i]), "unknown error") != 0);
}

/* A writer that exits without closing: its reader drains, then gets -EPIPE. A reader that dies: a
 * writer fills the ring, then gets -EPIPE. */
static void dead_peers(void)
{
    sysvipc_channel *ch = make(4096, SYSVIPC_SINGLE_PRODUCER, 1);
    pid_t pid = fork();
    if (pid == 0) {
        sysvipc_writer *w;
        CHECK_RC(sysvipc_writer_open(ch, &w), 0);
        CHECK_RC(peer_write(w, 2040, 0, 3, 1, 24, 100, 0), 0);
        _exit(0); /* no close: the slot still names this process */
    }
    wait_child(pid, 0);
    sysvipc_reader *r;
    CHECK_RC(sysvipc_reader_open(ch, &r), 0);
    CHECK_RC(sysvipc_reader_set_wait(r, 0, 0, 10), 0);
    int64_t total;
    CHECK_RC(peer_read(r, 1, 3, 0, -1, &total), 0);
    uint8_t buf[64];
    size_t len;
    CHECK_RC(sysvipc_read(r, buf, sizeof buf, &len, -1), -EPIPE); /* the event: the writer's death */
    /* A new writer takes the dead one's place, and messages continue. */
    sysvipc_writer *w;
    CHECK_RC(sysvipc_writer_open(ch, &w), 0);
    msg_fill(buf, 64, 0, 3);
    CHECK_RC(sysvipc_write(w, buf, 64, 0), 0);
    CHECK_RC(sysvipc_read(r, buf, sizeof buf, &len, 0), 0);
    CHECK(len == 64);
    pid = fork();
    if (pid == 0) {
        sysvipc_reader_close(r); /* hand the reader's place to the child */
        sysvipc_reader *mine;
        CHECK_RC(sysvipc_reader_open(ch, &mine), 0);
        _exit(0);
    }
    CHECK_RC(sysvipc_reader_close(r), 0);
    wait_child(pid, 0);
    CHECK_RC(sysvipc_writer_set_wait(w, 0, 0, 10), 0);
    int n = 0, rc;
    while ((rc = sysvipc_write(w, buf, 64, -1)) == 0) /* until the event: the reader's death */
        n++;
    CHECK_RC(rc, -EPIPE);
    CHECK(n > 0);
    CHECK_RC(sysvipc_writer_close(w), 0);
    channel_done(ch);
}

/* SIGKILL of a multi-producer writer holding a claim: the reader skips it and reads the others. Of a
 * single-producer writer mid-claim: nothing of it is seen, and a new writer continues. */
static void killed_mid_claim(int mode)
{
    sysvipc_channel *ch = make(8192, mode, 4);
    sysvipc_reader *r;
    CHECK_RC(sysvipc_reader_open(ch, &r), 0);
    CHECK_RC(sysvipc_reader_set_wait(r, 0, 0, 10), 0);
    int ready[2];
    CHECK(pipe(ready) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        sysvipc_writer *w;
        CHECK_RC(sysvipc_writer_open(ch, &w), 0);
        CHECK_RC(peer_write(w, 4000, 1, 5, 9, 24, 300, 0), 0);
        void *span;
        CHECK_RC(sysvipc_try_claim(w, 200, &span), 0);
        memset(span, 0xAB, 200);
        CHECK(write(ready[1], "x", 1) == 1);
        for (;;)
            pause();
    }
    char c;
    CHECK(read(ready[0], &c, 1) == 1);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    close(ready[0]);
    close(ready[1]);
    int64_t total;
    /* producer 1's five messages are there; the claim never is. */
    sysvipc_writer *w;
    CHECK_RC(sysvipc_writer_open(ch, &w), 0);
    uint8_t buf[512];
    for (int64_t seq = 0; seq < 50; seq++) {
        msg_fill(buf, 100, 0, seq);
        CHECK_RC(sysvipc_write(w, buf, 100, -1), 0);
    }
    int64_t next[2] = { 0, 0 };
    for (total = 0; total < 55; total++) {
        size_t len;
        CHECK_RC(sysvipc_read(r, buf, sizeof buf, &len, -1), 0);
        int32_t producer = -1;
        int64_t seq = -1;
        CHECK(msg_check(buf, len, &producer, &seq) == 0);
        CHECK(producer == 0 || producer == 1);
        CHECK(seq == next[producer]);
        next[producer]++;
    }
    size_t len;
    CHECK_RC(sysvipc_read(r, buf, sizeof buf, &len, 0), -EAGAIN);
    CHECK_RC(sysvipc_writer_close(w), 0);
    CHECK_RC(sysvipc_reader_close(r), 0);
    channel_done(ch);
}

int main(void)
{
    watchdog_start("test_channel");
    errors();
    round_trip(SYSVIPC_SINGLE_PRODUCER, 1, 20000, 16384, 3000);
    round_trip(SYSVIPC_SINGLE_PRODUCER, 1, 2000, 1 << 20, 200000);
    round_trip(SYSVIPC_MULTI_PRODUCER, 3, 5000, 16384, 2000);
    round_trip(SYSVIPC_MULTI_PRODUCER, 1, 5000, 4096, 1000);
    dead_peers();
    for (int i = 0; i < 5; i++) {
        killed_mid_claim(SYSVIPC_MULTI_PRODUCER);
        killed_mid_claim(SYSVIPC_SINGLE_PRODUCER);
    }
    printf("test_channel: ok\n");
    return 0;
}
