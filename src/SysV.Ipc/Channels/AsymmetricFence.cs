using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// The store-then-load ordering a sleeper and a waker need (Dekker: "I said I sleep, then I look for
/// data" against "I published data, then I look whether someone sleeps"), paid by the sleeper only.
/// </summary>
/// <remarks>
/// Without it a producer could read "nobody sleeps" from before the consumer's announcement while the
/// consumer reads "no data" from before the producer's commit: a lost wake-up. A full fence on every
/// commit would prevent it but stalls the producer until its store buffer drains (tens of nanoseconds per
/// message). Instead every participant registers for membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED), and the
/// side about to sleep issues it: the kernel runs a full barrier on every CPU running a registered
/// process, so the fast side needs only program order. Where membarrier is unavailable (old kernel,
/// seccomp), both sides fall back to full fences; the bounded futex sleeps cover anything else.
/// </remarks>
internal static class AsymmetricFence
{
    private static readonly bool s_registered = Register();

    /// <summary>Whether this process is registered, so that the fast side may skip its fence.</summary>
    internal static bool IsAsymmetric => s_registered;

    /// <summary>The waker's side: free when membarrier works, a full fence otherwise.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal static void Light()
    {
        if (!s_registered)
        {
            Interlocked.MemoryBarrier();
        }
    }

    /// <summary>The sleeper's side: a barrier on every CPU that runs a registered process, then a local full fence.</summary>
    internal static void Heavy()
    {
        if (s_registered)
        {
            _ = Libc.syscall(Libc.SYS_membarrier, Libc.MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0);
        }

        Interlocked.MemoryBarrier();
    }

    /// <summary>Makes sure this process is registered (the static constructor does the work).</summary>
    internal static void EnsureRegistered() => _ = s_registered;

    private static bool Register()
    {
        // SYSV_IPC_CHANNEL_FENCE=full: full fences on both sides instead (to compare, or where membarrier misbehaves).
        if (Libc.SYS_membarrier < 0 || Environment.GetEnvironmentVariable("SYSV_IPC_CHANNEL_FENCE") == "full")
        {
            return false;
        }

        long supported = Libc.syscall(Libc.SYS_membarrier, Libc.MEMBARRIER_CMD_QUERY, 0, 0);
        const long Needed = Libc.MEMBARRIER_CMD_GLOBAL_EXPEDITED | Libc.MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED;
        return supported > 0
            && (supported & Needed) == Needed
            && Libc.syscall(Libc.SYS_membarrier, Libc.MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0;
    }
}
