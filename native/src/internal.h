/* libsysvipc internals shared by channel.c and area.c. */
#ifndef SYSVIPC_INTERNAL_H
#define SYSVIPC_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define SYSVIPC_HIDDEN __attribute__((visibility("hidden")))

/* Shared-memory words are accessed as atomics of the same size (lock-free on every supported machine). */
#define A32(p) ((_Atomic int32_t *)(void *)(p))
#define AU32(p) ((_Atomic uint32_t *)(void *)(p))
#define A64(p) ((_Atomic int64_t *)(void *)(p))
#define LOAD_ACQ(p) atomic_load_explicit((p), memory_order_acquire)
#define LOAD_RLX(p) atomic_load_explicit((p), memory_order_relaxed)
#define STORE_REL(p, v) atomic_store_explicit((p), (v), memory_order_release)
#define STORE_RLX(p, v) atomic_store_explicit((p), (v), memory_order_relaxed)

/* Records the detail of a failure for sysvipc_error_detail() and returns code. */
SYSVIPC_HIDDEN int sysvipc_fail(int code, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Identity: (start time << 22) | pid (docs/channel-format.md, section 3). */
SYSVIPC_HIDDEN int64_t sysvipc_own_identity(void);
SYSVIPC_HIDDEN uint64_t sysvipc_own_start_time(void);
/* Start time of a running (not zombie) process, or 0 when there is none. */
SYSVIPC_HIDDEN uint64_t sysvipc_start_time_of(int pid);
SYSVIPC_HIDDEN bool sysvipc_identity_alive(int64_t identity);
SYSVIPC_HIDDEN bool sysvipc_pid_alive(int pid, uint64_t start_time);
static inline int sysvipc_identity_pid(int64_t identity) { return (int)(identity & ((1 << 22) - 1)); }

SYSVIPC_HIDDEN int64_t sysvipc_monotonic_ms(void);
SYSVIPC_HIDDEN int64_t sysvipc_monotonic_ns(void);
SYSVIPC_HIDDEN int64_t sysvipc_unix_ms(void);
SYSVIPC_HIDDEN void sysvipc_sleep_ms(int ms);

/* FUTEX_WAIT (shared, not private) for at most timeout_ns; every outcome means "look again". */
SYSVIPC_HIDDEN void sysvipc_futex_wait(void *word, int32_t expected, int64_t timeout_ns);
/* Wakes every sleeper on the word without changing it. */
SYSVIPC_HIDDEN void sysvipc_futex_wake(void *word);
/* Increments the word, then wakes every sleeper on it. */
SYSVIPC_HIDDEN void sysvipc_futex_wake_all(void *word);

/* The fence rule (docs/channel-format.md, section 7). */
SYSVIPC_HIDDEN void sysvipc_fence_init(void);
SYSVIPC_HIDDEN extern bool sysvipc_fence_registered;
static inline void sysvipc_fence_light(void)
{
    if (!sysvipc_fence_registered)
        atomic_thread_fence(memory_order_seq_cst);
}
SYSVIPC_HIDDEN void sysvipc_fence_heavy(void);

static inline void sysvipc_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#endif
}

/* Maps shmget/shmat/shmctl errno to our codes. */
SYSVIPC_HIDDEN int sysvipc_from_errno(int e);

#endif
