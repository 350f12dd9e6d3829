using System.Globalization;

namespace SysV.Ipc;

/// <summary>
/// Who a process is, robustly: its pid plus its start time (field 22 of /proc/PID/stat, in clock ticks
/// since boot), so that a reused pid is never mistaken for the process that died.
/// </summary>
internal static class ProcessIdentity
{
    private const int PidBits = 22; // pid_max is at most 4194304 = 2^22

    private static readonly Lazy<long> s_current = new(() => Pack(Environment.ProcessId, ReadStartTime(Environment.ProcessId) ?? 1));

    /// <summary>This process, packed as <see cref="Pack"/> does.</summary>
    internal static long Current => s_current.Value;

    /// <summary>One 64-bit word (so it can be claimed with one compare-and-swap): start time above 22 bits of pid. Never 0.</summary>
    internal static long Pack(int pid, long startTime) => (startTime << PidBits) | (uint)pid;

    internal static int PidOf(long identity) => (int)(identity & ((1L << PidBits) - 1));

    internal static long StartTimeOf(long identity) => (long)((ulong)identity >> PidBits);

    /// <summary>
    /// Whether the process an identity names is still running. A pid that does not exist, or exists with
    /// another start time (reused), is dead. Needs the processes to share a pid namespace and /proc.
    /// </summary>
    internal static bool IsAlive(long identity)
    {
        if (identity == 0)
        {
            return false;
        }

        int pid = PidOf(identity);
        if (pid == Environment.ProcessId)
        {
            return identity == Current;
        }

        long? start = ReadStartTime(pid);
        return start is not null && start.Value == StartTimeOf(identity);
    }

    /// <summary>Field 22 of /proc/PID/stat; null when the process does not exist (or is a zombie already reaped).</summary>
    internal static long? ReadStartTime(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // "PID (COMM) STATE PPID ..." where COMM may contain spaces and parentheses: parse after the last ')'.
        int close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        string[] fields = text[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state); field 22 (starttime) is fields[19]. A zombie has exited: dead.
        if (fields.Length < 20 || fields[0] == "Z" || fields[0] == "X")
        {
            return null;
        }

        return long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out long start) ? start : null;
    }
}
