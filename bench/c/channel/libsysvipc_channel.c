/*
 * SharedMemoryChannel from C through libsysvipc (native/), copying and spinning: the same channel format
 * the .NET rows use, driven by C. This process is the driver (writer, or pinger); its partner (reader, or
 * ponger) is either this program forked (C -> C) or a command given after "--" (C -> .NET: the harness's
 * own channel-consume / channel-pong roles), started pinned on the partner's CPU (pin_peer).
 *
 *   libsysvipc_channel throughput SIZE COUNT CAPACITY WARMUP [-- PARTNER... {id}...]       prints "elapsed_ns N"
 *   libsysvipc_channel pingpong   SIZE ROUNDS CAPACITY WARMUP FILE [-- PARTNER... {ping} {pong}...]
 *
 * WARMUP untimed messages (or round trips) come first (0 for C -> C, as the C ring has none; the .NET
 * partner's count for the JIT). A partner prints "READY" once its reader/writer is open, and a consumer
 * "END ns" (CLOCK_MONOTONIC) after its last message; the forked C partner writes the same lines.
 * Built by the harness with gcc -O2 together with the sources in native/src.
 */
#include "common.h"

#include <errno.h>
#include <limits.h>
#include <sysvipc/channel.h>

static void check(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "libsysvipc_channel: %s: %s %s\n", what, sysvipc_strerror(rc), sysvipc_error_detail());
        exit(2);
    }
}

static sysvipc_channel *private_channel(uint64_t capacity)
{
    sysvipc_channel *ch;
    check(sysvipc_channel_create(IPC_PRIVATE, (size_t)capacity, NULL, &ch), "sysvipc_channel_create");
    check(sysvipc_channel_remove(ch), "sysvipc_channel_remove"); /* gone when both processes have detached */
    return ch;
}

static void spin(sysvipc_reader *r, sysvipc_writer *w)
{
    if (r)
        check(sysvipc_reader_set_wait(r, INT_MAX, 0, 100), "sysvipc_reader_set_wait");
    if (w)
        check(sysvipc_writer_set_wait(w, INT_MAX, 0, 100), "sysvipc_writer_set_wait");
}

/* The partner's lines (READY, END ns) arrive through this pipe: its stdout. */
struct partner { pid_t pid; FILE *lines; };

/* Starts the partner: the command after "--" with {id}/{ping}/{pong} replaced, or (no command) a fork
 * that runs body(a, b, out) with out its end of the pipe. */
static struct partner start(char **command, int ping, int pong, void (*body)(int, int, FILE *))
{
    int fds[2];
    if (pipe(fds) != 0)
        die("pipe");
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        pin_peer();
        close(fds[0]);
        if (command == NULL) {
            FILE *out = fdopen(fds[1], "w");
            setvbuf(out, NULL, _IOLBF, 0);
            body(ping, pong, out);
            fclose(out);
            _exit(0);
        }
        dup2(fds[1], 1);
        close(fds[1]);
        char ids[2][16];
        snprintf(ids[0], sizeof ids[0], "%d", ping);
        snprintf(ids[1], sizeof ids[1], "%d", pong);
        for (char **a = command; *a; a++) {
            if (strcmp(*a, "{id}") == 0 || strcmp(*a, "{ping}") == 0)
                *a = ids[0];
            else if (strcmp(*a, "{pong}") == 0)
                *a = ids[1];
        }
        execvp(command[0], command);
        perror(command[0]);
        _exit(127);
    }
    close(fds[1]);
    struct partner p = { pid, fdopen(fds[0], "r") };
    return p;
}

/* The next line of the partner starting with prefix; the rest of it as a number. */
static uint64_t expect(struct partner *p, const char *prefix)
{
    char line[256];
    size_t n = strlen(prefix);
    while (fgets(line, sizeof line, p->lines) != NULL)
        if (strncmp(line, prefix, n) == 0)
            return strtoull(line + n, NULL, 10);
    fprintf(stderr, "libsysvipc_channel: the partner (pid %d) ended without printing %s\n", (int)p->pid, prefix);
    exit(2);
}

static uint32_t g_size;
static long g_total; /* warm-up + timed */

