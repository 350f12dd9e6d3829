/* SharedMemoryChannel in C: the segment format and protocol of docs/channel-format.md (versions 2 and 3:
 * single-producer, multi-producer and broadcast channels). Section numbers in comments refer to that page. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "internal.h"
#include "sysvipc/channel.h"

/* Section 2: the segment. */
#define MAGIC INT64_C(0x314E484356535953) /* "SYSVCHN1" */
#define VERSION 2
#define BROADCAST_VERSION 3
#define F_MAGIC 0
#define F_VERSION 8
#define F_RING_OFFSET 12
#define F_CAPACITY 16
#define F_MAX_MESSAGE 24
#define F_MODE 28
#define F_SLOTS 32
#define F_COMPLETED 36
#define F_EPOCH 40
#define F_CREATOR 48
#define F_READER_SLOTS 52 /* broadcast (section 11.1) */
#define F_POLICY 56
#define F_DROP_AFTER 64
#define O_TAIL 128
#define O_CACHED_HEAD 256
#define O_HEAD 384
#define O_CONSUMED 392
#define O_DATA_SEQ 512
#define O_READER_SLEEPING 516
#define O_SPACE_SEQ 640
#define O_WRITERS_SLEEPING 644
#define O_SLOTS 768
#define SLOT_SIZE 128
#define O_GATE 256          /* broadcast: the writer's gate */
#define O_READER_BLOCKS 1024 /* broadcast: reader i's block at 1024 + 128 i */
/* Section 3: a participant slot. */
#define S_OWNER 0
#define S_ROLE 8
#define S_SLEEPING 12
#define S_HEARTBEAT 16
#define S_CLAIM_POSITION 24
#define S_CLAIM_SIZE 32
#define ROLE_READER 1
#define ROLE_WRITER 2
/* Section 4: records. */
#define RECORD_HEADER 8
#define TAG_DATA 0x4D534701
#define TAG_PADDING 0x4D534702
#define TAG_SKIP 0x4D534703 /* an aborted multi-producer claim */
#define RELEASED (INT64_C(1) << 22) /* a slot owner that is no process: see writer_close */
#define MIN_CAPACITY 1024
#define MAX_CAPACITY (INT64_C(1) << 40)
#define MAX_SLOTS 1024
#define MAX_POSITION (INT64_C(1) << 62)
/* Section 11: broadcast records carry their sequence (position + 1); reader blocks. */
#define BC_HEADER 16
#define BC_SEQUENCE 8
#define B_STATE 12
#define B_CURSOR 24
#define B_DROPPED_AT 32
#define B_DROPPED_TAIL 40
#define STATE_FREE 0
#define STATE_ACTIVE 1
#define STATE_DROPPED 2
#define POLICY_BLOCK 0
#define POLICY_DROP_AFTER 1
#define MAX_DROP_AFTER_NS INT64_C(86400000000000)
#define MAX_READERS 1024

struct sysvipc_channel {
    int id;
    key_t key;
    uint8_t *base;
    uint8_t *ring;
    int64_t capacity;
    int64_t mask;
    int32_t max_message;
    int mode;
    int slots;
    int readers;           /* broadcast reader blocks; 1 otherwise */
    int64_t drop_after_ns; /* broadcast policy 1; 0 blocks */
    atomic_int references; /* the channel plus each open reader and writer */
};

struct wait_strategy {
    int spins, yields, slice_ms;
};

struct sysvipc_writer {
    sysvipc_channel *ch;
    uint8_t *slot;
    bool multi;
    bool broadcast;
    int64_t tail;       /* single producer and broadcast: the next position to write */
    int64_t head_cache; /* single producer: the last head read; broadcast: the gate as last published */
    uint8_t *claim;     /* the record of an open claim, NULL when none */
    int32_t claim_frame;
    int64_t claim_size;
    struct wait_strategy wait;
};

struct sysvipc_reader {
    sysvipc_channel *ch;
    uint8_t *slot;      /* broadcast: this reader's block (owner and heartbeat where a slot has them) */
    bool zero_consumed;
    bool broadcast;
    bool may_be_dropped; /* broadcast with the drop-after policy: look for having been overtaken at each step */
    int64_t position;
    int64_t published;  /* broadcast: the cursor as last stored */
    int64_t safe_from;  /* broadcast: below it (catching up from the oldest) the writer may overwrite */
    int64_t drop[3];    /* broadcast, after a loss: position, writer position, resumed at; drop[0] < 0: none */
    int64_t peeked_size;
    int64_t publish_threshold;
    struct wait_strategy wait;
};

static const struct wait_strategy s_default_wait = { 2000, 50, 100 };

static int64_t align_up(int64_t v, int64_t a) { return (v + a - 1) & ~(a - 1); }
static int64_t ring_offset_for(int slots) { return align_up(O_SLOTS + (int64_t)SLOT_SIZE * (slots + 1), 4096); }
static int64_t record_size(int64_t payload) { return align_up(RECORD_HEADER + payload, 8); }
static uint8_t *slot_at(const sysvipc_channel *ch, int i) { return ch->base + O_SLOTS + (int64_t)SLOT_SIZE * i; }
static bool valid_position(int64_t p) { return p >= 0 && p < MAX_POSITION && (p & 7) == 0; }
static int64_t bc_ring_offset_for(int readers) { return align_up(O_READER_BLOCKS + (int64_t)SLOT_SIZE * readers, 4096); }
static int64_t bc_record_size(int64_t payload) { return align_up(BC_HEADER + payload, 16); }
static uint8_t *block_at(const sysvipc_channel *ch, int i) { return ch->base + O_READER_BLOCKS + (int64_t)SLOT_SIZE * i; }
static bool is_broadcast(const sysvipc_channel *ch) { return ch->mode == SYSVIPC_BROADCAST; }
/* The bytes a payload of n occupies in this channel's records. */
static int64_t record_size_of(const sysvipc_channel *ch, int64_t n) { return is_broadcast(ch) ? bc_record_size(n) : record_size(n); }

static int corrupt(const sysvipc_channel *ch, const char *what, int64_t a, int64_t b)
{
    return sysvipc_fail(-EBADMSG, "the channel in shared memory segment id %d (key 0x%08x) is corrupted: %s (%lld, %lld); remove it ('ipcrm -m %d') and create it anew",
                        ch->id, (unsigned)ch->key, what, (long long)a, (long long)b, ch->id);
}

static void release(sysvipc_channel *ch)
{
    if (atomic_fetch_sub(&ch->references, 1) == 1) {
        shmdt(ch->base);
        free(ch);
    }
}

/* ---- opening (section 2) ---- */

static int validate_header(sysvipc_channel *ch, int64_t segment_size)
{
    const uint8_t *h = ch->base;
    int32_t version = *(const int32_t *)(h + F_VERSION);
    if (version != VERSION && version != BROADCAST_VERSION)
        return sysvipc_fail(-EPROTO, "the channel in segment id %d has format version %d; this library reads versions %d and %d", ch->id, version, VERSION, BROADCAST_VERSION);
    int64_t capacity = *(const int64_t *)(h + F_CAPACITY);
    int32_t slots = *(const int32_t *)(h + F_SLOTS);
    int32_t mode = *(const int32_t *)(h + F_MODE);
    int32_t max_message = *(const int32_t *)(h + F_MAX_MESSAGE);
    int64_t ring_offset = *(const int32_t *)(h + F_RING_OFFSET);
    int32_t readers = 1;
    int64_t drop_after = 0;
    if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || (capacity & (capacity - 1)) != 0)
        return corrupt(ch, "its header gives a ring capacity that is not a power of two from 1 KiB to 1 TiB", capacity, 0);
    if (version == BROADCAST_VERSION ? mode != SYSVIPC_BROADCAST : mode != SYSVIPC_SINGLE_PRODUCER && mode != SYSVIPC_MULTI_PRODUCER)
        return corrupt(ch, "its header gives a mode its format version does not have (version 2: single- (1) and multi-producer (2); version 3: broadcast (3)) (mode, version)", mode, version);
    if (slots < 1 || slots > MAX_SLOTS || (mode != SYSVIPC_MULTI_PRODUCER && slots != 1))
        return corrupt(ch, "its header gives an impossible number of producer slots (slots, mode)", slots, mode);
    if (mode == SYSVIPC_BROADCAST) {
        readers = *(const int32_t *)(h + F_READER_SLOTS);
        int32_t policy = *(const int32_t *)(h + F_POLICY);
        drop_after = *(const int64_t *)(h + F_DROP_AFTER);
        if (readers < 1 || readers > MAX_READERS)
            return corrupt(ch, "its header gives a number of reader slots that is not 1 to 1024", readers, 0);
        if (policy == POLICY_BLOCK ? drop_after != 0 : policy != POLICY_DROP_AFTER || drop_after < 1 || drop_after > MAX_DROP_AFTER_NS)
            return corrupt(ch, "its header gives an impossible slow-reader policy (policy 0 blocks with time 0; policy 1 drops after 1 ns to one day) (policy, ns)", policy, drop_after);
    }
    int64_t expected_ring = mode == SYSVIPC_BROADCAST ? bc_ring_offset_for(readers) : ring_offset_for(slots);
    if (ring_offset != expected_ring || ring_offset + capacity > segment_size)
        return corrupt(ch, "its header places the ring where it does not fit the segment (ring offset, segment size)", ring_offset, segment_size);
    if (max_message < 0 || (mode == SYSVIPC_BROADCAST ? bc_record_size(max_message) : record_size(max_message)) > capacity / 2)
        return corrupt(ch, "its header gives a maximum message size more than half the ring can hold (max, capacity)", max_message, capacity);
    int32_t completed_flag = *(const int32_t *)(h + F_COMPLETED);
    int64_t epoch = *(const int64_t *)(h + F_EPOCH);
    int32_t creator = *(const int32_t *)(h + F_CREATOR);
    if (completed_flag != 0 && completed_flag != 1)
        return corrupt(ch, "its completed flag is neither 0 nor 1", completed_flag, 0);
    if (epoch < 0 || epoch > INT64_C(253402300799999) || creator < 1 || creator >= (1 << 22))
        return corrupt(ch, "its creation time or creator pid is impossible (time, pid)", epoch, creator);
    ch->capacity = capacity;
    ch->mask = capacity - 1;
    ch->max_message = max_message;
    ch->mode = mode;
    ch->slots = slots;
    ch->readers = readers;
    ch->drop_after_ns = drop_after;
    ch->ring = ch->base + ring_offset;
    return 0;
}

