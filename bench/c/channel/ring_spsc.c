/*
 * C baseline: a single-producer single-consumer byte ring in a SysV shared memory segment, spinning.
 * The classic fast design: head and tail each on their own 128-byte block, each side caches the
 * other's counter, 8-byte aligned records {u32 length, u32 type} with a padding record at the wrap,
 * payload copied in and out with memcpy, the consumer publishing its head after every message.
 *
 * Built with -DHEAD_PER_BATCH (the harness's "batching" C ring): the consumer hands its head back only
 * when it has consumed a quarter of the ring since it last did, or when it finds the ring empty, as
 * SharedMemoryChannel's reader does; everything else is the same. Fewer stores to the head's line mean
 * fewer times the producer's cached copy of it is invalidated: the design to beat.
 *
 *   ring_spsc throughput SIZE COUNT CAPACITY       prints "elapsed_ns N"
 *   ring_spsc pingpong   SIZE ROUNDS CAPACITY FILE  writes ROUNDS round-trip times (u64 ns) to FILE
 *   ring_spsc zerocopy   SIZE COUNT CAPACITY       prints "elapsed_ns N"
 *
 * zerocopy: the same ring used in place, as the channel's zero-copy rows use theirs: the producer fills
 * each record's payload where it lies in the ring (memset), the consumer sums every 8-byte word of it
 * where it lies, then hands the space back. Every byte crosses from the producer's CPU to the consumer's
 * once, which a single-thread memcpy never does: the harness's limit for cross-process zero-copy
 * throughput of large blocks.
 */
#include "common.h"

#define PADDING 2u

struct ring {
    _Alignas(128) uint64_t tail;
    _Alignas(128) uint64_t head;
    _Alignas(128) uint64_t ready;
    _Alignas(128) uint64_t end_ns;
    _Alignas(4096) unsigned char data[];
};

struct side { struct ring *r; uint64_t mask, capacity, position, cached, published; };

static inline uint64_t align8(uint64_t v) { return (v + 7) & ~7ull; }

#ifdef HEAD_PER_BATCH
#define BATCHED_HEAD 1
#else
#define BATCHED_HEAD 0
#endif

/* The producer's claim: waits for room for a record of LEN bytes (a padding record at the wrap), writes
 * its header and returns where its payload goes; ring_commit then publishes it. */
static inline unsigned char *ring_claim(struct side *s, uint32_t len)
{
    uint64_t rec = align8(8 + (uint64_t)len), idx = s->position & s->mask, room = s->capacity - idx;
    uint64_t need = rec <= room ? rec : room + rec;
    while (s->position + need - s->cached > s->capacity) {
        s->cached = __atomic_load_n(&s->r->head, __ATOMIC_ACQUIRE);
        if (s->position + need - s->cached > s->capacity) cpu_relax();
    }
    if (rec > room) {
        uint32_t *pad = (uint32_t *)(s->r->data + idx);
        pad[0] = (uint32_t)room; pad[1] = PADDING;
        s->position += room; idx = 0;
    }
    uint32_t *h = (uint32_t *)(s->r->data + idx);
    h[0] = len; h[1] = 1;
    return s->r->data + idx + 8;
}

static inline void ring_commit(struct side *s, uint32_t len)
{
    s->position += align8(8 + (uint64_t)len);
    __atomic_store_n(&s->r->tail, s->position, __ATOMIC_RELEASE);
}

/* The consumer's look: waits for the next record (skipping padding) and returns its payload and length;
 * ring_release then hands the space back. BATCHED (a constant at each call) makes both hand the head back
 * per quarter of the ring and when the ring is found empty, instead of after every message. */
static inline const unsigned char *ring_next(struct side *s, uint32_t *len, int batched)
{
    for (;;) {
        while (s->position == s->cached) {
            if (batched && s->published != s->position) {
                __atomic_store_n(&s->r->head, s->position, __ATOMIC_RELEASE);
                s->published = s->position;
            }
            s->cached = __atomic_load_n(&s->r->tail, __ATOMIC_ACQUIRE);
            if (s->position == s->cached) cpu_relax();
        }
        uint64_t idx = s->position & s->mask;
        uint32_t *h = (uint32_t *)(s->r->data + idx);
        if (h[1] == PADDING) { s->position += h[0]; continue; }
        *len = h[0];
        return s->r->data + idx + 8;
    }
}

static inline void ring_release(struct side *s, uint32_t len, int batched)
{
    s->position += align8(8 + (uint64_t)len);
    if (batched) {
        if (s->position - s->published < s->capacity / 4) return;
        s->published = s->position;
    }
    __atomic_store_n(&s->r->head, s->position, __ATOMIC_RELEASE);
}

static void ring_write(struct side *s, const void *src, uint32_t len)
{
    memcpy(ring_claim(s, len), src, len);
    ring_commit(s, len);
}