static void consume(int id, int unused, FILE *out)
{
    (void)unused;
    sysvipc_channel *ch;
    sysvipc_reader *r;
    check(sysvipc_channel_open_id(id, &ch), "open (consumer)");
    check(sysvipc_reader_open(ch, &r), "sysvipc_reader_open");
    spin(r, NULL);
    unsigned char *dst = malloc(g_size + 1);
    fprintf(out, "READY\n");
    size_t len;
    for (long i = 0; i < g_total; i++)
        check(sysvipc_read(r, dst, g_size + 1, &len, -1), "sysvipc_read");
    fprintf(out, "END %llu\n", (unsigned long long)now_ns());
}

static void pong(int ping_id, int pong_id, FILE *out)
{
    sysvipc_channel *in, *back;
    sysvipc_reader *r;
    sysvipc_writer *w;
    check(sysvipc_channel_open_id(ping_id, &in), "open ping");
    check(sysvipc_channel_open_id(pong_id, &back), "open pong");
    check(sysvipc_reader_open(in, &r), "sysvipc_reader_open");
    check(sysvipc_writer_open(back, &w), "sysvipc_writer_open");
    spin(r, w);
    unsigned char *buf = malloc(g_size + 1);
    fprintf(out, "READY\n");
    size_t len;
    for (long i = 0; i < g_total; i++) {
        check(sysvipc_read(r, buf, g_size + 1, &len, -1), "sysvipc_read");
        check(sysvipc_write(w, buf, len, -1), "sysvipc_write");
    }
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: libsysvipc_channel throughput|pingpong SIZE COUNT CAPACITY WARMUP [FILE] [-- PARTNER...]\n");
        return 2;
    }
    int pingpong = strcmp(argv[1], "pingpong") == 0;
    g_size = (uint32_t)atol(argv[2]);
    long count = atol(argv[3]);
    uint64_t capacity = (uint64_t)atoll(argv[4]);
    long warmup = atol(argv[5]);
    g_total = warmup + count;
    char **command = NULL;
    for (int i = 6; i < argc; i++)
        if (strcmp(argv[i], "--") == 0) {
            command = argv + i + 1;
            break;
        }
    unsigned char *src = malloc(g_size + 1), *dst = malloc(g_size + 1);
    memset(src, 0x5a, g_size);

    if (!pingpong) {
        sysvipc_channel *ch = private_channel(capacity);
        struct partner p = start(command, sysvipc_channel_id(ch), 0, consume);
        expect(&p, "READY");
        sysvipc_writer *w;
        check(sysvipc_writer_open(ch, &w), "sysvipc_writer_open");
        spin(NULL, w);
        uint64_t begin = 0;
        for (long i = -warmup; i < count; i++) {
            if (i == 0)
                begin = now_ns();
            src[0] = (unsigned char)i;
            check(sysvipc_write(w, src, g_size, -1), "sysvipc_write");
        }
        uint64_t end = expect(&p, "END ");
        wait_child(p.pid);
        printf("elapsed_ns %llu\n", (unsigned long long)(end - begin));
        return 0;
    }

    if (argc < 7 || strcmp(argv[6], "--") == 0) {
        fprintf(stderr, "pingpong needs FILE\n");
        return 2;
    }
    sysvipc_channel *ping = private_channel(capacity), *back = private_channel(capacity);
    struct partner p = start(command, sysvipc_channel_id(ping), sysvipc_channel_id(back), pong);
    expect(&p, "READY");
    sysvipc_writer *w;
    sysvipc_reader *r;
    check(sysvipc_writer_open(ping, &w), "sysvipc_writer_open");
    check(sysvipc_reader_open(back, &r), "sysvipc_reader_open");
    spin(r, w);
    uint64_t *samples = malloc(sizeof(uint64_t) * (size_t)(count > 0 ? count : 1));
    size_t len;
    for (long i = -warmup; i < count; i++) {
        uint64_t t = now_ns();
        check(sysvipc_write(w, src, g_size, -1), "sysvipc_write");
        check(sysvipc_read(r, dst, g_size + 1, &len, -1), "sysvipc_read");
        if (i >= 0)
            samples[i] = now_ns() - t;
    }
    wait_child(p.pid);
    write_samples(argv[6], samples, count);
    return 0;
}