static int attach(int id, key_t key, sysvipc_channel **out)
{
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) != 0)
        return sysvipc_fail(sysvipc_from_errno(errno), "shmctl(IPC_STAT) of segment id %d: %s", id, strerror(errno));
    int64_t size = (int64_t)ds.shm_segsz;
    int64_t minimum = ring_offset_for(1) + MIN_CAPACITY;
    if (size < minimum)
        return sysvipc_fail(-EBADMSG, "the shared memory segment id %d is %lld bytes, too small to hold a channel (at least %lld): it is not a channel", id, (long long)size, (long long)minimum);
    void *base = shmat(id, NULL, 0);
    if (base == (void *)-1)
        return sysvipc_fail(sysvipc_from_errno(errno), "shmat of segment id %d: %s", id, strerror(errno));
    sysvipc_channel *ch = calloc(1, sizeof *ch);
    if (ch == NULL) {
        shmdt(base);
        return -ENOMEM;
    }
    ch->id = id;
    ch->key = key;
    ch->base = base;
    atomic_init(&ch->references, 1);
    int64_t magic = 0;
    for (int waited = 0; (magic = LOAD_ACQ(A64(ch->base + F_MAGIC))) == 0 && waited < 2000; waited++)
        sysvipc_sleep_ms(1);
    int rc = 0;
    if (magic == 0)
        rc = sysvipc_fail(-ENODATA, "the shared memory segment id %d holds no channel header after 2 s: its creator died while creating it, or it is a plain segment. Remove it ('ipcrm -m %d') and create the channel again", id, id);
    else if (magic != MAGIC)
        rc = sysvipc_fail(-EBADMSG, "the shared memory segment id %d does not start with a channel header (magic 0x%016llx, expected 0x%016llx)", id, (unsigned long long)magic, (unsigned long long)MAGIC);
    else
        rc = validate_header(ch, size);
    if (rc != 0) {
        shmdt(base);
        free(ch);
        return rc;
    }
    sysvipc_fence_init();
    *out = ch;
    return 0;
}

int sysvipc_channel_create(key_t key, size_t capacity, const sysvipc_channel_options *opts, sysvipc_channel **out)
{
    if (out == NULL)
        return -EINVAL;
    sysvipc_channel_options o = { 0 };
    if (opts != NULL)
        o = *opts;
    if (capacity < MIN_CAPACITY || capacity > (size_t)MAX_CAPACITY || (capacity & (capacity - 1)) != 0)
        return sysvipc_fail(-EINVAL, "a channel's capacity must be a power of two from 1024 bytes to 1 TiB, not %zu", capacity);
    int mode = o.mode == 0 ? SYSVIPC_SINGLE_PRODUCER : o.mode;
    if (mode != SYSVIPC_SINGLE_PRODUCER && mode != SYSVIPC_MULTI_PRODUCER && mode != SYSVIPC_BROADCAST)
        return sysvipc_fail(-EINVAL, "mode must be SYSVIPC_SINGLE_PRODUCER, SYSVIPC_MULTI_PRODUCER or SYSVIPC_BROADCAST, not %d", o.mode);
    bool broadcast = mode == SYSVIPC_BROADCAST;
    int64_t largest = (int64_t)capacity / 2 - (broadcast ? BC_HEADER : RECORD_HEADER);
    if (largest > INT32_MAX - (broadcast ? 31 : 15))
        largest = INT32_MAX - (broadcast ? 31 : 15);
    if (o.max_message > (size_t)largest)
        return sysvipc_fail(-EINVAL, "max_message must be 0 (the largest possible) to %lld bytes for a capacity of %zu bytes", (long long)largest, capacity);
    int slots = mode != SYSVIPC_MULTI_PRODUCER ? 1 : (o.max_producers == 0 ? 16 : o.max_producers);
    if (slots < 1 || slots > MAX_SLOTS)
        return sysvipc_fail(-EINVAL, "max_producers must be 1 to %d, not %d", MAX_SLOTS, o.max_producers);
    int readers = broadcast ? (o.max_readers == 0 ? 16 : o.max_readers) : 1;
    if (readers < 1 || readers > MAX_READERS)
        return sysvipc_fail(-EINVAL, "max_readers must be 1 to %d, not %d", MAX_READERS, o.max_readers);
    if (o.drop_after_ns < 0 || o.drop_after_ns > MAX_DROP_AFTER_NS || (!broadcast && o.drop_after_ns != 0))
        return sysvipc_fail(-EINVAL, "drop_after_ns must be 0 (block) or 1 ns to one day (86400000000000), and only for a broadcast channel, not %lld", (long long)o.drop_after_ns);
    int perms = o.permissions == 0 ? 0600 : o.permissions;
    if ((perms & ~0777) != 0)
        return sysvipc_fail(-EINVAL, "permissions must be 0 to 0777, not 0%o", (unsigned)perms);
    int32_t max_message = o.max_message == 0 ? (int32_t)largest : (int32_t)o.max_message;
    int64_t ring_offset = broadcast ? bc_ring_offset_for(readers) : ring_offset_for(slots);
    int id = shmget(key, (size_t)(ring_offset + (int64_t)capacity), IPC_CREAT | IPC_EXCL | perms);
    if (id < 0)
        return sysvipc_fail(sysvipc_from_errno(errno), "shmget(key 0x%08x, %lld bytes, IPC_CREAT | IPC_EXCL): %s", (unsigned)key, (long long)(ring_offset + (int64_t)capacity), strerror(errno));
    uint8_t *base = shmat(id, NULL, 0);
    if (base == (void *)-1) {
        int rc = sysvipc_fail(sysvipc_from_errno(errno), "shmat of the new segment id %d: %s", id, strerror(errno));
        shmctl(id, IPC_RMID, NULL);
        return rc;
    }
    *(int32_t *)(base + F_VERSION) = broadcast ? BROADCAST_VERSION : VERSION;
    if (broadcast) {
        *(int32_t *)(base + F_READER_SLOTS) = readers;
        *(int32_t *)(base + F_POLICY) = o.drop_after_ns > 0 ? POLICY_DROP_AFTER : POLICY_BLOCK;
        *(int64_t *)(base + F_DROP_AFTER) = o.drop_after_ns;
    }
    *(int32_t *)(base + F_RING_OFFSET) = (int32_t)ring_offset;
    *(int64_t *)(base + F_CAPACITY) = (int64_t)capacity;
    *(int32_t *)(base + F_MAX_MESSAGE) = max_message;
    *(int32_t *)(base + F_MODE) = mode;
    *(int32_t *)(base + F_SLOTS) = slots;
    *(int64_t *)(base + F_EPOCH) = sysvipc_unix_ms();
    *(int32_t *)(base + F_CREATOR) = getpid();
    STORE_REL(A64(base + F_MAGIC), MAGIC); /* last: an opener that sees it sees the whole header */
    shmdt(base);
    int rc = attach(id, key, out);
    if (rc != 0)
        shmctl(id, IPC_RMID, NULL);
    return rc;
}

int sysvipc_channel_open(key_t key, sysvipc_channel **out)
{
    if (out == NULL)
        return -EINVAL;
    int id = shmget(key, 0, 0);
    if (id < 0)
        return sysvipc_fail(sysvipc_from_errno(errno), "shmget(key 0x%08x): %s", (unsigned)key, strerror(errno));
    return attach(id, key, out);
}

int sysvipc_channel_open_id(int id, sysvipc_channel **out)
{
    if (out == NULL)
        return -EINVAL;
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) != 0) {
        int e = errno == EINVAL ? ENOENT : errno;
        return sysvipc_fail(sysvipc_from_errno(e), "no shared memory segment has id %d (%s)", id, strerror(errno));
    }
    return attach(id, ds.shm_perm.__key, out);
}

int sysvipc_channel_close(sysvipc_channel *ch)
{
    if (ch == NULL)
        return -EINVAL;
    release(ch);
    return 0;
}

int sysvipc_channel_remove(sysvipc_channel *ch)
{
    if (ch == NULL)
        return -EINVAL;
    if (shmctl(ch->id, IPC_RMID, NULL) != 0)
        return sysvipc_fail(sysvipc_from_errno(errno), "shmctl(IPC_RMID) of segment id %d: %s", ch->id, strerror(errno));
    return 0;
}

