/* The C side of the cross-language tests (tests/SysV.Ipc.Tests/Native/): one verb per role.
 *   write ID PRODUCER COUNT SEED MINLEN MAXLEN copy|zero [complete]   checked messages, then "wrote N"
 *   read ID PRODUCERS COUNT copy|zero                                  reads and checks them, "read N"
 *   claim-hang ID COUNT LEN          writes COUNT messages, claims one more, prints "claimed", waits to be killed
 *   read-until-dead ID PRODUCERS     reads checked messages until -EPIPE: "epipe N"
 *   write-until-dead ID              writes until -EPIPE: "epipe N"
 *   fuzz-read ID [CANARY_ID]         reads whatever is there (a broadcast channel: from the oldest message); prints the
 *                                    outcome; exits 0 unless something not allowed happened or the canary segment
 *                                    (filled with 0xA5) changed
 *   create-broadcast KEY CAPACITY MAX_READERS DROP_NS   creates a broadcast channel (left for the caller to
 *                                    remove), prints "created ID"
 *   read-hang ID                     opens a reader, prints "reader open", waits to be killed
 *   read-dropped ID                  broadcast: opens a reader, prints "reader open", reads nothing until a line on
 *                                    stdin, then expects -ECONNRESET ("dropped POSITION WRITER RESUMED") and reads one
 *                                    more message ("then PRODUCER SEQUENCE")
 * Exit 0 on success; on failure prints the code, its meaning and the detail on stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/shm.h>
#include <unistd.h>

#include "peer.h"

static int fail(const char *what, int rc)
{
    fprintf(stderr, "%s: %d %s; %s\n", what, rc, sysvipc_strerror(rc), sysvipc_error_detail());
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: channel_peer VERB ID ...\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *verb = argv[1];
    sysvipc_channel *ch;
    int rc;
    if (strcmp(verb, "create-broadcast") == 0 && argc >= 6) {
        sysvipc_channel_options o = { .mode = SYSVIPC_BROADCAST, .max_readers = atoi(argv[4]), .drop_after_ns = atoll(argv[5]) };
        if ((rc = sysvipc_channel_create((key_t)strtol(argv[2], NULL, 0), (size_t)atoll(argv[3]), &o, &ch)) != 0)
            return fail("create", rc);
        printf("created %d\n", sysvipc_channel_id(ch));
        return sysvipc_channel_close(ch);
    }
    rc = sysvipc_channel_open_id(atoi(argv[2]), &ch);
    if (rc != 0)
        return fail("open", rc);
    if (strcmp(verb, "write") == 0 && argc >= 9) {
        sysvipc_writer *w;
        if ((rc = sysvipc_writer_open(ch, &w)) != 0)
            return fail("writer_open", rc);
        int64_t count = atoll(argv[4]);
        rc = peer_write(w, sysvipc_channel_max_message(ch), atoi(argv[3]), count, strtoull(argv[5], NULL, 10),
                        (size_t)atol(argv[6]), (size_t)atol(argv[7]), strcmp(argv[8], "zero") == 0);
        if (rc != 0)
            return fail("write", rc);
        if (argc >= 10 && strcmp(argv[9], "complete") == 0)
            sysvipc_complete(w);
        sysvipc_writer_close(w);
        printf("wrote %lld\n", (long long)count);
    } else if (strcmp(verb, "read") == 0 && argc >= 6) {
        sysvipc_reader *r;
        if ((rc = sysvipc_reader_open(ch, &r)) != 0)
            return fail("reader_open", rc);
        printf("reader open\n");
        int64_t total;
        rc = peer_read(r, atoi(argv[3]), atoll(argv[4]), strcmp(argv[5], "zero") == 0, 30000, &total);
        if (rc != 0)
            return fail("read", rc);
        sysvipc_reader_close(r);
        printf("read %lld\n", (long long)total);
    } else if (strcmp(verb, "claim-hang") == 0 && argc >= 5) {
        sysvipc_writer *w;
        if ((rc = sysvipc_writer_open(ch, &w)) != 0)
            return fail("writer_open", rc);
        if ((rc = peer_write(w, sysvipc_channel_max_message(ch), 0, atoll(argv[3]), 7, 24, 200, 0)) != 0)
            return fail("write", rc);
        void *span;
        size_t len = (size_t)atol(argv[4]);
        while ((rc = sysvipc_try_claim(w, len, &span)) == -EAGAIN)
            sysvipc_wait_to_write(w, len, -1);
        if (rc != 0)
            return fail("claim", rc);
        memset(span, 0xAB, len); /* half-written garbage the reader must never see */
        printf("claimed\n");
        for (;;)
            pause();
    } else if (strcmp(verb, "read-until-dead") == 0 && argc >= 4) {
        sysvipc_reader *r;
        if ((rc = sysvipc_reader_open(ch, &r)) != 0)
            return fail("reader_open", rc);
        printf("reader open\n");
        int64_t total = 0;
        rc = peer_read(r, atoi(argv[3]), INT64_MAX / 64, 0, 60000, &total);
        if (rc != -EPIPE)
            return fail("read-until-dead (expected -EPIPE)", rc);
        printf("epipe %lld\n", (long long)total);
    } else if (strcmp(verb, "write-until-dead") == 0) {
        sysvipc_writer *w;
        if ((rc = sysvipc_writer_open(ch, &w)) != 0)
            return fail("writer_open", rc);
        printf("writer open\n");
        uint8_t buf[64];
        int64_t n = 0;
        for (;; n++) {
            msg_fill(buf, sizeof buf, 0, n);
            if ((rc = sysvipc_write(w, buf, sizeof buf, 60000)) != 0)
                break;
        }
        if (rc != -EPIPE)
            return fail("write-until-dead (expected -EPIPE)", rc);
        printf("epipe %lld\n", (long long)n);
    } else if (strcmp(verb, "read-hang") == 0) {
        sysvipc_reader *r;
        if ((rc = sysvipc_reader_open(ch, &r)) != 0)
            return fail("reader_open", rc);
        printf("reader open\n");
        for (;;)
            pause();
    } else if (strcmp(verb, "read-dropped") == 0) {
        sysvipc_reader *r;
        if ((rc = sysvipc_reader_open(ch, &r)) != 0)
            return fail("reader_open", rc);
        printf("reader open\n");
        char line[16];
        if (fgets(line, sizeof line, stdin) == NULL)
            return fail("stdin", -EIO);
        uint8_t *buf = malloc(sysvipc_channel_max_message(ch) + 1);
        size_t len;
        if ((rc = sysvipc_read(r, buf, sysvipc_channel_max_message(ch), &len, 0)) != -ECONNRESET)
            return fail("read (expected -ECONNRESET)", rc);
        int64_t position, writer, resumed;
        if ((rc = sysvipc_reader_last_drop(r, &position, &writer, &resumed)) != 0)
            return fail("last_drop", rc);
        printf("dropped %lld %lld %lld\n%s\n%s\n", (long long)position, (long long)writer, (long long)resumed, sysvipc_strerror(-ECONNRESET), sysvipc_error_detail());
        if ((rc = sysvipc_read(r, buf, sysvipc_channel_max_message(ch), &len, 60000)) != 0)
            return fail("read after the drop", rc);
        int32_t producer;
        int64_t seq;
        if (msg_check(buf, len, &producer, &seq) != 0)
            return fail("message check", -EBADMSG);
        printf("then %d %lld\n", producer, (long long)seq);
        free(buf);
        sysvipc_reader_close(r);
    } else if (strcmp(verb, "fuzz-read") == 0) {
        const uint8_t *canary = NULL;
        struct shmid_ds canary_ds;
        if (argc >= 4) {
            int canary_id = atoi(argv[3]);
            canary = shmat(canary_id, NULL, SHM_RDONLY);
            if (canary == (void *)-1 || shmctl(canary_id, IPC_STAT, &canary_ds) != 0)
                return fail("canary", -errno);
        }
        sysvipc_reader *r;
        rc = sysvipc_channel_mode(ch) == SYSVIPC_BROADCAST ? sysvipc_reader_open_at(ch, SYSVIPC_START_OLDEST, &r) : sysvipc_reader_open(ch, &r);
        if (rc == -EBADMSG) {
            printf("outcome corrupted\n");
            return 0;
        }
        if (rc != 0)
            return fail("reader_open", rc);
        int64_t n = 0;
        size_t max = sysvipc_channel_max_message(ch);
        for (int64_t i = 0; i < (int64_t)(sysvipc_channel_capacity(ch) / 8) + 8; i++) {
            const void *span;
            size_t len;
            rc = sysvipc_try_peek(r, &span, &len);
            if (rc != 0)
                break;
            if (len > max) {
                fprintf(stderr, "a %zu-byte message exceeds the maximum %zu\n", len, max);
                return 1;
            }
            volatile uint8_t sum = 0;
            for (size_t k = 0; k < len; k++)
                sum += ((const uint8_t *)span)[k]; /* touch every byte: out of bounds would fault */
            (void)sum;
            sysvipc_advance(r);
            n++;
        }
        /* -ECONNRESET: a scribbled gate or reader state makes a broadcast reader believe it was overtaken. */
        if (rc != 0 && rc != -EAGAIN && rc != -EBADMSG && rc != -ESHUTDOWN && rc != -ECONNRESET)
            return fail("fuzz peek", rc);
        for (size_t k = 0; canary != NULL && k < canary_ds.shm_segsz; k++)
            if (canary[k] != 0xA5) {
                fprintf(stderr, "the canary segment changed at byte %zu\n", k);
                return 1;
            }
        if (canary != NULL)
            printf("canary intact\n");
        printf("outcome %s read %lld\n", rc == -EBADMSG ? "corrupted" : "clean", (long long)n);
        sysvipc_reader_close(r);
    } else {
        fprintf(stderr, "unknown verb or missing arguments: %s\n", verb);
        return 2;
    }
    sysvipc_channel_close(ch);
    return 0;
}
