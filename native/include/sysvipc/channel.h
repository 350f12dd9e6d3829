/* libsysvipc: SharedMemoryChannel from C.
 *
 * The segment format and every ordering rule are in docs/channel-format.md (format versions 2 and 3),
 * the same contract the .NET library (SysV.Ipc, SharedMemoryChannel) implements: a C writer and a .NET
 * reader (or the reverse, or several of each kind as writers, or several of each kind as the readers of
 * a broadcast channel) share one channel.
 *
 * Every function returns 0 or a negative errno-style code; sysvipc_strerror() says what it means and
 * sysvipc_error_detail() what exactly happened in this thread's last failed call. EINTR never surfaces.
 * A reader or writer is used from one thread at a time. */
#ifndef SYSVIPC_CHANNEL_H
#define SYSVIPC_CHANNEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ipc.h> /* key_t, also under -std=c11 */

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sysvipc_channel sysvipc_channel;
typedef struct sysvipc_writer sysvipc_writer;
typedef struct sysvipc_reader sysvipc_reader;

/* The channel format versions this library reads and writes (docs/channel-format.md): version 2 for
 * single- and multi-producer channels, version 3 for broadcast channels. */
#define SYSVIPC_CHANNEL_FORMAT_VERSION 2
#define SYSVIPC_BROADCAST_FORMAT_VERSION 3

/* Error codes beyond the usual errno meanings (all returned negated):
 *   EAGAIN     nothing to read / no room now (try_* calls, or a timeout of 0)
 *   ETIMEDOUT  nothing came / no room within the timeout
 *   EPIPE      the peer this call waits for died (all writers, with the ring empty; the reader, with it full)
 *   ESHUTDOWN  the channel was completed (writing), or completed and drained (reading)
 *   EBADMSG    the segment holds something the protocol cannot produce (corrupted, or not a channel)
 *   EPROTO     the segment's format version is not one this library reads
 *   ENODATA    the segment holds no channel header (its creator died creating it, or it is a plain segment)
 *   E2BIG      the message is longer than the channel's maximum
 *   EMSGSIZE   the next message is longer than the caller's buffer (it stays in the channel)
 *   EBUSY      the channel already has a reader / every writer place / every broadcast reader place is taken
 *   ECONNRESET a broadcast reader lost its place (the writer's drop-after policy dropped it, or overwrote
 *              what it was catching up on): the messages in between are lost to it, it reads on from the
 *              newest one (sysvipc_reader_last_drop says where); a message peeked before is to be discarded
 *   EINPROGRESS a claim is open (commit or abort it first)
 *   EINVAL     an argument is out of range, or no claim / no peeked message to finish
 *   EEXIST, ENOENT, EACCES, ENOMEM, ENOSPC: from shmget/shmat, as documented there */

enum sysvipc_channel_mode {
    SYSVIPC_SINGLE_PRODUCER = 1,
    SYSVIPC_MULTI_PRODUCER = 2,
    SYSVIPC_BROADCAST = 3, /* one writer; every reader (up to max_readers) reads every message */
};

typedef struct sysvipc_channel_options {
    int mode;             /* SYSVIPC_SINGLE_PRODUCER (0 means that too), SYSVIPC_MULTI_PRODUCER or SYSVIPC_BROADCAST */
    size_t max_message;   /* 0: the largest possible, capacity / 2 - 8 (broadcast: capacity / 2 - 16) */
    int max_producers;    /* multi-producer writer places; 0: 16 */
    int permissions;      /* 0: 0600 */
    int max_readers;      /* broadcast reader places, 1 to 1024; 0: 16 (.NET's MaxReaders) */
    int64_t drop_after_ns; /* broadcast slow-reader policy: 0 blocks (the writer waits for the slowest live
                            * reader), 1 to 86400000000000 (a day) drops a reader that kept the writer
                            * waiting that long (.NET's SlowReaderPolicy.DropAfter) */
} sysvipc_channel_options;

/* Where a broadcast reader starts (.NET's ReaderStart). */
enum sysvipc_reader_start {
    SYSVIPC_START_LATEST = 0, /* with the next message written */
    SYSVIPC_START_OLDEST = 1, /* with the oldest message the writer has not yet been allowed to overwrite */
};

/* Creates a channel in a new segment (exclusive: -EEXIST if the key is taken). capacity: ring bytes, a
 * power of two from 1 KiB to 1 TiB. opts may be NULL (single producer, defaults). */