static uint32_t ring_read(struct side *s, void *dst)
{
    uint32_t len;
    const unsigned char *payload = ring_next(s, &len, BATCHED_HEAD);
    memcpy(dst, payload, len);
    ring_release(s, len, BATCHED_HEAD);
    return len;
}

/* The producer's side in place: room for a record of LEN bytes (padding at the wrap), filled with BYTE. */
static void ring_fill(struct side *s, uint32_t len, unsigned char byte)
{
    memset(ring_claim(s, len), byte, len);
    ring_commit(s, len);
}

/* The consumer's side in place: the sum of every 8-byte word of the next record's payload (and its bytes
 * past the last whole word). It hands the head back after every message, also when built batching. */
static uint64_t ring_sum(struct side *s)
{
    uint32_t len;
    const uint64_t *w = (const uint64_t *)ring_next(s, &len, 0);
    uint64_t a = 0, b = 0, c = 0, d = 0;
    size_t words = len / 8, i = 0;
    for (; i + 4 <= words; i += 4) { a += w[i]; b += w[i + 1]; c += w[i + 2]; d += w[i + 3]; }
    for (; i < words; i++) a += w[i];
    for (size_t j = words * 8; j < len; j++) a += ((const unsigned char *)w)[j];
    ring_release(s, len, 0);
    return a + b + c + d;
}

static struct ring *new_ring(uint64_t capacity) { return private_segment(sizeof(struct ring) + capacity); }

static struct side side_of(struct ring *r, uint64_t capacity) { return (struct side){ r, capacity - 1, capacity, 0, 0, 0 }; }

/* Forks the peer, pinned to the other CPU: 0 in the peer once it has said it is ready, the peer's pid in
 * this process once it has seen that. */
static pid_t fork_peer(struct ring *r)
{
    pid_t pid = fork();
    if (pid == 0) {
        pin_peer();
        __atomic_store_n(&r->ready, 1, __ATOMIC_RELEASE);
        return 0;
    }
    while (!__atomic_load_n(&r->ready, __ATOMIC_ACQUIRE)) cpu_relax();
    return pid;
}

/* throughput (copying) or zerocopy: COUNT messages one way, timed from the producer's start to the
 * consumer's end; the two modes differ only in the loop each side runs. */
static int one_way(int zerocopy, uint32_t size, long count, uint64_t capacity, unsigned char *src, unsigned char *dst)
{
    struct ring *r = new_ring(capacity);
    struct side s = side_of(r, capacity);
    pid_t pid = fork_peer(r);
    if (pid == 0) {
        uint64_t sum = 0;
        if (zerocopy) {
            for (long i = 0; i < count; i++) sum += ring_sum(&s);
        } else {
            for (long i = 0; i < count; i++) ring_read(&s, dst);
        }
        __atomic_store_n(&r->end_ns, now_ns(), __ATOMIC_RELEASE);
        if (zerocopy) fprintf(stderr, "checksum %llu\n", (unsigned long long)sum); /* the sum is used: the loads cannot be dropped */
        _exit(0);
    }
    uint64_t start = now_ns();
    if (zerocopy) {
        for (long i = 0; i < count; i++) ring_fill(&s, size, (unsigned char)i);
    } else {
        for (long i = 0; i < count; i++) { src[0] = (unsigned char)i; ring_write(&s, src, size); }
    }
    wait_child(pid);
    printf("elapsed_ns %llu\n", (unsigned long long)(r->end_ns - start));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 5) { fprintf(stderr, "usage: ring_spsc throughput|pingpong|zerocopy SIZE COUNT CAPACITY [FILE]\n"); return 2; }
    uint32_t size = (uint32_t)atol(argv[2]);
    long count = atol(argv[3]);
    uint64_t capacity = (uint64_t)atoll(argv[4]);
    unsigned char *src = malloc(size + 1), *dst = malloc(size + 1);
    memset(src, 0x5a, size);

    if (strcmp(argv[1], "throughput") == 0 || strcmp(argv[1], "zerocopy") == 0) {
        return one_way(strcmp(argv[1], "zerocopy") == 0, size, count, capacity, src, dst);
    }

    if (argc < 6) { fprintf(stderr, "pingpong needs FILE\n"); return 2; }
    struct ring *ping = new_ring(capacity), *pong = new_ring(capacity);
    pid_t pid = fork_peer(ping);
    if (pid == 0) {
        struct side in = side_of(ping, capacity), out = side_of(pong, capacity);
        for (long i = 0; i < count; i++) { uint32_t n = ring_read(&in, dst); ring_write(&out, dst, n); }
        _exit(0);
    }
    struct side out = side_of(ping, capacity), in = side_of(pong, capacity);
    uint64_t *samples = malloc(sizeof(uint64_t) * (size_t)count);
    for (long i = 0; i < count; i++) {
        uint64_t t = now_ns();
        ring_write(&out, src, size);
        ring_read(&in, dst);
        samples[i] = now_ns() - t;
    }
    wait_child(pid);
    write_samples(argv[5], samples, count);
    return 0;
}
