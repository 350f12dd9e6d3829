/*
 * channel_client.c: the tutorial's client (message.c) talking to the C# server through shared-memory
 * channels, with libsysvipc (native/). The requests and replies are message.c's struct _syscall; instead of
 * one shared area, a lock and four semaphores, a client writes each request into the server's request
 * channel (multi-producer: every client writes into it) and reads the reply from a channel of its own.
 * No system call per exchange in steady state. The protocol is in docs/tutorial-sample.md, "The channel
 * variant"; the server is samples/Tutorial (TutorialChannelServer):
 *
 *   make -C native
 *   gcc -O2 -Wall -Inative/include -o channel_client samples/c/channel_client.c native/build/libsysvipc.a
 *   dotnet run --project samples/Tutorial.Host -- channel-server /tmp/key &
 *   ./channel_client /tmp/key echo:hello upper:hello add:2:40 time pid
 *   ./channel_client /tmp/key --verify 1000
 *   ./channel_client /tmp/key quit
 *
 * (or, once libsysvipc is installed: cc samples/c/channel_client.c $(pkg-config --cflags --libs sysvipc)).
 * PATH is an existing file: ftok(PATH, PROJ) is the request channel's key.
 * Exit codes: 0 success; 1 failure; 2 no server answers.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <time.h>
#include <unistd.h>

#include <sysvipc/channel.h>

#define PROJ 1
#define BUFSIZE_MAX 256
#define SERVER_WAIT_MS 10000 /* how long to wait for the server's channel to appear */
#define REPLY_WAIT_MS 10000  /* how long to wait for a reply */

enum { MESG_UNSPEC = 0, MESG_ECHO = 1, MESG_UPPER = 2, MESG_ADD = 3, MESG_TIME = 4, MESG_PID = 5, MESG_QUIT = 6 };
enum { MESG_OK = 0, MESG_EBADREQ = -1, MESG_EBADARG = -2 };

/* message.c's struct, byte for byte (samples/Tutorial/Syscall.cs). */
struct _syscall {
    signed char id;
    signed char status;
    unsigned char reserved[2];
    int32_t client;
    int32_t seq;
    int32_t served;
    int32_t len;
    int64_t arg[2];
    int64_t result;
    char buf[BUFSIZE_MAX];
};
_Static_assert(sizeof(struct _syscall) == 304, "struct _syscall");

/* A request message (samples/Tutorial/ChannelRequest.cs): where to reply, then the request. The reply
 * message is a struct _syscall alone. */
struct channel_request {
    int32_t reply_id; /* the segment id of this client's reply channel */
    int32_t reserved;
    struct _syscall call;
};
_Static_assert(offsetof(struct channel_request, call) == 8, "call");
_Static_assert(sizeof(struct channel_request) == 312, "struct channel_request");

struct request {
    int id;
    char text[BUFSIZE_MAX];
    long long a, b;
    int crash;
};

static sysvipc_channel *server;   /* the server's request channel */
static sysvipc_writer *requests;
static sysvipc_channel *replies;  /* this client's reply channel */
static sysvipc_reader *reply_reader;

static const char *mesg_name(int id)
{
    static const char *names[] = { "MESG_UNSPEC", "MESG_ECHO", "MESG_UPPER", "MESG_ADD", "MESG_TIME", "MESG_PID", "MESG_QUIT" };
    return id >= 0 && id <= MESG_QUIT ? names[id] : "MESG_?";
}

static const char *status_name(int status)
{
    return status == MESG_OK ? "MESG_OK" : status == MESG_EBADREQ ? "MESG_EBADREQ" : status == MESG_EBADARG ? "MESG_EBADARG" : "MESG_E?";
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "C channel client %d: %s: %s %s\n", (int)getpid(), what, sysvipc_strerror(rc), sysvipc_error_detail());
    return 1;
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

/* Waits for the server's request channel to exist and be initialized; opens a writer on it. Then makes
 * this client's reply channel. Returns 0, 1 (failure) or 2 (no server). */
static int open_server(key_t key)
{
    int rc;
    for (long waited = 0;; waited += 20) {
        rc = sysvipc_channel_open(key, &server);
        if (rc == 0)
            break;
        /* -ENOENT: no segment yet; -ENODATA: the server is still writing the channel's header. */
        if ((rc != -ENOENT && rc != -ENODATA) || waited >= SERVER_WAIT_MS) {
            if (rc == -ENOENT || rc == -ENODATA) {
                fprintf(stderr, "C channel client %d: no server with key 0x%08x after %d s. Start one with 'Tutorial.Host channel-server PATH'.\n",
                        (int)getpid(), (unsigned)key, SERVER_WAIT_MS / 1000);
                return 2;
            }
            return fail("opening the server's channel", rc);
        }
        sleep_ms(20);
    }
    if (sysvipc_channel_max_message(server) < sizeof(struct channel_request)) {
        fprintf(stderr, "C channel client %d: the channel with key 0x%08x takes messages of at most %zu bytes, not a %zu-byte request: it is not this program's server\n",
                (int)getpid(), (unsigned)key, sysvipc_channel_max_message(server), sizeof(struct channel_request));
        return 1;
    }
    if ((rc = sysvipc_writer_open(server, &requests)) != 0)
        return fail("taking a writer's place in the server's channel", rc);

    /* The reply channel: private, single producer (the server). It is marked for removal at once: it
     * stays while this process or the server has it attached (Linux attaches marked segments by id), so
     * nothing is left behind even if this client is killed. */
    if ((rc = sysvipc_channel_create(IPC_PRIVATE, 4096, NULL, &replies)) != 0)
        return fail("creating the reply channel", rc);
    if ((rc = sysvipc_reader_open(replies, &reply_reader)) != 0)
        return fail("opening the reply channel's reader", rc);
    if ((rc = sysvipc_channel_remove(replies)) != 0)
        return fail("marking the reply channel for removal", rc);
    return 0;
}

