/* SharedStruct<T> areas in C: the format of docs/area-format.md (version 1), checked and honoured
 * exactly as .NET's SharedStruct<T> does. Section numbers refer to that page. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "internal.h"
#include "sysvipc/area.h"

#define AREA_MAGIC UINT64_C(0x5443555254534853) /* "SHSTRUCT" */
#define AREA_VERSION 1
#define STATE_EMPTY 0
#define STATE_INITIALIZING 1
#define STATE_READY 2
#define STATE_FAILED 3
#define MAX_LAYOUT_TEXT 65536

struct area_header {
    uint64_t magic;
    uint32_t version;
    uint32_t header_size;
    uint64_t data_size;
    uint64_t layout_hash;
    uint32_t layout_text_offset;
    uint32_t layout_text_length;
    int32_t creator_pid;
    uint32_t state;
    uint64_t creator_start_time;
    int64_t ready_time_ms;
};
_Static_assert(sizeof(struct area_header) == SYSVIPC_AREA_HEADER_SIZE, "the header is 64 bytes");
_Static_assert(offsetof(struct area_header, state) == 44, "state at 44");
_Static_assert(offsetof(struct area_header, creator_start_time) == 48, "start time at 48");

uint64_t sysvipc_layout_signature(const char *text, size_t length)
{
    uint64_t hash = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < length; i++) {
        hash ^= (unsigned char)text[i];
        hash *= UINT64_C(0x100000001b3);
    }
    return hash;
}

static uint64_t align8(uint64_t v) { return (v + 7) & ~UINT64_C(7); }

int sysvipc_area_create(key_t key, size_t size, uint64_t layout_signature, const char *layout_text, int flags,
                        void (*init)(void *), void **value)
{
    if (value == NULL || size == 0 || size > (size_t)UINT32_MAX - 4096)
        return sysvipc_fail(-EINVAL, "an area's struct size must be 1 to %u bytes, not %zu", UINT32_MAX - 4096, size);
    size_t text_length = layout_text == NULL ? 0 : strlen(layout_text);
    if (text_length > MAX_LAYOUT_TEXT)
        return sysvipc_fail(-EINVAL, "the layout text is %zu bytes, more than %d", text_length, MAX_LAYOUT_TEXT);
    if (layout_text != NULL && sysvipc_layout_signature(layout_text, text_length) != layout_signature)
        return sysvipc_fail(-EINVAL, "the layout signature 0x%016llx is not the FNV-1a hash of the layout text given (0x%016llx)",
                            (unsigned long long)layout_signature, (unsigned long long)sysvipc_layout_signature(layout_text, text_length));
    int perms = flags & 0777;
    if (perms == 0)
        perms = 0600;
    uint64_t text_offset = align8(SYSVIPC_AREA_HEADER_SIZE + (uint64_t)size);
    size_t segment_size = (size_t)(text_offset + text_length);
    int id = shmget(key, segment_size, IPC_CREAT | IPC_EXCL | perms);
    if (id < 0)
        return sysvipc_fail(sysvipc_from_errno(errno), "shmget(key 0x%08x, %zu bytes, IPC_CREAT | IPC_EXCL): %s", (unsigned)key, segment_size, strerror(errno));
    uint8_t *base = shmat(id, NULL, 0);
    if (base == (void *)-1) {
        int rc = sysvipc_fail(sysvipc_from_errno(errno), "shmat of the new area segment id %d: %s", id, strerror(errno));
        shmctl(id, IPC_RMID, NULL);
        return rc;
    }
    struct area_header *h = (struct area_header *)base;
    if (text_length > 0)
        memcpy(base + text_offset, layout_text, text_length);
    h->magic = AREA_MAGIC;
    h->version = AREA_VERSION;
    h->header_size = SYSVIPC_AREA_HEADER_SIZE;
    h->data_size = size;
    h->layout_hash = layout_signature;
    h->layout_text_offset = (uint32_t)text_offset;
    h->layout_text_length = (uint32_t)text_length;
    h->creator_pid = getpid();
    h->creator_start_time = sysvipc_own_start_time();
    STORE_REL(AU32(&h->state), STATE_INITIALIZING);
    if (init != NULL)
        init(base + SYSVIPC_AREA_HEADER_SIZE);
    h->ready_time_ms = sysvipc_unix_ms();
    STORE_REL(AU32(&h->state), STATE_READY); /* release: the struct's bytes are visible first */
    sysvipc_futex_wake(&h->state);
    *value = base + SYSVIPC_AREA_HEADER_SIZE;
    return 0;
}

static int not_structured(int id, const char *why)
{
    return sysvipc_fail(-EBADMSG, "the shared memory segment id %d is not a structured area: %s. If a C program made it as a bare struct, attach it raw; if it is a leftover, remove it ('ipcrm -m %d')", id, why, id);
}

