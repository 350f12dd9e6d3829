/* C-only area tests (make check): the SharedStruct<T> header as docs/area-format.md defines it. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sysvipc/area.h"
#include "testutil.h"
#include "watchdog.h"

struct counters {
    int64_t requests;
    int32_t errors;
};
#define COUNTERS_LAYOUT "struct(16){Requests:i64@0,Errors:i32@8}"

static void init_counters(void *p) { ((struct counters *)p)->requests = 42; }

static void slow_init(void *p)
{
    (void)p;
    printf("initializing\n");
    fflush(stdout);
    for (;;)
        pause();
}

int main(void)
{
    watchdog_start("test_area");
    key_t key = (key_t)(0x5A000000 | (getpid() & 0xffffff));
    uint64_t sig = sysvipc_layout_signature(COUNTERS_LAYOUT, strlen(COUNTERS_LAYOUT));
    /* The hash of the example in docs/structured-sharing.md's FNV-1a definition: "a" */
    CHECK(sysvipc_layout_signature("a", 1) == UINT64_C(0xaf63dc4c8601ec8c));
    void *v, *v2;
    CHECK_RC(sysvipc_area_create(key, sizeof(struct counters), sig + 1, COUNTERS_LAYOUT, 0, NULL, &v), -EINVAL);
    CHECK_RC(sysvipc_area_create(key, sizeof(struct counters), sig, COUNTERS_LAYOUT, 0, init_counters, &v), 0);
    CHECK(((struct counters *)v)->requests == 42);
    CHECK_RC(sysvipc_area_create(key, sizeof(struct counters), sig, COUNTERS_LAYOUT, 0, NULL, &v2), -EEXIST);
    CHECK_RC(sysvipc_area_open(key, sizeof(struct counters), sig, 0, &v2), 0);
    ((struct counters *)v2)->errors = 7;
    CHECK(((struct counters *)v)->errors == 7);
    CHECK_RC(sysvipc_area_close(v2), 0);
    CHECK_RC(sysvipc_area_open(key, sizeof(struct counters), sig, SYSVIPC_AREA_READONLY, &v2), 0);
    CHECK(((const struct counters *)v2)->requests == 42);
    CHECK_RC(sysvipc_area_close(v2), 0);
    CHECK_RC(sysvipc_area_open(key, sizeof(struct counters), sig ^ 1, 0, &v2), -EILSEQ);
    CHECK(strstr(sysvipc_error_detail(), COUNTERS_LAYOUT) != NULL);
    CHECK_RC(sysvipc_area_open(key, 24, sig, 0, &v2), -EILSEQ);
    uint8_t *header = (uint8_t *)v - 64;
    *(uint32_t *)(header + 8) = 2;
    CHECK_RC(sysvipc_area_open(key, sizeof(struct counters), sig, 0, &v2), -EPROTO);
    *(uint32_t *)(header + 8) = 1;
    header[0] = 'X';
    CHECK_RC(sysvipc_area_open(key, sizeof(struct counters), sig, 0, &v2), -EBADMSG);
    header[0] = 'S';
    *(uint32_t *)(header + 44) = 9;
    CHECK_RC(sysvipc_area_open(key, sizeof(struct counters), sig, 0, &v2), -EBADMSG);
    *(uint32_t *)(header + 44) = 3;
    CHECK_RC(sysvipc_area_open(key, sizeof(struct counters), sig, 0, &v2), -ECANCELED);
    CHECK_RC(sysvipc_area_close(v), 0);
    CHECK_RC(sysvipc_area_remove(key), 0);
    CHECK_RC(sysvipc_area_open(key, sizeof(struct counters), sig, 0, &v2), -ENOENT);

    /* A bare struct (no header) is not a structured area. */
    int bare = shmget(key, 16, IPC_CREAT | IPC_EXCL | 0600);
    CHECK(bare >= 0);
    CHECK_RC(sysvipc_area_open(key, 16, sig, 0, &v2), -EBADMSG);
    shmctl(bare, IPC_RMID, NULL);

    /* A creator that dies while initializing: openers fail with -EOWNERDEAD instead of waiting. */
    int out[2];
    CHECK(pipe(out) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 1);
        sysvipc_area_create(key, sizeof(struct counters), sig, COUNTERS_LAYOUT, 0, slow_init, &v);
        _exit(3);
    }
    char line[32];
    CHECK(read(out[0], line, sizeof line) > 0);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    CHECK_RC(sysvipc_area_open(key, sizeof(struct counters), sig, 0, &v2), -EOWNERDEAD);
    CHECK_RC(sysvipc_area_remove(key), 0);
    printf("test_area: ok\n");
    return 0;
}
