/* Test helpers shared by the C tests and the cross-language peer program. */
#ifndef SYSVIPC_TESTUTIL_H
#define SYSVIPC_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "sysvipc/channel.h"

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s (detail: %s)\n", __FILE__, __LINE__, #cond, sysvipc_error_detail()); \
            exit(1);                                                                                         \
        }                                                                                                    \
    } while (0)

#define CHECK_RC(expr, expected)                                                                             \
    do {                                                                                                     \
        int rc_ = (expr);                                                                                    \
        if (rc_ != (expected)) {                                                                             \
            fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d; detail: %s\n", __FILE__, __LINE__, #expr,   \
                    rc_, sysvipc_strerror(rc_), (expected), sysvipc_error_detail());                           \
            exit(1);                                                                                         \
        }                                                                                                    \
    } while (0)

/* Removes and closes a channel a test created. */
static inline void channel_done(sysvipc_channel *ch)
{
    CHECK_RC(sysvipc_channel_remove(ch), 0);
    CHECK_RC(sysvipc_channel_close(ch), 0);
}

static inline void wait_child(pid_t pid, int expected)
{
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != expected) {
        fprintf(stderr, "child %d ended with status 0x%x, expected exit %d\n", pid, status, expected);
        exit(1);
    }
}

static inline uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static inline uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* The same checksum as the .NET tests' TestMessages.Checksum. */
static inline uint64_t msg_checksum(const uint8_t *data, size_t n)
{
    uint64_t hash = UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)n;
    while (n >= 8) {
        hash = (hash ^ rd64(data)) * UINT64_C(0xBF58476D1CE4E5B9);
        hash ^= hash >> 31;
        data += 8;
        n -= 8;
    }
    for (; n > 0; n--, data++)
        hash = (hash ^ *data) * UINT64_C(0x94D049BB133111EB);
    return hash ^ (hash >> 29);
}

#define MSG_MIN 24

/* A cross-language test message (tests/SysV.Ipc.Tests/Native/CrossMessages.cs builds the same):
 * producer (4), sequence (8), length (4), bytes of splitmix64 seeded by (producer << 40) ^ sequence,
 * then the checksum of everything before it (8). */
static inline void msg_fill(uint8_t *m, size_t len, int32_t producer, int64_t seq)
{
    memcpy(m, &producer, 4);
    memcpy(m + 4, &seq, 8);
    int32_t l = (int32_t)len;
    memcpy(m + 12, &l, 4);
    uint64_t state = ((uint64_t)(uint32_t)producer << 40) ^ (uint64_t)seq;
    for (size_t i = 16; i < len - 8; i += 8) {
        uint64_t r = splitmix64(&state);
        size_t k = len - 8 - i < 8 ? len - 8 - i : 8;
        memcpy(m + i, &r, k);
    }
    uint64_t sum = msg_checksum(m, len - 8);
    memcpy(m + len - 8, &sum, 8);
}

/* 0 when the message is intact; fills producer and sequence. */
static inline int msg_check(const uint8_t *m, size_t len, int32_t *producer, int64_t *seq)
{
    if (len < MSG_MIN)
        return -1;
    int32_t l;
    memcpy(&l, m + 12, 4);
    if ((size_t)l != len || msg_checksum(m, len - 8) != rd64(m + len - 8))
        return -2;
    memcpy(producer, m, 4);
    memcpy(seq, m + 4, 8);
    uint64_t state = ((uint64_t)(uint32_t)*producer << 40) ^ (uint64_t)*seq;
    for (size_t i = 16; i < len - 8; i += 8) {
        uint64_t r = splitmix64(&state);
        size_t k = len - 8 - i < 8 ? len - 8 - i : 8;
        if (memcmp(m + i, &r, k) != 0)
            return -3;
    }
    return 0;
}

#endif