/* Section 4, step 4: one copy of the header, after the state said ready. */
static int validate(int id, const uint8_t *base, uint64_t segment_size, size_t size, uint64_t signature)
{
    struct area_header h;
    memcpy(&h, base, sizeof h);
    if (h.version != AREA_VERSION)
        return sysvipc_fail(-EPROTO, "the structured area in segment id %d has format version %u; this library reads version %d. Use the same library version on every side", id, h.version, AREA_VERSION);
    if (h.header_size != SYSVIPC_AREA_HEADER_SIZE)
        return not_structured(id, "its header size field is not 64");
    if (h.data_size != size || h.layout_hash != signature) {
        char text[200] = "(not recorded by its creator)";
        uint64_t end = (uint64_t)h.layout_text_offset + h.layout_text_length;
        if (h.layout_text_length > 0) {
            if (h.layout_text_offset < SYSVIPC_AREA_HEADER_SIZE || h.layout_text_length > MAX_LAYOUT_TEXT || end > segment_size)
                snprintf(text, sizeof text, "(layout text out of bounds)");
            else
                snprintf(text, sizeof text, "%.*s", (int)(h.layout_text_length < sizeof text - 1 ? h.layout_text_length : sizeof text - 1), (const char *)base + h.layout_text_offset);
        }
        return sysvipc_fail(-EILSEQ, "the shared memory segment id %d was created with a different struct layout: the area's struct is %llu bytes with signature 0x%016llx (%s), this process's is %zu bytes with signature 0x%016llx. Every party must use the same definition; if the area is left over, remove it ('ipcrm -m %d')",
                            id, (unsigned long long)h.data_size, (unsigned long long)h.layout_hash, text, size, (unsigned long long)signature, id);
    }
    if (segment_size < SYSVIPC_AREA_HEADER_SIZE + h.data_size)
        return not_structured(id, "the segment is smaller than the header plus the struct its header announces");
    return 0;
}

int sysvipc_area_open(key_t key, size_t size, uint64_t layout_signature, int flags, void **value)
{
    if (value == NULL || size == 0)
        return -EINVAL;
    int id = shmget(key, 0, 0);
    if (id < 0)
        return sysvipc_fail(sysvipc_from_errno(errno), "shmget(key 0x%08x): %s", (unsigned)key, strerror(errno));
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) != 0)
        return sysvipc_fail(sysvipc_from_errno(errno), "shmctl(IPC_STAT) of segment id %d: %s", id, strerror(errno));
    uint8_t *base = shmat(id, NULL, (flags & SYSVIPC_AREA_READONLY) ? SHM_RDONLY : 0);
    if (base == (void *)-1)
        return sysvipc_fail(sysvipc_from_errno(errno), "shmat of segment id %d: %s", id, strerror(errno));
    int rc;
    if (ds.shm_segsz < SYSVIPC_AREA_HEADER_SIZE) {
        rc = not_structured(id, "it is smaller than the 64-byte header");
        goto fail;
    }
    struct area_header *h = (struct area_header *)base;
    int64_t start = sysvipc_monotonic_ms();
    for (;;) {
        uint32_t state = LOAD_ACQ(AU32(&h->state));
        uint64_t magic = *(volatile uint64_t *)&h->magic;
        int64_t elapsed = sysvipc_monotonic_ms() - start;
        if (magic != 0 && magic != AREA_MAGIC) {
            rc = not_structured(id, "it does not start with the magic \"SHSTRUCT\"");
            goto fail;
        }
        switch (state) {
        case STATE_READY:
            rc = validate(id, base, ds.shm_segsz, size, layout_signature);
            if (rc != 0)
                goto fail;
            *value = base + SYSVIPC_AREA_HEADER_SIZE;
            return 0;
        case STATE_FAILED:
            rc = sysvipc_fail(-ECANCELED, "the area in segment id %d will never be ready: its creator's initializer failed, and the creator removes it. Create it again", id);
            goto fail;
        case STATE_EMPTY:
            if (elapsed > 2000 || !sysvipc_pid_alive(ds.shm_cpid, 0)) {
                rc = not_structured(id, "its header stayed empty (its creator never wrote one or is gone)");
                goto fail;
            }
            break;
        case STATE_INITIALIZING: {
            int creator = *(volatile int32_t *)&h->creator_pid;
            if (!sysvipc_pid_alive(creator, *(volatile uint64_t *)&h->creator_start_time)) {
                rc = sysvipc_fail(-EOWNERDEAD, "the area in segment id %d was never initialized: its creator (pid %d) exited while initializing it. Remove it ('ipcrm -m %d') and create it again", id, creator, id);
                goto fail;
            }
            break;
        }
        default:
            rc = not_structured(id, "its header's state is not one of 0 (empty), 1 (initializing), 2 (ready), 3 (failed)");
            goto fail;
        }
        if (elapsed > 30000) {
            rc = sysvipc_fail(-ETIMEDOUT, "the area in segment id %d is still being initialized by pid %d after 30 s", id, *(volatile int32_t *)&h->creator_pid);
            goto fail;
        }
        sysvipc_futex_wait(&h->state, (int32_t)state, 50 * 1000000);
    }
fail:
    shmdt(base);
    return rc;
}

int sysvipc_area_close(void *value)
{
    if (value == NULL)
        return -EINVAL;
    if (shmdt((uint8_t *)value - SYSVIPC_AREA_HEADER_SIZE) != 0)
        return sysvipc_fail(-EINVAL, "this address is not an attached area: %s", strerror(errno));
    return 0;
}

int sysvipc_area_remove(key_t key)
{
    int id = shmget(key, 0, 0);
    if (id < 0 || shmctl(id, IPC_RMID, NULL) != 0)
        return sysvipc_fail(sysvipc_from_errno(errno), "removing the area with key 0x%08x: %s", (unsigned)key, strerror(errno));
    return 0;
}