int sysvipc_channel_id(const sysvipc_channel *ch) { return ch->id; }
size_t sysvipc_channel_capacity(const sysvipc_channel *ch) { return (size_t)ch->capacity; }
size_t sysvipc_channel_max_message(const sysvipc_channel *ch) { return (size_t)ch->max_message; }
int sysvipc_channel_mode(const sysvipc_channel *ch) { return ch->mode; }
int sysvipc_channel_is_completed(const sysvipc_channel *ch) { return LOAD_ACQ(A32(ch->base + F_COMPLETED)) != 0; }
int sysvipc_channel_max_readers(const sysvipc_channel *ch) { return ch->readers; }
int64_t sysvipc_channel_drop_after_ns(const sysvipc_channel *ch) { return ch->drop_after_ns; }

static bool completed(const sysvipc_channel *ch) { return LOAD_ACQ(A32(ch->base + F_COMPLETED)) != 0; }

static void heartbeat(uint8_t *slot) { STORE_RLX(A64(slot + S_HEARTBEAT), sysvipc_monotonic_ms()); }

/* Zeroes ring bytes between two positions (at most one capacity apart), wrapping at the end. */
static void zero_ring(const sysvipc_channel *ch, int64_t from, int64_t to)
{
    int64_t length = to - from;
    if (length <= 0)
        return;
    int64_t start = from & ch->mask;
    int64_t first = length < ch->capacity - start ? length : ch->capacity - start;
    memset(ch->ring + start, 0, (size_t)first);
    if (length > first)
        memset(ch->ring, 0, (size_t)(length - first));
}

/* The head as a writer at `tail` must see it (section 4.1/4.2). 1: a multi-producer tail is stale. */
static int read_head(const sysvipc_channel *ch, int64_t tail, int64_t *head_out)
{
    int64_t head = LOAD_ACQ(A64(ch->base + O_HEAD));
    if (head > tail && ch->mode == SYSVIPC_MULTI_PRODUCER && head <= LOAD_ACQ(A64(ch->base + O_TAIL)))
        return 1;
    if (head < 0 || head > tail || (head & 7) != 0 || tail - head > ch->capacity)
        return corrupt(ch, "the consumer's head position is impossible with the tail (head, tail)", head, tail);
    *head_out = head;
    return 0;
}

static int read_tail(const sysvipc_channel *ch, int64_t head, int64_t *tail_out)
{
    int64_t tail = LOAD_ACQ(A64(ch->base + O_TAIL));
    if (!valid_position(tail) || tail - head > ch->capacity || head - tail > ch->capacity)
        return corrupt(ch, "the producers' tail position is impossible with the head (tail, head)", tail, head);
    *tail_out = tail;
    return 0;
}

static void wake_word(sysvipc_channel *ch, int offset) { sysvipc_futex_wake_all(ch->base + offset); }

/* The waker after a publish (section 7): the light side. */
static void wake_writers(sysvipc_channel *ch)
{
    sysvipc_fence_light();
    if (LOAD_RLX(A32(ch->base + O_WRITERS_SLEEPING)) != 0)
        wake_word(ch, O_SPACE_SEQ);
}

static void wake_reader(sysvipc_channel *ch)
{
    sysvipc_fence_light();
    if (LOAD_RLX(A32(ch->base + O_READER_SLEEPING)) != 0 && atomic_exchange(A32(ch->base + O_READER_SLEEPING), 0) != 0)
        wake_word(ch, O_DATA_SEQ);
}

/* ---- writers (sections 3, 4.1, 4.2, 7) ---- */

static bool claim_passed(const sysvipc_channel *ch, const uint8_t *slot)
{
    int64_t start = LOAD_ACQ(A64((uint8_t *)slot + S_CLAIM_POSITION));
    int64_t size = LOAD_ACQ(A64((uint8_t *)slot + S_CLAIM_SIZE));
    int64_t end;
    /* Both come from shared memory: a sum that overflows is no claim at all (read as passed, which is what
     * the wrapped arithmetic gave, without the undefined behaviour). */
    if (__builtin_add_overflow(start, size, &end))
        return true;
    return end <= LOAD_ACQ(A64(ch->base + O_HEAD));
}

static int writer_resume(sysvipc_writer *w, bool took_over)
{
    sysvipc_channel *ch = w->ch;
    int64_t head = LOAD_ACQ(A64(ch->base + O_HEAD)), tail;
    if (!valid_position(head))
        return corrupt(ch, "the consumer head is not a valid ring position", head, 0);
    int rc = read_tail(ch, head, &tail);
    if (rc != 0)
        return rc;
    w->tail = tail > head ? tail : head;
    {
        for (int i = 0; i < 2 && w->tail - head < ch->capacity; i++) {
            int64_t index = w->tail & ch->mask;
            int32_t frame = LOAD_ACQ(A32(ch->ring + index));
            if (frame <= 0)
                break;
            int64_t size = ((int64_t)frame + 7) & ~INT64_C(7);
            if (size > ch->capacity - index || w->tail + size - head > ch->capacity)
                return corrupt(ch, "the record after the tail has an impossible length (tail, length)", w->tail, frame);
            w->tail += size;
        }
        if (took_over)
            zero_ring(ch, w->tail, head + ch->capacity);
    }
    w->head_cache = head;
    STORE_REL(A64(ch->base + O_TAIL), w->tail);
    return 0;
}

/* The data record of a claim at `record` (every mode): its tag, and the claim the commit finishes. */
static void open_claim(sysvipc_writer *w, uint8_t *record, int32_t header, int64_t length, int64_t size, void **payload)
{
    *(int32_t *)(record + 4) = TAG_DATA;
    w->claim = record;
    w->claim_frame = (int32_t)(header + length);
    w->claim_size = size;
    *payload = record + header;
}

/* ---- the broadcast writer (section 11.4) ---- */

/* The room test of a broadcast claim: the header after the record stays free (the commit clears it). The
 * position below which readers hold the writer back is `tail + needed + 16 - capacity`. */
static int64_t bc_blocking_below(const sysvipc_writer *w, int64_t size)
{
    const sysvipc_channel *ch = w->ch;
    int64_t room = ch->capacity - (w->tail & ch->mask);
    int64_t needed = size <= room ? size : room + size;
    return w->tail + needed + BC_HEADER - ch->capacity;
}

/* The gate: the smallest cursor of the active readers (the tail when none), never moving back; published
 * and fenced before anything below it is overwritten, which is what lets a reader see it was overtaken. */
static int bc_refresh(sysvipc_writer *w)
{
    sysvipc_channel *ch = w->ch;
    atomic_thread_fence(memory_order_seq_cst); /* pairs with a joining reader's fence */
    int64_t gate = w->tail;
    for (int i = 0; i < ch->readers; i++) {
        uint8_t *block = block_at(ch, i);
        if (LOAD_ACQ(A64(block + S_OWNER)) == 0 || LOAD_ACQ(A32(block + B_STATE)) != STATE_ACTIVE)
            continue;
        int64_t cursor = LOAD_ACQ(A64(block + B_CURSOR));
        if (cursor < 0 || cursor > w->tail || (cursor & 15) != 0)
            return corrupt(ch, "a broadcast reader's cursor is not a position of a record the writer wrote (cursor, tail)", cursor, w->tail);
        if (cursor < gate)
            gate = cursor;
    }
    if (gate > w->head_cache) {
        w->head_cache = gate;
        STORE_REL(A64(ch->base + O_GATE), gate);
        atomic_thread_fence(memory_order_seq_cst);
    }
    return 0;
}

/* Takes up where the previous writer stopped: from the shared tail, past records a dead writer committed
 * without storing the tail (their sequence says so), and from the published gate. */
static int bc_resume(sysvipc_writer *w)
{
    sysvipc_channel *ch = w->ch;
    int64_t tail = LOAD_ACQ(A64(ch->base + O_TAIL));
    int64_t gate = LOAD_ACQ(A64(ch->base + O_GATE));
    if (tail < 0 || (tail & 15) != 0 || tail > MAX_POSITION || gate < 0 || (gate & 15) != 0 || gate > tail || tail - gate > ch->capacity)
        return corrupt(ch, "its tail and gate are not positions a broadcast writer leaves (tail, gate)", tail, gate);
    for (int i = 0; i < 2; i++) {
        int64_t index = tail & ch->mask;
        uint8_t *record = ch->ring + index;
        if (LOAD_ACQ(A64(record + BC_SEQUENCE)) != tail + 1)
            break;
        int64_t size = align_up(*(volatile int32_t *)record, 16);
        if (size < BC_HEADER || size > ch->capacity - index || tail + size - gate > ch->capacity)
            return corrupt(ch, "the record after the tail has an impossible length (tail, length)", tail, size);
        tail += size;
    }
    w->tail = tail;
    w->head_cache = gate;
    STORE_REL(A64(ch->base + O_TAIL), tail);
    return bc_refresh(w);
}