static void close_all(void)
{
    if (requests)
        sysvipc_writer_close(requests);
    if (server)
        sysvipc_channel_close(server);
    if (reply_reader)
        sysvipc_reader_close(reply_reader);
    if (replies)
        sysvipc_channel_close(replies);
}

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

/* One exchange: the request into the server's channel, the reply out of ours. 0, or 1 on failure. */
static int call(const struct request *r, int seq, struct _syscall *reply)
{
    struct channel_request m;
    memset(&m, 0, sizeof m);
    m.reply_id = sysvipc_channel_id(replies);
    m.call.id = (signed char)r->id;
    m.call.client = getpid();
    m.call.seq = seq;
    m.call.arg[0] = r->a;
    m.call.arg[1] = r->b;
    m.call.len = (int32_t)strlen(r->text);
    memcpy(m.call.buf, r->text, strlen(r->text) + 1);

    int rc = sysvipc_write(requests, &m, sizeof m, REPLY_WAIT_MS);
    if (rc != 0)
        return fail(rc == -ETIMEDOUT ? "the server's channel stayed full" : "writing the request", rc);
    if (r->crash) {
        printf("C channel client %d: crashing with a request in flight\n", (int)getpid());
        fflush(stdout);
        kill(getpid(), SIGKILL);
    }

    size_t len;
    rc = sysvipc_read(reply_reader, reply, sizeof *reply, &len, REPLY_WAIT_MS);
    if (rc != 0)
        return fail(rc == -ETIMEDOUT ? "no reply (is the server running?)" : "reading the reply", rc);
    /* The reply is another process's bytes: checked before use. */
    if (len != sizeof *reply || reply->client != getpid() || reply->seq != seq || reply->len < 0 || reply->len >= BUFSIZE_MAX) {
        fprintf(stderr, "C channel client %d: a %zu-byte reply for client %d #%d with length %d does not answer #%d\n",
                (int)getpid(), len, reply->client, reply->seq, reply->len, seq);
        return 1;
    }
    reply->buf[reply->len] = '\0';
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

static int run_client(key_t key, int verify, char **words, int count)
{
    int code = open_server(key);
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
        printf("C channel client %d #%d %s -> %s \"%s\" result %lld served %d\n", (int)getpid(), i + 1, what,
               status_name(reply.status), reply.buf, (long long)reply.result, reply.served);
        if (verify > 0) {
            char expected[BUFSIZE_MAX];
            strcpy(expected, r.text);
            if (r.id == MESG_UPPER)
                for (char *p = expected; *p; p++)
                    *p = (char)toupper((unsigned char)*p);
            int ok = reply.status == MESG_OK &&
                     (r.id == MESG_ADD ? reply.result == r.a + r.b : strcmp(reply.buf, expected) == 0);
            if (!ok) {
                fprintf(stderr, "C channel client %d: wrong reply to #%d\n", (int)getpid(), i + 1);
                return 1;
            }
        }
    }
    if (verify > 0)
        printf("C channel client %d verified %d replies\n", (int)getpid(), verify);
    close_all();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: channel_client PATH [--proj N] [--verify N] [echo:TEXT | upper:TEXT | add:A:B | time | pid | quit | unspec | crash]...\n");
        return 1;
    }
    int proj = PROJ, verify = 0, first = 2;
    for (; first + 1 < argc && argv[first][0] == '-' && argv[first][1] == '-'; first += 2) {
        if (strcmp(argv[first], "--proj") == 0)
            proj = atoi(argv[first + 1]);
        else if (strcmp(argv[first], "--verify") == 0)
            verify = atoi(argv[first + 1]);
        else
            break;
    }
    if (proj < 1 || proj > 255 || verify < 0) {
        fprintf(stderr, "channel_client: --proj takes 1 to 255, --verify a count\n");
        return 1;
    }
    key_t key = ftok(argv[1], proj);
    if (key == (key_t)-1) {
        fprintf(stderr, "ftok(%s, %d) failed: %s. The key needs an existing file.\n", argv[1], proj, strerror(errno));
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    return run_client(key, verify, argv + first, argc - first);
}
