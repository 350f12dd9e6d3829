/* The corruption fuzz against the C library: random bytes over a channel's header, counters, participant
 * table and records; opening, reading and writing must give valid messages or a documented error code,
 * never a crash (the trials run in a child: a fault shows as a child killed by a signal). */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "peer.h"
#include "watchdog.h"

static int allowed(int rc)
{
    /* -ECONNRESET: a scribbled gate or reader state makes a broadcast reader believe it was overtaken. */
    return rc == 0 || rc == -EAGAIN || rc == -EBADMSG || rc == -EPROTO || rc == -ESHUTDOWN || rc == -EBUSY || rc == -ENODATA
        || rc == -ECONNRESET;
}

static int trials(int n, uint64_t seed)
{
    int corrupted = 0, clean = 0;
    for (int trial = 0; trial < n; trial++) {
        static const int modes[] = { SYSVIPC_SINGLE_PRODUCER, SYSVIPC_MULTI_PRODUCER, SYSVIPC_BROADCAST };
        int mode = modes[splitmix64(&seed) % 3];
        sysvipc_channel_options o = { .mode = mode, .max_producers = 2, .max_readers = 2,
                                      .drop_after_ns = mode == SYSVIPC_BROADCAST && splitmix64(&seed) % 2 ? 1000000 : 0 };
        sysvipc_channel *ch;
        CHECK_RC(sysvipc_channel_create(IPC_PRIVATE, (size_t)1024 << (splitmix64(&seed) % 3), &o, &ch), 0);
        int id = sysvipc_channel_id(ch);
        sysvipc_writer *w;
        sysvipc_reader *r;
        CHECK_RC(sysvipc_writer_open(ch, &w), 0);
        CHECK_RC(sysvipc_reader_open(ch, &r), 0);
        uint8_t buf[4096];
        for (int i = 0, count = (int)(splitmix64(&seed) % 40); i < count; i++) {
            size_t len = 24 + splitmix64(&seed) % 276;
            msg_fill(buf, len, 1, i);
            sysvipc_write(w, buf, len, 0);
            size_t got;
            if (splitmix64(&seed) % 3 == 0)
                sysvipc_read(r, buf, sizeof buf, &got, 0);
        }
        sysvipc_writer_close(w);
        sysvipc_reader_close(r);
        uint8_t *raw = shmat(id, NULL, 0);
        struct shmid_ds ds;
        shmctl(id, IPC_STAT, &ds);
        size_t size = ds.shm_segsz;
        size_t ring = size - sysvipc_channel_capacity(ch);
        for (int k = 0, scribbles = 1 + (int)(splitmix64(&seed) % 8); k < scribbles; k++) {
            uint64_t where = splitmix64(&seed) % 4;
            size_t at = where == 0 ? splitmix64(&seed) % 64
                : where == 1 ? 128 + splitmix64(&seed) % 640
                : where == 2 ? 768 + splitmix64(&seed) % 512
                : ring + splitmix64(&seed) % (size - ring);
            size_t len = 1 + splitmix64(&seed) % 8;
            for (size_t b = 0; b < len && at + b < size; b++)
                raw[at + b] = (uint8_t)splitmix64(&seed);
        }
        shmdt(raw);
        int bad = 0;
        sysvipc_channel *re;
        int rc = sysvipc_channel_open_id(id, &re);
        if (rc == 0) {
            /* A broadcast reader from the oldest message: it reads what the writer left in the ring. */
            rc = sysvipc_channel_mode(re) == SYSVIPC_BROADCAST ? sysvipc_reader_open_at(re, SYSVIPC_START_OLDEST, &r) : sysvipc_reader_open(re, &r);
            if (rc == 0) {
                size_t max = sysvipc_channel_max_message(re);
                for (int64_t i = 0; i < (int64_t)(sysvipc_channel_capacity(re) / 8) + 8; i++) {
                    const void *span;
                    size_t len;
                    if ((rc = sysvipc_try_peek(r, &span, &len)) != 0)
                        break;
                    CHECK(len <= max);
                    memcpy(buf, span, len > sizeof buf ? sizeof buf : len);
                    for (size_t b = 0; b < len; b++)
                        bad += ((const volatile uint8_t *)span)[b]; /* touches every byte */
                    /* Advancing publishes the new position, which is where a record that ran past the
                     * producers' tail is caught (docs/channel-format.md, 5.3): -EBADMSG is an outcome. */
                    if ((rc = sysvipc_advance(r)) != 0)
                        break;
                }
                if (allowed(rc)) {
                    int wrc = sysvipc_writer_open(re, &w);
                    if (wrc == 0) {
                        for (int i = 0; i < 5 && allowed(wrc); i++) {
                            msg_fill(buf, 64, 2, i);
                            wrc = sysvipc_write(w, buf, 64, 0);
                            /* A scribbled capacity can still be a valid, smaller one: refusing a 64-byte
                             * message for it (-E2BIG, nothing written) is a correct outcome. */
                            if (wrc == -E2BIG) {
                                wrc = 0;
                                break;
                            }
                        }
                        sysvipc_writer_close(w);
                    }
                    if (!allowed(wrc))
                        rc = wrc;
                    if (wrc == -EBADMSG)
                        rc = wrc;
                }
                sysvipc_reader_close(r);
            }
            sysvipc_channel_close(re);
        }
        if (!allowed(rc)) {
            fprintf(stderr, "trial %d: unexpected %d (%s): %s\n", trial, rc, sysvipc_strerror(rc), sysvipc_error_detail());
            sysvipc_channel_remove(ch);
            sysvipc_channel_close(ch);
            return 1;
        }
        if (rc == -EBADMSG || rc == -EPROTO)
            corrupted++;
        else
            clean++;
        sysvipc_channel_remove(ch);
        sysvipc_channel_close(ch);
        (void)bad;
    }
    printf("test_fuzz: corrupted=%d clean=%d\n", corrupted, clean);
    return corrupted == 0 || clean == 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : (getenv("SYSVIPC_STRESS") ? 20000 : 1500);
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : (uint64_t)getpid() * 7919;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
    {
        watchdog_start("test_fuzz"); /* in the child, which does the work: its hang ends as a failed child */
        int rc = trials(n, seed);
        fflush(stdout);
        _exit(rc);
    }
    int status;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "test_fuzz: the child ended with status 0x%x (seed %llu)\n", status, (unsigned long long)seed);
        return 1;
    }
    printf("test_fuzz: ok (%d trials, seed %llu)\n", n, (unsigned long long)seed);
    return 0;
}