/* A dead reader never holds the writer back: frees the blocks of dead readers below `below`. 1 if one was freed. */
static int bc_reap_dead_readers(sysvipc_writer *w, int64_t below)
{
    sysvipc_channel *ch = w->ch;
    int reaped = 0;
    for (int i = 0; i < ch->readers; i++) {
        uint8_t *block = block_at(ch, i);
        int64_t owner = LOAD_ACQ(A64(block + S_OWNER));
        if (owner == 0 || LOAD_ACQ(A32(block + B_STATE)) != STATE_ACTIVE || LOAD_ACQ(A64(block + B_CURSOR)) >= below
            || sysvipc_identity_alive(owner))
            continue;
        reaped |= atomic_compare_exchange_strong(A64(block + S_OWNER), &owner, 0); /* only the owner: a new reader sets its own state */
    }
    return reaped;
}

/* The drop-after policy: every active reader below `below` loses its place (its cursor and the tail are
 * recorded for it first; the state CAS is a full fence before anything it had not read is overwritten). */
static int bc_drop_readers(sysvipc_writer *w, int64_t below)
{
    sysvipc_channel *ch = w->ch;
    int dropped = 0;
    for (int i = 0; i < ch->readers; i++) {
        uint8_t *block = block_at(ch, i);
        if (LOAD_ACQ(A64(block + S_OWNER)) == 0 || LOAD_ACQ(A32(block + B_STATE)) != STATE_ACTIVE)
            continue;
        int64_t cursor = LOAD_ACQ(A64(block + B_CURSOR));
        if (cursor >= below)
            continue;
        STORE_REL(A64(block + B_DROPPED_AT), cursor);
        STORE_REL(A64(block + B_DROPPED_TAIL), w->tail);
        int32_t active = STATE_ACTIVE;
        dropped += atomic_compare_exchange_strong(A32(block + B_STATE), &active, STATE_DROPPED);
    }
    if (dropped > 0 && atomic_exchange(A32(ch->base + O_READER_SLEEPING), 0) != 0)
        wake_word(ch, O_DATA_SEQ); /* a dropped reader asleep learns it at once */
    return dropped;
}

static int claim_broadcast(sysvipc_writer *w, int64_t length, int64_t size, void **payload)
{
    sysvipc_channel *ch = w->ch;
    int64_t tail = w->tail;
    int64_t index = tail & ch->mask;
    int64_t room = ch->capacity - index;
    int64_t needed = size <= room ? size : room + size;
    if (tail + needed + BC_HEADER - w->head_cache > ch->capacity) {
        int rc = bc_refresh(w);
        if (rc != 0)
            return rc;
        if (tail + needed + BC_HEADER - w->head_cache > ch->capacity)
            return -EAGAIN;
    }
    if (size > room) {
        uint8_t *padding = ch->ring + index;
        *(int32_t *)padding = (int32_t)room;
        *(int32_t *)(padding + 4) = TAG_PADDING;
        STORE_RLX(A64(ch->ring + BC_SEQUENCE), 0); /* the header readers look at after the padding */
        STORE_REL(A64(padding + BC_SEQUENCE), tail + 1);
        w->tail = tail += room;
        index = 0;
    }
    open_claim(w, ch->ring + index, BC_HEADER, length, size, payload);
    return 0;
}

int sysvipc_writer_open(sysvipc_channel *ch, sysvipc_writer **out)
{
    if (ch == NULL || out == NULL)
        return -EINVAL;
    sysvipc_writer *w = calloc(1, sizeof *w);
    if (w == NULL)
        return -ENOMEM;
    w->ch = ch;
    w->multi = ch->mode == SYSVIPC_MULTI_PRODUCER;
    w->broadcast = is_broadcast(ch);
    w->wait = s_default_wait;
    int64_t me = sysvipc_own_identity();
    int live = 0, last_live_pid = 0;
    for (int i = 1; i <= ch->slots; i++) {
        uint8_t *slot = slot_at(ch, i);
        int64_t current = LOAD_ACQ(A64(slot + S_OWNER));
        if (current != 0) {
            if (sysvipc_identity_alive(current)) {
                live++;
                last_live_pid = sysvipc_identity_pid(current);
                continue;
            }
            if (w->multi && !claim_passed(ch, slot))
                continue; /* the reader still needs this dead writer's claim to skip it */
        }
        if (!atomic_compare_exchange_strong(A64(slot + S_OWNER), &current, me)) {
            i--; /* changed under us: look at this slot again */
            continue;
        }
        int32_t one = 1;
        if (atomic_compare_exchange_strong(A32(slot + S_SLEEPING), &one, 0))
            atomic_fetch_sub(A32(ch->base + O_WRITERS_SLEEPING), 1); /* the dead writer was counted as asleep */
        *(int32_t *)(slot + S_ROLE) = ROLE_WRITER;
        heartbeat(slot);
        w->slot = slot;
        if (!w->multi) {
            int rc = w->broadcast ? bc_resume(w) : writer_resume(w, current != 0);
            if (rc != 0) {
                int64_t mine = me;
                atomic_compare_exchange_strong(A64(slot + S_OWNER), &mine, 0);
                free(w);
                return rc;
            }
        }
        atomic_fetch_add(&ch->references, 1);
        *out = w;
        return 0;
    }
    bool multi = w->multi;
    free(w);
    if (multi)
        return sysvipc_fail(-EBUSY, "all %d writer places of the channel in segment id %d are taken (%d live writers, e.g. pid %d; a dead writer's place is freed once the reader has passed its last claim)", ch->slots, ch->id, live, last_live_pid);
    if (is_broadcast(ch))
        return sysvipc_fail(-EBUSY, "the broadcast channel in segment id %d already has a writer (pid %d); a broadcast channel has one", ch->id, last_live_pid);
    return sysvipc_fail(-EBUSY, "the single-producer channel in segment id %d already has a writer (pid %d); close it first, or create the channel multi-producer", ch->id, last_live_pid);
}

static int claim_single(sysvipc_writer *w, int64_t length, int64_t size, void **payload)
{
    sysvipc_channel *ch = w->ch;
    int64_t tail = w->tail;
    int64_t index = tail & ch->mask;
    int64_t room = ch->capacity - index;
    int64_t needed = size <= room ? size : room + size;
    /* Strictly less than the capacity: the header after the new tail stays free (section 4.1). */
    if (tail + needed - w->head_cache >= ch->capacity) {
        int rc = read_head(ch, tail, &w->head_cache);
        if (rc != 0)
            return rc;
        if (tail + needed - w->head_cache >= ch->capacity)
            return -EAGAIN;
    }
    if (size > room) {
        uint8_t *padding = ch->ring + index;
        *(int32_t *)(padding + 4) = TAG_PADDING;
        *(int64_t *)ch->ring = 0;
        STORE_REL(A32(padding), (int32_t)room);
        w->tail = tail += room;
        index = 0;
    }
    open_claim(w, ch->ring + index, RECORD_HEADER, length, size, payload);
    return 0;
}

static int claim_shared(sysvipc_writer *w, int64_t length, int64_t size, void **payload)
{
    sysvipc_channel *ch = w->ch;
    for (;;) {
        int64_t tail = LOAD_ACQ(A64(ch->base + O_TAIL));
        if (!valid_position(tail))
            return corrupt(ch, "the producers' tail position is not a valid ring position", tail, 0);
        int64_t head = LOAD_ACQ(A64(ch->base + O_CACHED_HEAD));
        int64_t index = tail & ch->mask;
        int64_t room = ch->capacity - index;
        int64_t needed = size <= room ? size : room + size;
        /* The cached head comes from shared memory: an invalid one is refreshed by read_head (which
         * validates it) instead of entering the arithmetic, where it could overflow. */
        if (!valid_position(head) || head > tail || tail - head > ch->capacity - needed) {
            int rc = read_head(ch, tail, &head);
            if (rc == 1)
                continue; /* another writer moved the tail, and the reader followed */
            if (rc != 0)
                return rc;
            if (head > LOAD_ACQ(A64(ch->base + O_CACHED_HEAD)))
                STORE_REL(A64(ch->base + O_CACHED_HEAD), head);
            if (tail + needed - head > ch->capacity)
                return -EAGAIN;
        }
        /* Say what we are about to claim before claiming it: the reader uses it to skip the claim if
         * this process dies before committing (section 8), and never while it lives. */
        STORE_REL(A64(w->slot + S_CLAIM_POSITION), tail);
        STORE_REL(A64(w->slot + S_CLAIM_SIZE), needed);
        int64_t expected = tail;
        if (!atomic_compare_exchange_strong(A64(ch->base + O_TAIL), &expected, tail + needed))
            continue;
        if (size > room) {
            uint8_t *padding = ch->ring + index;
            *(int32_t *)(padding + 4) = TAG_PADDING;
            STORE_REL(A32(padding), (int32_t)room);
            index = 0;
        }
        uint8_t *record = ch->ring + index;
        open_claim(w, record, RECORD_HEADER, length, size, payload);
        STORE_RLX(A32(record), (int32_t)-size); /* claimed, being written */
        return 0;
    }
}

int sysvipc_try_claim(sysvipc_writer *w, size_t len, void **span)
{
    if (w == NULL || span == NULL)
        return -EINVAL;
    if (w->claim != NULL)
        return -EINPROGRESS;
    if (len > (size_t)w->ch->max_message)
        return sysvipc_fail(-E2BIG, "a message of the channel in segment id %d must be 0 to %d bytes, not %zu; nothing was written", w->ch->id, w->ch->max_message, len);
    if (completed(w->ch))
        return sysvipc_fail(-ESHUTDOWN, "the channel in segment id %d was completed: nothing more can be written to it", w->ch->id);
    int64_t size = record_size_of(w->ch, (int64_t)len);
    return w->multi ? claim_shared(w, (int64_t)len, size, span)
        : w->broadcast ? claim_broadcast(w, (int64_t)len, size, span) : claim_single(w, (int64_t)len, size, span);
}

