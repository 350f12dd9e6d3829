using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// The library's one futex wrapper: sleeping on and waking a 32-bit word in shared memory. No
/// FUTEX_PRIVATE_FLAG, so the kernel keys the word by its physical page and processes that map the segment
/// at different addresses meet on it.
/// </summary>
internal static unsafe class Futex
{
    /// <summary>
    /// Sleeps while <c>*word == expected</c>, for at most <paramref name="timeout"/> (converted by
    /// <see cref="Deadline.ToTimespec"/>; <see cref="Timeout.InfiniteTimeSpan"/> sleeps until woken).
    /// Returns on a wake, a change of the word, a signal or the timeout alike: callers re-check their condition.
    /// </summary>
    internal static void Wait(int* word, int expected, TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            _ = Libc.syscall(Libc.SYS_futex, word, Libc.FUTEX_WAIT, expected, null, 0, 0);
            return;
        }

        Timespec relative = Deadline.ToTimespec(timeout);

        // EAGAIN (the word changed), ETIMEDOUT and EINTR all mean "look again"; ENOSYS cannot happen on Linux.
        _ = Libc.syscall(Libc.SYS_futex, word, Libc.FUTEX_WAIT, expected, &relative, 0, 0);
    }

    /// <summary>The same for an unsigned word.</summary>
    internal static void Wait(uint* word, uint expected, TimeSpan timeout) => Wait((int*)word, unchecked((int)expected), timeout);

    /// <summary>Wakes every thread of every process sleeping on the word.</summary>
    internal static void WakeAll(int* word) =>
        _ = Libc.syscall(Libc.SYS_futex, word, Libc.FUTEX_WAKE, int.MaxValue, null, 0, 0);

    /// <summary>The same for an unsigned word.</summary>
    internal static void WakeAll(uint* word) => WakeAll((int*)word);
}
