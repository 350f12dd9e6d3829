/* Writing and reading checked messages: used by the C tests and by channel_peer, the cross-language peer. */
#ifndef SYSVIPC_PEER_H
#define SYSVIPC_PEER_H

#include <errno.h>

#include "testutil.h"

#define MAX_PRODUCERS 64

/* Writes count messages of random sizes in [minlen, maxlen] (clamped to the channel's maximum). */
static inline int peer_write(sysvipc_writer *w, size_t max_message, int32_t producer, int64_t count, uint64_t seed,
                             size_t minlen, size_t maxlen, int zerocopy)
{
    if (maxlen > max_message)
        maxlen = max_message;
    if (minlen < MSG_MIN)
        minlen = MSG_MIN;
    if (minlen > maxlen)
        minlen = maxlen;
    uint8_t *buf = malloc(maxlen);
    for (int64_t seq = 0; seq < count; seq++) {
        size_t len = minlen + (size_t)(splitmix64(&seed) % (maxlen - minlen + 1));
        int rc;
        if (zerocopy) {
            void *span;
            while ((rc = sysvipc_try_claim(w, len, &span)) == -EAGAIN)
                if ((rc = sysvipc_wait_to_write(w, len, -1)) != 0)
                    break;
            if (rc != 0) {
                free(buf);
                return rc;
            }
            msg_fill(span, len, producer, seq);
            rc = sysvipc_commit(w);
        } else {
            msg_fill(buf, len, producer, seq);
            rc = sysvipc_write(w, buf, len, -1);
        }
        if (rc != 0) {
            free(buf);
            return rc;
        }
    }
    free(buf);
    return 0;
}

/* Reads until every producer in [0, producers) has delivered `count` messages in order, each checked. */
static inline int peer_read(sysvipc_reader *r, int producers, int64_t count, int zerocopy, int timeout_ms, int64_t *total)
{
    int64_t next[MAX_PRODUCERS] = { 0 };
    uint8_t *buf = malloc(1 << 24);
    size_t cap = 1 << 24;
    *total = 0;
    for (int64_t remaining = (int64_t)producers * count; remaining > 0;) {
        const uint8_t *m;
        size_t len;
        int rc;
        if (zerocopy) {
            rc = sysvipc_wait_to_read(r, timeout_ms);
            if (rc == 0)
                rc = sysvipc_try_peek(r, (const void **)&m, &len);
        } else {
            rc = sysvipc_read(r, buf, cap, &len, timeout_ms);
            m = buf;
        }
        if (rc != 0) {
            free(buf);
            return rc;
        }
        int32_t producer = -1;
        int64_t seq = -1;
        int bad = msg_check(m, len, &producer, &seq);
        if (bad != 0 || producer < 0 || producer >= producers || seq != next[producer]) {
            fprintf(stderr, "bad message: check %d, %zu bytes, producer %d, sequence %lld (expected %lld)\n", bad, len,
                    producer, (long long)seq, producer >= 0 && producer < producers ? (long long)next[producer] : -1LL);
            free(buf);
            return -EBADMSG;
        }
        next[producer]++;
        remaining--;
        (*total)++;
        if (zerocopy)
            CHECK_RC(sysvipc_advance(r), 0);
    }
    free(buf);
    return 0;
}

#endif