int sysvipc_commit(sysvipc_writer *w)
{
    if (w == NULL || w->claim == NULL)
        return sysvipc_fail(-EINVAL, "no claim is open: call sysvipc_try_claim first");
    sysvipc_channel *ch = w->ch;
    if (w->broadcast) {
        /* Clear the sequence after this record, then commit by storing this one's (section 11.4). */
        STORE_RLX(A64(ch->ring + ((w->claim - ch->ring + w->claim_size) & ch->mask) + BC_SEQUENCE), 0);
        *(int32_t *)w->claim = w->claim_frame;
        STORE_REL(A64(w->claim + BC_SEQUENCE), w->tail + 1);
        w->tail += w->claim_size;
        STORE_REL(A64(ch->base + O_TAIL), w->tail);
    } else if (!w->multi) {
        /* Clear the header after this record, then commit (section 4.1). */
        *(int64_t *)(ch->ring + ((w->claim - ch->ring + w->claim_size) & ch->mask)) = 0;
        STORE_REL(A32(w->claim), w->claim_frame);
        w->tail += w->claim_size;
        STORE_REL(A64(ch->base + O_TAIL), w->tail);
    } else {
        STORE_REL(A32(w->claim), w->claim_frame);
    }
    w->claim = NULL;
    wake_reader(ch);
    return 0;
}

int sysvipc_abort(sysvipc_writer *w)
{
    if (w == NULL || w->claim == NULL)
        return sysvipc_fail(-EINVAL, "no claim is open: call sysvipc_try_claim first");
    sysvipc_channel *ch = w->ch;
    if (w->multi) {
        *(int32_t *)(w->claim + 4) = TAG_SKIP;
        STORE_REL(A32(w->claim), (int32_t)w->claim_size);
        w->claim = NULL;
        wake_reader(ch);
        return 0;
    }
    /* Broadcast: the sequence was never stored, so only the payload is cleared (section 11.4). */
    int64_t keep = w->broadcast ? BC_HEADER : 0;
    memset(w->claim + keep, 0, (size_t)(w->claim_size - keep));
    w->claim = NULL;
    STORE_REL(A64(ch->base + O_TAIL), w->tail);
    return 0;
}

/* 1 when a record of `size` bytes fits now, 0 when not, < 0 on corruption. */
static int has_room(sysvipc_writer *w, int64_t size)
{
    sysvipc_channel *ch = w->ch;
    if (w->broadcast) {
        int rc = bc_refresh(w);
        return rc != 0 ? rc : bc_blocking_below(w, size) <= w->head_cache;
    }
    int64_t tail, head;
    for (;;) {
        tail = w->multi ? LOAD_ACQ(A64(ch->base + O_TAIL)) : w->tail;
        if (!valid_position(tail))
            return corrupt(ch, "the producers' tail position is not a valid ring position", tail, 0);
        int rc = read_head(ch, tail, &head);
        if (rc == 0)
            break;
        if (rc < 0)
            return rc;
    }
    int64_t room = ch->capacity - (tail & ch->mask);
    int64_t needed = size <= room ? size : room + size;
    if (!w->multi) {
        w->head_cache = head;
        return tail + needed - head < ch->capacity;
    }
    return tail + needed - head <= ch->capacity;
}

static int64_t deadline_of(int timeout_ms)
{
    return timeout_ms < 0 ? INT64_MAX : sysvipc_monotonic_ns() + (int64_t)timeout_ms * 1000000;
}

/* The next sleep: one slice or what is left (0: the deadline has passed). */
static int64_t sleep_for(const struct wait_strategy *s, int64_t deadline)
{
    int64_t slice = (int64_t)s->slice_ms * 1000000;
    if (deadline == INT64_MAX)
        return slice;
    int64_t left = deadline - sysvipc_monotonic_ns();
    return left <= 0 ? 0 : (left < slice ? left : slice);
}

/* Spin, then yield; true when both stages are used up. */
static bool spin_once(const struct wait_strategy *s, int64_t *checks)
{
    int64_t c = (*checks)++;
    if (c < s->spins) {
        sysvipc_cpu_relax();
        return false;
    }
    if (c - s->spins < s->yields) {
        sched_yield();
        return false;
    }
    return true;
}

static int writer_sleep(sysvipc_writer *w, int64_t size, int64_t sleep_ns, bool check_reader)
{
    sysvipc_channel *ch = w->ch;
    int32_t sequence = LOAD_ACQ(A32(ch->base + O_SPACE_SEQ));
    STORE_REL(A32(w->slot + S_SLEEPING), 1);
    atomic_fetch_add(A32(ch->base + O_WRITERS_SLEEPING), 1);
    sysvipc_fence_heavy();
    int rc = has_room(w, size);
    if (rc == 0 && !completed(ch)) {
        /* A broadcast writer has no one reader to find dead: it frees dead readers' blocks, each sleep. */
        int64_t reader = check_reader && !w->broadcast ? LOAD_ACQ(A64(slot_at(ch, 0) + S_OWNER)) : 0;
        if (check_reader || w->broadcast)
            heartbeat(w->slot);
        if (w->broadcast && bc_reap_dead_readers(w, bc_blocking_below(w, size)))
            rc = 1; /* look again at once */
        else if (reader != 0 && !sysvipc_identity_alive(reader))
            rc = sysvipc_fail(-EPIPE, "the reader of the channel in segment id %d (pid %d) died and the ring is full: nothing will make room until a new reader opens the channel (it resumes where the dead one stopped)", ch->id, sysvipc_identity_pid(reader));
        else
            sysvipc_futex_wait(ch->base + O_SPACE_SEQ, sequence, sleep_ns);
    }
    int32_t one = 1; /* exactly one of this sleeper and a closing or replacing writer decrements */
    if (atomic_compare_exchange_strong(A32(w->slot + S_SLEEPING), &one, 0))
        atomic_fetch_sub(A32(ch->base + O_WRITERS_SLEEPING), 1);
    return rc < 0 ? rc : 0;
}

static int wait_to_write(sysvipc_writer *w, size_t len, int64_t deadline)
{
    int64_t size = record_size_of(w->ch, (int64_t)len);
    int64_t checks = 0;
    int sleeps = 0;
    int64_t drop_at = w->ch->drop_after_ns > 0 ? sysvipc_monotonic_ns() + w->ch->drop_after_ns : INT64_MAX;
    for (;;) {
        int room = has_room(w, size);
        if (room < 0)
            return room;
        if (room > 0)
            return 0;
        /* The drop-after policy (section 11.4): once this wait has lasted the allowance, the readers
         * holding it back lose their place. */
        if (drop_at != INT64_MAX && sysvipc_monotonic_ns() >= drop_at && bc_drop_readers(w, bc_blocking_below(w, size)) > 0)
            continue;
        if (completed(w->ch))
            return sysvipc_fail(-ESHUTDOWN, "the channel in segment id %d was completed: nothing more can be written to it", w->ch->id);
        if (!spin_once(&w->wait, &checks)) {
            if ((checks & 255) == 0 && deadline != INT64_MAX && sysvipc_monotonic_ns() >= deadline)
                goto timed_out;
            continue;
        }
        int64_t sleep_ns = sleep_for(&w->wait, deadline);
        if (sleep_ns == 0)
            goto timed_out;
        if (drop_at != INT64_MAX) {
            int64_t until_drop = drop_at - sysvipc_monotonic_ns() + 1;
            sleep_ns = until_drop < 1 ? 1 : until_drop < sleep_ns ? until_drop : sleep_ns; /* a slow reader is dropped in time */
        }
        int rc = writer_sleep(w, size, sleep_ns, sleeps++ > 0);
        if (rc < 0)
            return rc;
    }
timed_out:
    return sysvipc_fail(-ETIMEDOUT, "the channel in segment id %d had no room for a %zu-byte message in time: its reader is not keeping up (or not reading)", w->ch->id, len);
}

int sysvipc_write(sysvipc_writer *w, const void *buf, size_t len, int timeout_ms)
{
    if (w == NULL || (buf == NULL && len != 0))
        return -EINVAL;
    int64_t deadline = 0;
    for (bool first = true;; first = false) {
        void *span;
        int rc = sysvipc_try_claim(w, len, &span);
        if (rc == 0) {
            memcpy(span, buf, len);
            return sysvipc_commit(w);
        }
        if (rc != -EAGAIN || timeout_ms == 0)
            return rc;
        if (first)
            deadline = deadline_of(timeout_ms);
        rc = wait_to_write(w, len, deadline);
        if (rc != 0)
            return rc;
    }
}

int sysvipc_wait_to_write(sysvipc_writer *w, size_t len, int timeout_ms)
{
    if (w == NULL)
        return -EINVAL;
    if (len > (size_t)w->ch->max_message)
        return sysvipc_fail(-E2BIG, "a message of the channel in segment id %d must be 0 to %d bytes, not %zu", w->ch->id, w->ch->max_message, len);
    int room = has_room(w, record_size_of(w->ch, (int64_t)len));
    if (room != 0)
        return room < 0 ? room : 0;
    if (timeout_ms == 0)
        return -EAGAIN;
    return wait_to_write(w, len, deadline_of(timeout_ms));
}

