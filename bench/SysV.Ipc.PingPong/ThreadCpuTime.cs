using System.Runtime.InteropServices;

namespace SysV.Ipc.PingPong;

/// <summary>User-mode and kernel-mode CPU time of the calling thread (getrusage RUSAGE_THREAD): the runtime's other threads are not counted.</summary>
internal static partial class ThreadCpuTime
{
    private const int RusageThread = 1;

    internal static unsafe (long User, long System) Nanoseconds()
    {
        Rusage usage;
        if (getrusage(RusageThread, &usage) != 0)
        {
            throw new InvalidOperationException("getrusage(RUSAGE_THREAD) failed.");
        }

        return (usage.UserSeconds * 1_000_000_000L + usage.UserMicroseconds * 1_000L,
            usage.SystemSeconds * 1_000_000_000L + usage.SystemMicroseconds * 1_000L);
    }

    /// <summary>The start of struct rusage (LP64): ru_utime, then ru_stime, then 14 longs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct Rusage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public fixed long Rest[14];
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int getrusage(int who, Rusage* usage);
}
