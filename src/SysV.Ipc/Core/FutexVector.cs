using System.Runtime.InteropServices;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// Sleeping on many futex words at once: one <c>futex_waitv</c> call (Linux 5.16+) over up to 128 words,
/// or, where the kernel lacks it (or <c>SYSV_IPC_CHANNEL_WAITV=off</c> forces it, for tests), the
/// fallback: a <c>FUTEX_WAIT</c> on the first word in slices of at most <see cref="FallbackPoll"/>, after
/// which the caller looks at every word's condition again. So with the fallback a wake of the first word
/// is seen at once and a change of any other within about a millisecond.
/// </summary>
internal static unsafe class FutexVector
{
    /// <summary>The most words one wait takes (FUTEX_WAITV_MAX).</summary>
    internal const int MaxWords = Libc.FUTEX_WAITV_MAX;

    /// <summary>The environment variable that forces the fallback (value <c>off</c>).</summary>
    internal const string SwitchVariable = "SYSV_IPC_CHANNEL_WAITV";

    /// <summary>How long one fallback sleep on the first word lasts at most.</summary>
    internal static readonly TimeSpan FallbackPoll = TimeSpan.FromMilliseconds(1);

    private static readonly bool s_available = Probe();

    /// <summary>Whether this process waits with futex_waitv (false: the fallback).</summary>
    internal static bool IsAvailable => s_available;

    /// <summary>Fills one entry: a 32-bit word shared between processes (no FUTEX2_PRIVATE) and the value it must still hold to sleep.</summary>
    internal static void Set(FutexWaitv* entry, int* word, int expected)
    {
        entry->val = unchecked((uint)expected);
        entry->uaddr = (ulong)word;
        entry->flags = Libc.FUTEX_32;
        entry->__reserved = 0;
    }

    /// <summary>
    /// Sleeps while every word holds its expected value, until one is woken or changes, a signal, or
    /// <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/> for none). Like <see cref="Futex.Wait(int*, int, TimeSpan)"/>
    /// it returns on anything alike: the caller re-checks its conditions.
    /// </summary>
    internal static void Wait(FutexWaitv* entries, int count, TimeSpan timeout)
    {
        if (count <= 0 || count > MaxWords)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"futex_waitv takes 1 to {MaxWords} words.");
        }

        if (!s_available)
        {
            TimeSpan slice = timeout == Timeout.InfiniteTimeSpan || timeout > FallbackPoll ? FallbackPoll : timeout;
            Futex.Wait((int*)entries[0].uaddr, unchecked((int)(uint)entries[0].val), slice);
            return;
        }

        if (timeout == Timeout.InfiniteTimeSpan)
        {
            _ = Libc.syscall(Libc.SYS_futex_waitv, entries, (uint)count, 0, null, Libc.CLOCK_MONOTONIC);
            return;
        }

        // The timeout of futex_waitv is absolute on the clock named.
        Timespec now;
        _ = Libc.clock_gettime(Libc.CLOCK_MONOTONIC, &now);
        Timespec relative = Deadline.ToTimespec(timeout);
        long nanoseconds = now.tv_nsec + relative.tv_nsec;
        var end = new Timespec
        {
            tv_sec = relative.tv_sec > long.MaxValue / 2 ? long.MaxValue / 2 : now.tv_sec + relative.tv_sec + (nanoseconds / 1_000_000_000),
            tv_nsec = nanoseconds % 1_000_000_000,
        };

        // EAGAIN (a word changed), ETIMEDOUT and EINTR all mean "look again".
        _ = Libc.syscall(Libc.SYS_futex_waitv, entries, (uint)count, 0, &end, Libc.CLOCK_MONOTONIC);
    }

    /// <summary>
    /// futex_waitv with no words is EINVAL where the call exists; ENOSYS (an older kernel) or EPERM (a
    /// seccomp filter that does not know it) means the fallback.
    /// </summary>
    private static bool Probe()
    {
        if (Libc.SYS_futex_waitv < 0 || string.Equals(Environment.GetEnvironmentVariable(SwitchVariable), "off", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        long result = Libc.syscall(Libc.SYS_futex_waitv, (FutexWaitv*)null, 0, 0, null, Libc.CLOCK_MONOTONIC);
        return result == -1 && Marshal.GetLastPInvokeError() == Errno.EINVAL;
    }
}