int sysvipc_channel_create(key_t key, size_t capacity, const sysvipc_channel_options *opts, sysvipc_channel **out);
int sysvipc_channel_open(key_t key, sysvipc_channel **out);
int sysvipc_channel_open_id(int id, sysvipc_channel **out);
/* Detaches once the channel's readers and writers are closed too (they keep the segment mapped). */
int sysvipc_channel_close(sysvipc_channel *ch);
/* IPC_RMID: the segment goes away once every process has detached it. */
int sysvipc_channel_remove(sysvipc_channel *ch);

int sysvipc_channel_id(const sysvipc_channel *ch);
size_t sysvipc_channel_capacity(const sysvipc_channel *ch);
size_t sysvipc_channel_max_message(const sysvipc_channel *ch);
int sysvipc_channel_mode(const sysvipc_channel *ch);
int sysvipc_channel_is_completed(const sysvipc_channel *ch);
/* Broadcast: reader places (max_readers) and the drop-after time in ns (0: block). 1 and 0 otherwise. */
int sysvipc_channel_max_readers(const sysvipc_channel *ch);
int64_t sysvipc_channel_drop_after_ns(const sysvipc_channel *ch);

/* Writers. timeout_ms: -1 waits without limit, 0 does not wait (-EAGAIN), > 0 waits that long (-ETIMEDOUT). */
int sysvipc_writer_open(sysvipc_channel *ch, sysvipc_writer **out);
int sysvipc_write(sysvipc_writer *w, const void *buf, size_t len, int timeout_ms);
/* Zero-copy: reserves len bytes in the ring (-EAGAIN when no room now); write them at *span, then commit or abort. */
int sysvipc_try_claim(sysvipc_writer *w, size_t len, void **span);
int sysvipc_commit(sysvipc_writer *w);
int sysvipc_abort(sysvipc_writer *w);
/* Waits until a message of len bytes would fit (0), then try_claim it. */
int sysvipc_wait_to_write(sysvipc_writer *w, size_t len, int timeout_ms);
/* Marks the channel complete: final for the channel and every writer of it. */
int sysvipc_complete(sysvipc_writer *w);
int sysvipc_writer_close(sysvipc_writer *w);

/* The one reader (a broadcast channel: one of its readers, starting with the next message).
 * sysvipc_read copies the next message into buf (cap bytes) and sets *len. */
int sysvipc_reader_open(sysvipc_channel *ch, sysvipc_reader **out);
/* A broadcast channel's reader starting at SYSVIPC_START_LATEST or SYSVIPC_START_OLDEST (the other modes
 * take only SYSVIPC_START_LATEST, which means sysvipc_reader_open). */
int sysvipc_reader_open_at(sysvipc_channel *ch, int start, sysvipc_reader **out);
int sysvipc_read(sysvipc_reader *r, void *buf, size_t cap, size_t *len, int timeout_ms);
/* Zero-copy: *span points into shared memory until sysvipc_advance (-EAGAIN when nothing is there). */
int sysvipc_try_peek(sysvipc_reader *r, const void **span, size_t *len);
int sysvipc_advance(sysvipc_reader *r);
/* Waits until a message can be peeked (0), or the channel is completed and drained (-ESHUTDOWN). */
int sysvipc_wait_to_read(sysvipc_reader *r, int timeout_ms);
int sysvipc_reader_close(sysvipc_reader *r);
/* After -ECONNRESET: the broadcast reader's position when it lost its place, the writer's position then
 * and where it reads on (.NET's ChannelReaderDroppedException Position, WriterPosition, ResumedAt).
 * -ENOENT when this reader never lost its place. Any pointer may be NULL. */
int sysvipc_reader_last_drop(const sysvipc_reader *r, int64_t *position, int64_t *writer_position, int64_t *resumed_at);

/* How a reader or writer waits: spins checks, then yields sched_yield()s, then futex sleeps of at most
 * slice_ms (1 to 10000). Defaults 2000, 50, 100, as in .NET's ChannelWaitStrategy.Default. */
int sysvipc_reader_set_wait(sysvipc_reader *r, int spins, int yields, int slice_ms);
int sysvipc_writer_set_wait(sysvipc_writer *w, int spins, int yields, int slice_ms);

#ifdef __cplusplus
}
#endif
#endif