int sysvipc_complete(sysvipc_writer *w)
{
    if (w == NULL)
        return -EINVAL;
    sysvipc_channel *ch = w->ch;
    STORE_REL(A32(ch->base + F_COMPLETED), 1);
    atomic_thread_fence(memory_order_seq_cst);
    STORE_REL(A32(ch->base + O_READER_SLEEPING), 0);
    wake_word(ch, O_DATA_SEQ);
    wake_word(ch, O_SPACE_SEQ);
    return 0;
}

int sysvipc_writer_close(sysvipc_writer *w)
{
    if (w == NULL)
        return -EINVAL;
    sysvipc_channel *ch = w->ch;
    int64_t me = sysvipc_own_identity();
    if (!w->multi) {
        if (w->claim != NULL)
            sysvipc_abort(w); /* also stores the own tail past a padding record of the claim */
        atomic_compare_exchange_strong(A64(w->slot + S_OWNER), &me, 0);
    } else {
        /* Section 3, Leaving: an open claim the reader has not passed becomes a skip record; the slot is
         * freed only once its last claim is passed, else left RELEASED for the reader's recovery. */
        if (w->claim != NULL) {
            int64_t claim_position = LOAD_ACQ(A64(w->slot + S_CLAIM_POSITION));
            if (LOAD_ACQ(A64(ch->base + O_HEAD)) <= claim_position && LOAD_ACQ(A32(w->claim)) < 0)
                sysvipc_abort(w);
            w->claim = NULL;
        }
        int64_t next = claim_passed(ch, w->slot) ? 0 : RELEASED;
        atomic_compare_exchange_strong(A64(w->slot + S_OWNER), &me, next);
    }
    int32_t one = 1;
    if (atomic_compare_exchange_strong(A32(w->slot + S_SLEEPING), &one, 0))
        atomic_fetch_sub(A32(ch->base + O_WRITERS_SLEEPING), 1);
    wake_word(ch, O_SPACE_SEQ);
    free(w);
    release(ch);
    return 0;
}

static int set_wait(struct wait_strategy *s, int spins, int yields, int slice_ms)
{
    if (spins < 0 || yields < 0 || slice_ms < 1 || slice_ms > 10000)
        return sysvipc_fail(-EINVAL, "spins and yields must be >= 0 and the slice 1 to 10000 ms (got %d, %d, %d)", spins, yields, slice_ms);
    s->spins = spins;
    s->yields = yields;
    s->slice_ms = slice_ms;
    return 0;
}

int sysvipc_writer_set_wait(sysvipc_writer *w, int spins, int yields, int slice_ms)
{
    return w == NULL ? -EINVAL : set_wait(&w->wait, spins, yields, slice_ms);
}

/* ---- the reader (sections 5, 7, 8) ---- */

static int publish(sysvipc_reader *r)
{
    sysvipc_channel *ch = r->ch;
    int64_t from = r->published, to = r->position;
    if (to == from)
        return 0;
    /* Section 5.3: the reader is never past what writers claimed (bounds where corrupt records can lead it). */
    int64_t tail = LOAD_ACQ(A64(ch->base + O_TAIL));
    if (ch->mode == SYSVIPC_MULTI_PRODUCER ? to > tail : tail < 0 || to - tail >= ch->capacity)
        return corrupt(ch, "the reader's position is beyond the producers' tail (position, tail)", to, tail);
    if (r->broadcast) {
        STORE_REL(A64(r->slot + B_CURSOR), to); /* section 11.5: the writer's gate follows the cursors */
    } else {
        STORE_REL(A64(ch->base + O_CONSUMED), to);
        if (r->zero_consumed)
            zero_ring(ch, from, to);
        STORE_REL(A64(ch->base + O_HEAD), to);
    }
    r->published = to;
    wake_writers(ch);
    return 0;
}

/* ---- broadcast readers (section 11.5) ---- */

static int bc_read_tail(const sysvipc_channel *ch, int64_t *out)
{
    int64_t tail = LOAD_ACQ(A64(ch->base + O_TAIL));
    if (tail < 0 || tail > MAX_POSITION || (tail & 15) != 0)
        return corrupt(ch, "the writer's tail is not a broadcast record position", tail, 0);
    *out = tail;
    return 0;
}

/* Makes this reader one the writer waits for. Latest: cursor at the tail, active, full fence, the tail
 * again (the writer's scans either see the reader or ran at a tail no greater than that one). Oldest: from
 * the published gate; what lies below the second tail is checked against the gate at each step. */
static int bc_join(sysvipc_reader *r, int start)
{
    sysvipc_channel *ch = r->ch;
    int64_t t0 = 0, t1 = 0;
    int rc = bc_read_tail(ch, &t0);
    if (rc != 0)
        return rc;
    int64_t from = t0;
    if (start == SYSVIPC_START_OLDEST) {
        from = LOAD_ACQ(A64(ch->base + O_GATE));
        if (from < 0 || (from & 15) != 0 || from > t0 || t0 - from > ch->capacity)
            return corrupt(ch, "its gate is not a position at most one ring behind the tail (gate, tail)", from, t0);
    }
    STORE_REL(A64(r->slot + B_CURSOR), from);
    STORE_REL(A32(r->slot + B_STATE), STATE_ACTIVE);
    atomic_thread_fence(memory_order_seq_cst);
    if ((rc = bc_read_tail(ch, &t1)) != 0)
        return rc;
    if (t1 < t0)
        return corrupt(ch, "the writer's tail went back (before, after)", t0, t1);
    if (start == SYSVIPC_START_LATEST) {
        from = t1;
        STORE_REL(A64(r->slot + B_CURSOR), from);
    }
    r->position = r->published = from;
    r->safe_from = t1;
    r->peeked_size = 0;
    return 0;
}

/* 0 when the writer has not overtaken this reader. Otherwise (it dropped the reader, or its gate passed
 * the position: it may have overwritten what the reader was reading) the reader rejoins at the newest
 * message and -ECONNRESET says how far behind it was. The fence keeps the loads of the message before the
 * load of the gate. */
static int bc_check_overtaken(sysvipc_reader *r)
{
    sysvipc_channel *ch = r->ch;
    atomic_thread_fence(memory_order_seq_cst);
    int64_t gate = LOAD_ACQ(A64(ch->base + O_GATE));
    int32_t state = LOAD_ACQ(A32(r->slot + B_STATE));
    if (gate <= r->position && state != STATE_DROPPED)
        return 0;
    bool dropped = state == STATE_DROPPED;
    int64_t lost = r->position;
    int64_t writer = LOAD_ACQ(dropped ? A64(r->slot + B_DROPPED_TAIL) : A64(ch->base + O_TAIL));
    if (writer < lost)
        writer = LOAD_ACQ(A64(ch->base + O_TAIL));
    r->peeked_size = 0;
    STORE_REL(A32(r->slot + B_STATE), STATE_FREE);
    int rc = bc_join(r, SYSVIPC_START_LATEST);
    if (rc != 0)
        return rc;
    r->drop[0] = lost;
    r->drop[1] = writer;
    r->drop[2] = r->position;
    if (dropped)
        return sysvipc_fail(-ECONNRESET, "this reader of the broadcast channel in segment id %d lost its place: it kept the writer waiting longer than the channel's drop-after allowance (%lld ns). It was at position %lld, %lld bytes behind the writer (at %lld); the messages in between are lost to it, and it reads on from the newest message (position %lld). Read faster, or create the channel with a larger capacity or a longer allowance",
                            ch->id, (long long)ch->drop_after_ns, (long long)lost, (long long)(writer > lost ? writer - lost : 0), (long long)writer, (long long)r->position);
    return sysvipc_fail(-ECONNRESET, "this reader of the broadcast channel in segment id %d lost its place: the writer overwrote the old messages it was catching up on (it started at SYSVIPC_START_OLDEST). It was at position %lld, %lld bytes behind the writer (at %lld); the messages in between are lost to it, and it reads on from the newest message (position %lld). Read faster, or create the channel with a larger capacity",
                        ch->id, (long long)lost, (long long)(writer > lost ? writer - lost : 0), (long long)writer, (long long)r->position);
}

/* Where the writer may have overwritten what this reader reads: with the drop-after policy always, and
 * below the tail it joined at when it started at the oldest message. */
static int bc_check_if_exposed(sysvipc_reader *r)
{
    return r->may_be_dropped || r->position < r->safe_from ? bc_check_overtaken(r) : 0;
}

