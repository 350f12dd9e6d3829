using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// Sleeping on a 32-bit word in shared memory (futex without FUTEX_PRIVATE_FLAG, so the kernel keys it by
/// the physical page and processes that map the segment at different addresses meet on it).
/// </summary>
internal static unsafe class FutexWord
{
    /// <summary>Sleeps while *address == expected, at most <paramref name="timeout"/>. Spurious returns are possible: callers re-check.</summary>
    internal static void Wait(uint* address, uint expected, TimeSpan timeout)
    {
        long ticks = Math.Max(0, timeout.Ticks);
        var relative = new Timespec { tv_sec = ticks / TimeSpan.TicksPerSecond, tv_nsec = ticks % TimeSpan.TicksPerSecond * 100 };

        // EAGAIN (the word changed), ETIMEDOUT and EINTR all mean "look again"; ENOSYS cannot happen on Linux.
        _ = Libc.syscall(Libc.SYS_futex, (int*)address, Libc.FUTEX_WAIT, unchecked((int)expected), &relative, 0, 0);
    }

    /// <summary>Wakes every process sleeping on the word.</summary>
    internal static void WakeAll(uint* address) =>
        _ = Libc.syscall(Libc.SYS_futex, (int*)address, Libc.FUTEX_WAKE, int.MaxValue, null, 0, 0);
}
