/* The channel side of the bridge tests, through libsysvipc (native/, the same channel format as .NET):
 *   bridge_chan make KEY CAPACITY                  creates a single-producer channel (removed by the host's end)
 *   bridge_chan send KEY COUNT MAXSIZE SEED        writes COUNT test messages (bridge_msg.h, type 1) of random
 *                                                  sizes from 16 to MAXSIZE, waiting while the ring is full
 *   bridge_chan recv KEY COUNT                     reads them as bridge_recv does (opening the channel when it
 *                                                  appears), checks every byte and the order; "progress U" lines
 *                                                  while it runs, its report line when it has COUNT distinct
 *                                                  messages or is told to stop (SIGTERM, SIGINT) */
#include "bridge_msg.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysvipc/channel.h>
#include <sysvipc/error.h>
#include <time.h>
#include <unistd.h>

static double since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static volatile sig_atomic_t stop;

static void on_stop(int sig) { (void)sig; stop = 1; }

static int fail(const char *what, int rc)
{
    fprintf(stderr, "%s: %s (%s)\n", what, sysvipc_strerror(rc), sysvipc_error_detail());
    return 1;
}

static int make(key_t key, size_t capacity)
{
    sysvipc_channel *ch;
    int rc = sysvipc_channel_create(key, capacity, NULL, &ch);
    if (rc != 0) return fail("create", rc);
    return sysvipc_channel_close(ch) == 0 ? 0 : 1;
}

static int send(key_t key, long count, long maxsize, unsigned seed)
{
    sysvipc_channel *ch;
    sysvipc_writer *w;
    int rc = sysvipc_channel_open(key, &ch);
    if (rc != 0) return fail("open", rc);
    if ((rc = sysvipc_writer_open(ch, &w)) != 0) return fail("writer", rc);
    unsigned char *body = malloc((size_t)maxsize);
    srand(seed);
    for (long i = 0; i < count; i++) {
        size_t len = BRIDGE_HEADER + (size_t)(rand() % (maxsize - BRIDGE_HEADER + 1));
        bridge_make(body, len, 1, (uint64_t)i);
        /* -EPIPE: the reader (the out bridge) died with the ring full; its successor will drain it. */
        while ((rc = sysvipc_write(w, body, len, 1000)) != 0) {
            if (rc != -ETIMEDOUT && rc != -EPIPE) return fail("write", rc);
            if (rc == -EPIPE) usleep(10000);
        }
    }
    printf("sent %ld\n", count);
    sysvipc_writer_close(w);
    sysvipc_channel_close(ch);
    return 0;
}

static int recv_all(key_t key, long count)
{
    sysvipc_channel *ch = NULL;
    sysvipc_reader *r;
    struct sigaction sa = { .sa_handler = on_stop };
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    int rc;
    while ((rc = sysvipc_channel_open(key, &ch)) != 0) {
        if (rc != -ENOENT && rc != -ENODATA) return fail("open", rc);
        if (stop) return fail("open (stopped before it appeared)", rc);
        usleep(20000);
    }
    if ((rc = sysvipc_reader_open(ch, &r)) != 0) return fail("reader", rc);
    unsigned char *seen = calloc((size_t)count, 1);
    int64_t high = -1;
    long received = 0, unique = 0, duplicates = 0, order = 0, corrupt = 0, told = 0;
    struct timespec told_at = { 0 };
    while (unique < count && !stop) {
        if (unique != told && since(&told_at) >= 0.5) {
            printf("progress %ld\n", unique);
            fflush(stdout);
            told = unique;
            clock_gettime(CLOCK_MONOTONIC, &told_at);
        }
        const void *span;
        size_t n;
        rc = sysvipc_try_peek(r, &span, &n);
        if (rc != 0) {
            if (rc != -EAGAIN) return fail("peek", rc);
            /* -EPIPE / -ETIMEDOUT: the writer (the in bridge) died or is slow; its successor goes on. */
            rc = sysvipc_wait_to_read(r, 100);
            if (rc != 0 && rc != -ETIMEDOUT && rc != -EPIPE && rc != -EINTR) return fail("wait", rc);
            if (rc == -EPIPE) usleep(10000);
            continue;
        }
        received++;
        uint64_t seq;
        int ok = bridge_check(span, n, 1, &seq) && seq < (uint64_t)count;
        if ((rc = sysvipc_advance(r)) != 0) return fail("advance", rc);
        if (!ok) { corrupt++; continue; }
        if (seen[seq]) { duplicates++; continue; }
        seen[seq] = 1;
        unique++;
        if ((int64_t)seq != high + 1) order++;
        if ((int64_t)seq > high) high = (int64_t)seq;
    }
    printf("received %ld unique %ld duplicates %ld order-errors %ld corrupt %ld\n", received, unique, duplicates, order, corrupt);
    sysvipc_reader_close(r);
    sysvipc_channel_close(ch);
    return unique == count && order == 0 && corrupt == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "make") == 0)
        return make((key_t)strtoul(argv[2], NULL, 0), (size_t)strtoull(argv[3], NULL, 0));
    if (argc == 6 && strcmp(argv[1], "send") == 0)
        return send((key_t)strtoul(argv[2], NULL, 0), atol(argv[3]), atol(argv[4]), (unsigned)atol(argv[5]));
    if (argc == 4 && strcmp(argv[1], "recv") == 0)
        return recv_all((key_t)strtoul(argv[2], NULL, 0), atol(argv[3]));
    fprintf(stderr, "usage: bridge_chan make KEY CAPACITY | send KEY COUNT MAXSIZE SEED | recv KEY COUNT\n");
    return 2;
}