/* 0 with a message, -EAGAIN when nothing is committed, < 0 on corruption or loss (section 11.5). */
static int bc_peek(sysvipc_reader *r, const uint8_t **payload, size_t *len)
{
    sysvipc_channel *ch = r->ch;
    for (int step = 0;; step++) {
        int64_t position = r->position;
        int64_t index = position & ch->mask;
        uint8_t *record = ch->ring + index;
        if (LOAD_ACQ(A64(record + BC_SEQUENCE)) != position + 1) {
            int rc = bc_check_if_exposed(r);
            if (rc == 0 && r->position != r->published)
                rc = publish(r);
            return rc != 0 ? rc : -EAGAIN;
        }
        int32_t frame = *(volatile int32_t *)record;
        int32_t tag = *(volatile int32_t *)(record + 4);
        int64_t room = ch->capacity - index;
        if (tag == TAG_DATA && frame >= BC_HEADER && frame - BC_HEADER <= ch->max_message && align_up(frame, 16) <= room) {
            r->peeked_size = align_up(frame, 16);
            *payload = record + BC_HEADER;
            *len = (size_t)(frame - BC_HEADER);
            return 0;
        }
        /* A padding record runs exactly to the ring's end and never starts at offset 0: at most one is passed. */
        if (tag == TAG_PADDING && index != 0 && frame == room && step == 0) {
            r->position = position + room;
            continue;
        }
        int rc = bc_check_overtaken(r); /* bytes the writer overwrote under a reader it gave up on are no corruption */
        return rc != 0 ? rc : corrupt(ch, "a record has a length or tag no broadcast writer produces (position, length)", position, frame);
    }
}

/* Before a reader sleeps: the writer wrote past its position, yet nothing is committed there. */
static int bc_check_stalled(sysvipc_reader *r)
{
    sysvipc_channel *ch = r->ch;
    int64_t tail = LOAD_ACQ(A64(ch->base + O_TAIL));
    if (tail <= r->position || LOAD_ACQ(A64(ch->ring + (r->position & ch->mask) + BC_SEQUENCE)) == r->position + 1)
        return 0;
    int rc = bc_check_overtaken(r);
    return rc != 0 ? rc : corrupt(ch, "the writer's tail is past this reader's position, yet no record is committed there (position, tail)", r->position, tail);
}

/* Takes a free reader block or a dead reader's. */
static int bc_take_block(sysvipc_channel *ch, uint8_t **out)
{
    int64_t me = sysvipc_own_identity();
    for (int i = 0; i < ch->readers; i++) {
        uint8_t *block = block_at(ch, i);
        int64_t owner = LOAD_ACQ(A64(block + S_OWNER));
        if (owner != 0 && sysvipc_identity_alive(owner))
            continue;
        if (!atomic_compare_exchange_strong(A64(block + S_OWNER), &owner, me)) {
            i--; /* changed under us: look at this block again */
            continue;
        }
        STORE_REL(A32(block + B_STATE), STATE_FREE);
        *(int32_t *)(block + S_ROLE) = ROLE_READER;
        heartbeat(block);
        *out = block;
        return 0;
    }
    return sysvipc_fail(-EBUSY, "all %d reader places of the broadcast channel in segment id %d are held by live readers; close a reader, or create the channel with more max_readers", ch->readers, ch->id);
}

/* Leaving: the writer stops waiting for this reader, then the block is freed. */
static void bc_leave(sysvipc_reader *r)
{
    int64_t me = sysvipc_own_identity();
    STORE_REL(A32(r->slot + B_STATE), STATE_FREE);
    atomic_compare_exchange_strong(A64(r->slot + S_OWNER), &me, 0);
    wake_writers(r->ch);
}

static int bc_reader_open(sysvipc_channel *ch, int start, sysvipc_reader **out)
{
    sysvipc_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return -ENOMEM;
    r->ch = ch;
    r->broadcast = true;
    r->may_be_dropped = ch->drop_after_ns > 0;
    r->publish_threshold = ch->capacity / 4;
    r->wait = s_default_wait;
    r->drop[0] = -1;
    int rc = bc_take_block(ch, &r->slot);
    if (rc == 0 && (rc = bc_join(r, start)) != 0)
        bc_leave(r);
    if (rc != 0) {
        free(r);
        return rc;
    }
    atomic_fetch_add(&ch->references, 1);
    *out = r;
    return 0;
}

int sysvipc_reader_open_at(sysvipc_channel *ch, int start, sysvipc_reader **out)
{
    if (ch == NULL || out == NULL || (start != SYSVIPC_START_LATEST && start != SYSVIPC_START_OLDEST))
        return sysvipc_fail(-EINVAL, "sysvipc_reader_open_at takes a channel, SYSVIPC_START_LATEST or SYSVIPC_START_OLDEST, and where to put the reader");
    if (is_broadcast(ch))
        return bc_reader_open(ch, start, out);
    if (start != SYSVIPC_START_LATEST)
        return sysvipc_fail(-EINVAL, "only a broadcast channel's reader may start at the oldest message; the one reader of segment id %d resumes where the last one stopped", ch->id);
    return sysvipc_reader_open(ch, out);
}

int sysvipc_reader_open(sysvipc_channel *ch, sysvipc_reader **out)
{
    if (ch == NULL || out == NULL)
        return -EINVAL;
    if (is_broadcast(ch))
        return bc_reader_open(ch, SYSVIPC_START_LATEST, out);
    uint8_t *slot = slot_at(ch, 0);
    int64_t me = sysvipc_own_identity();
    for (;;) {
        int64_t current = LOAD_ACQ(A64(slot + S_OWNER));
        if (current != 0 && sysvipc_identity_alive(current))
            return sysvipc_fail(-EBUSY, "the channel in segment id %d already has a reader (pid %d%s); a channel has exactly one", ch->id, sysvipc_identity_pid(current), sysvipc_identity_pid(current) == getpid() ? ", this process" : "");
        if (atomic_compare_exchange_strong(A64(slot + S_OWNER), &current, me))
            break;
    }
    *(int32_t *)(slot + S_ROLE) = ROLE_READER;
    heartbeat(slot);
    STORE_REL(A32(ch->base + O_READER_SLEEPING), 0);
    int64_t head = LOAD_ACQ(A64(ch->base + O_HEAD));
    int64_t consumed = LOAD_ACQ(A64(ch->base + O_CONSUMED));
    int64_t tail;
    int rc = 0;
    if (!valid_position(head) || !valid_position(consumed) || consumed < head || consumed - head > ch->capacity)
        rc = corrupt(ch, "the consumed position and the head are invalid, out of order or more than the ring apart (consumed, head)", consumed, head);
    else
        rc = read_tail(ch, head, &tail);
    if (rc != 0) {
        atomic_compare_exchange_strong(A64(slot + S_OWNER), &me, 0);
        return rc;
    }
    sysvipc_reader *r = calloc(1, sizeof *r);
    if (r == NULL) {
        atomic_compare_exchange_strong(A64(slot + S_OWNER), &me, 0);
        return -ENOMEM;
    }
    r->ch = ch;
    r->slot = slot;
    r->zero_consumed = ch->mode == SYSVIPC_MULTI_PRODUCER;
    r->publish_threshold = ch->capacity / 4;
    r->wait = s_default_wait;
    r->published = head;
    r->position = consumed;
    if ((rc = publish(r)) != 0) {
        atomic_compare_exchange_strong(A64(slot + S_OWNER), &me, 0);
        free(r);
        return rc;
    }
    atomic_fetch_add(&ch->references, 1);
    *out = r;
    return 0;
}

/* 0 with a message, -EAGAIN when nothing is committed, < 0 on corruption (section 5.1). */
static int peek(sysvipc_reader *r, const uint8_t **payload, size_t *len)
{
    sysvipc_channel *ch = r->ch;
    if (r->broadcast)
        return bc_peek(r, payload, len);
    for (;;) {
        int64_t position = r->position;
        int64_t index = position & ch->mask;
        uint8_t *record = ch->ring + index;
        int32_t frame = LOAD_ACQ(A32(record));
        if (frame <= 0) {
            if (frame < 0 && (ch->mode == SYSVIPC_SINGLE_PRODUCER || -(int64_t)frame > ch->capacity / 2 || (frame & 7) != 0))
                return corrupt(ch, "a record has a negative length no writer of this channel produces (position, length)", position, frame);
            if (r->position != r->published) {
                int rc = publish(r);
                if (rc != 0)
                    return rc;
            }
            return -EAGAIN;
        }
        int32_t tag = *(volatile int32_t *)(record + 4);
        int64_t room = ch->capacity - index;
        int64_t size = ((int64_t)frame + 7) & ~INT64_C(7);
        /* No record ends more than a ring past the head this reader published: that bounds this loop too. */
        if (position + size - r->published > ch->capacity)
            return corrupt(ch, "a record reaches beyond what writers may have written (position, length)", position, frame);
        if (tag == TAG_PADDING && index != 0 && frame == room) {
            r->position = position + frame; /* to offset 0, where no padding can be */
            continue;
        }
        if (tag == TAG_SKIP && ch->mode == SYSVIPC_MULTI_PRODUCER && (frame & 7) == 0 && frame >= 8 && frame <= room && frame <= ch->capacity / 2) {
            r->position = position + frame;
            if (r->position - r->published >= r->publish_threshold) {
                int rc = publish(r);
                if (rc != 0)
                    return rc;
            }
            continue;
        }
        if (tag != TAG_DATA || frame < RECORD_HEADER || frame - RECORD_HEADER > ch->max_message || size > room)
            return corrupt(ch, "a record has a length or tag no writer produces (position, length)", position, frame);
        r->peeked_size = size;
        *payload = record + RECORD_HEADER;
        *len = (size_t)(frame - RECORD_HEADER);
        return 0;
    }
}

