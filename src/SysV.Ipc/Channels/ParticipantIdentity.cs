namespace SysV.Ipc;

/// <summary>
/// A channel participant's identity in one 64-bit word, so a slot can be claimed with one compare-and-swap:
/// the process start time (<see cref="ProcessIdentity"/>) above 22 bits of pid (pid_max is at most 2^22).
/// 0 means a free slot. The start time tells a reused pid from the process that died.
/// </summary>
internal static class ParticipantIdentity
{
    private const int PidBits = 22;

    private static readonly Lazy<long> s_current = new(() => Pack(Environment.ProcessId, Math.Max(1, (long)ProcessIdentity.OwnStartTime)));

    /// <summary>The largest pid Linux hands out (PID_MAX_LIMIT, 2^22).</summary>
    internal const int MaxPid = 1 << PidBits;

    /// <summary>
    /// The owner a multi-producer writer leaves in its slot when it is disposed while its last claim may
    /// still be ahead of the reader: dead for the reader's dead-claim recovery (so it can skip a claim the
    /// writer made but never wrote), free for everything else (format version 2).
    /// </summary>
    internal const long Released = 1L << PidBits;

    /// <summary>This process.</summary>
    internal static long Current => s_current.Value;

    internal static long Pack(int pid, long startTime) => (startTime << PidBits) | (uint)pid;

    internal static int PidOf(long identity) => (int)(identity & ((1L << PidBits) - 1));

    internal static long StartTimeOf(long identity) => (long)((ulong)identity >> PidBits);

    /// <summary>Whether the process an identity names still runs: its pid exists with the same start time (needs a shared pid namespace and /proc).</summary>
    internal static bool IsAlive(long identity)
    {
        if (identity is 0 or Released)
        {
            return false;
        }

        int pid = PidOf(identity);
        if (pid == Environment.ProcessId)
        {
            return identity == Current;
        }

        ulong? start = ProcessIdentity.ReadStartTime(pid);
        return start is not null && (long)start.Value == StartTimeOf(identity);
    }
}