int sysvipc_try_peek(sysvipc_reader *r, const void **span, size_t *len)
{
    if (r == NULL || span == NULL || len == NULL)
        return -EINVAL;
    const uint8_t *p;
    int rc = peek(r, &p, len);
    if (rc == 0) {
        *span = p;
    } else if (rc == -EAGAIN && completed(r->ch)) {
        rc = peek(r, &p, len); /* a message committed just before completion */
        if (rc == 0)
            *span = p;
        else if (rc == -EAGAIN)
            rc = sysvipc_fail(-ESHUTDOWN, "the channel in segment id %d was completed by its writer and every message has been read", r->ch->id);
    }
    return rc;
}

int sysvipc_advance(sysvipc_reader *r)
{
    if (r == NULL || r->peeked_size == 0)
        return sysvipc_fail(-EINVAL, "sysvipc_advance consumes the message sysvipc_try_peek returned, and none has been peeked since the last advance");
    if (r->broadcast) {
        int rc = bc_check_if_exposed(r); /* the message may be torn if the writer overtook this reader */
        if (rc != 0)
            return rc;
    }
    r->position += r->peeked_size;
    r->peeked_size = 0;
    if (r->position - r->published >= r->publish_threshold)
        return publish(r);
    return 0;
}

/* Section 8: skips a claim at the reader's position whose every claimant is dead. 1 when it moved on. */
static int recover_dead_claim(sysvipc_reader *r)
{
    sysvipc_channel *ch = r->ch;
    if (ch->mode != SYSVIPC_MULTI_PRODUCER)
        return 0;
    int64_t position = r->position, tail;
    int32_t frame = LOAD_ACQ(A32(ch->ring + (position & ch->mask)));
    int rc = read_tail(ch, r->published, &tail);
    if (rc != 0)
        return rc;
    if (tail <= position)
        return frame < 0 ? corrupt(ch, "a claimed record lies at or beyond the producers' tail (position, tail)", position, tail) : 0;
    int64_t end = -1;
    bool ambiguous = false;
    for (int i = 1; i <= ch->slots; i++) {
        uint8_t *slot = slot_at(ch, i);
        int64_t owner = LOAD_ACQ(A64(slot + S_OWNER));
        int64_t start = LOAD_ACQ(A64(slot + S_CLAIM_POSITION));
        int64_t size = LOAD_ACQ(A64(slot + S_CLAIM_SIZE));
        if (owner == 0 || start > position || size <= 0 || size > ch->capacity || position >= start + size)
            continue;
        if (sysvipc_identity_alive(owner))
            return 0; /* a live writer will commit it */
        int64_t candidate = start + size;
        ambiguous |= end >= 0 && end != candidate;
        if (candidate > end)
            end = candidate;
    }
    if (LOAD_ACQ(A32(ch->ring + (position & ch->mask))) > 0)
        return 1; /* committed meanwhile */
    if (end < 0)
        return corrupt(ch, "the space at the reader's position is claimed but no writer's claim covers it (position, tail)", position, tail);
    if (ambiguous || (end & 7) != 0 || end > tail || end - r->published > ch->capacity)
        return corrupt(ch, "writers that died left claims that cannot be told apart (position, end)", position, end);
    r->position = end; /* the dead claim is zeroed with this publish */
    rc = publish(r);
    return rc != 0 ? rc : 1;
}

static int writers_died(sysvipc_reader *r)
{
    sysvipc_channel *ch = r->ch;
    int64_t dead = 0;
    for (int i = 1; i <= ch->slots; i++) {
        int64_t owner = LOAD_ACQ(A64(slot_at(ch, i) + S_OWNER));
        if (owner == 0 || owner == RELEASED)
            continue;
        if (sysvipc_identity_alive(owner))
            return 0;
        dead = owner;
    }
    if (dead != 0)
        return sysvipc_fail(-EPIPE, "the writer of the channel in segment id %d (pid %d) died, and the ring is empty: nothing more will come unless a new writer opens the channel (it takes the dead one's place)", ch->id, sysvipc_identity_pid(dead));
    return 0;
}

static int reader_sleep(sysvipc_reader *r, int64_t sleep_ns, bool check_peers)
{
    sysvipc_channel *ch = r->ch;
    const uint8_t *p;
    size_t len;
    /* Broadcast readers share the flag: one never clears it (that could hide another's sleep); the
     * writer clears it when it wakes them all. */
    int32_t sequence = LOAD_ACQ(A32(ch->base + O_DATA_SEQ));
    STORE_REL(A32(ch->base + O_READER_SLEEPING), 1);
    sysvipc_fence_heavy();
    int rc = peek(r, &p, &len);
    if (rc != -EAGAIN || completed(ch)) {
        if (!r->broadcast)
            STORE_REL(A32(ch->base + O_READER_SLEEPING), 0);
        return rc == -EAGAIN ? 0 : rc;
    }
    rc = r->broadcast ? bc_check_stalled(r) : 0;
    if (rc == 0 && check_peers) {
        heartbeat(r->slot);
        rc = recover_dead_claim(r);
        if (rc == 0)
            rc = writers_died(r);
    }
    if (rc == 0)
        sysvipc_futex_wait(ch->base + O_DATA_SEQ, sequence, sleep_ns);
    if (!r->broadcast)
        STORE_REL(A32(ch->base + O_READER_SLEEPING), 0);
    return rc < 0 ? rc : 0;
}

static int wait_to_read(sysvipc_reader *r, int64_t deadline)
{
    sysvipc_channel *ch = r->ch;
    const _Atomic int64_t *tail = r->zero_consumed ? NULL : A64(ch->base + O_TAIL);
    int64_t checks = 0;
    int sleeps = 0;
    for (int64_t polls = 0;; polls++) {
        /* A single producer's tail moves after each commit: watch it rather than the record being
         * written (section 7), and look at the record every 64th poll anyway. */
        if (tail == NULL || (polls & 63) == 0 || LOAD_ACQ(tail) != r->position) {
            const void *span;
            size_t len;
            int rc = sysvipc_try_peek(r, &span, &len);
            if (rc != -EAGAIN)
                return rc;
        }
        if (completed(ch)) {
            const void *span;
            size_t len;
            return sysvipc_try_peek(r, &span, &len);
        }
        if (!spin_once(&r->wait, &checks)) {
            if ((checks & 255) == 0 && deadline != INT64_MAX && sysvipc_monotonic_ns() >= deadline)
                goto timed_out;
            continue;
        }
        int64_t sleep_ns = sleep_for(&r->wait, deadline);
        if (sleep_ns == 0)
            goto timed_out;
        int rc = reader_sleep(r, sleep_ns, sleeps++ > 0);
        if (rc < 0)
            return rc;
    }
timed_out:
    return sysvipc_fail(-ETIMEDOUT, "no message arrived in the channel in segment id %d in time", ch->id);
}

int sysvipc_wait_to_read(sysvipc_reader *r, int timeout_ms)
{
    if (r == NULL)
        return -EINVAL;
    const void *span;
    size_t len;
    int rc = sysvipc_try_peek(r, &span, &len);
    if (rc != -EAGAIN || timeout_ms == 0)
        return rc;
    return wait_to_read(r, deadline_of(timeout_ms));
}

int sysvipc_read(sysvipc_reader *r, void *buf, size_t cap, size_t *len, int timeout_ms)
{
    if (r == NULL || len == NULL || (buf == NULL && cap != 0))
        return -EINVAL;
    int64_t deadline = 0;
    for (bool first = true;; first = false) {
        const void *span;
        size_t n;
        int rc = sysvipc_try_peek(r, &span, &n);
        if (rc == 0) {
            if (n > cap) {
                r->peeked_size = 0;
                return sysvipc_fail(-EMSGSIZE, "the next message is %zu bytes, more than the %zu-byte buffer; it stays in the channel", n, cap);
            }
            memcpy(buf, span, n);
            *len = n;
            return sysvipc_advance(r);
        }
        if (rc != -EAGAIN || timeout_ms == 0)
            return rc;
        if (first)
            deadline = deadline_of(timeout_ms);
        rc = wait_to_read(r, deadline);
        if (rc != 0)
            return rc;
    }
}

int sysvipc_reader_set_wait(sysvipc_reader *r, int spins, int yields, int slice_ms)
{
    return r == NULL ? -EINVAL : set_wait(&r->wait, spins, yields, slice_ms);
}

int sysvipc_reader_close(sysvipc_reader *r)
{
    if (r == NULL)
        return -EINVAL;
    sysvipc_channel *ch = r->ch;
    if (r->broadcast) {
        bc_leave(r); /* nothing to hand back: the writer stops waiting for this reader's cursor */
    } else {
        (void)publish(r); /* a corrupt segment is reported by the calls that read it, not by close */
        STORE_REL(A32(ch->base + O_READER_SLEEPING), 0);
        int64_t me = sysvipc_own_identity();
        atomic_compare_exchange_strong(A64(r->slot + S_OWNER), &me, 0);
        wake_word(ch, O_DATA_SEQ);
    }
    free(r);
    release(ch);
    return 0;
}

int sysvipc_reader_last_drop(const sysvipc_reader *r, int64_t *position, int64_t *writer_position, int64_t *resumed_at)
{
    if (r == NULL)
        return -EINVAL;
    if (!r->broadcast || r->drop[0] < 0)
        return sysvipc_fail(-ENOENT, "this reader never lost its place");
    if (position != NULL)
        *position = r->drop[0];
    if (writer_position != NULL)
        *writer_position = r->drop[1];
    if (resumed_at != NULL)
        *resumed_at = r->drop[2];
    return 0;
}
