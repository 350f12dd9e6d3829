using System.Globalization;

namespace SysV.Ipc;

/// <summary>
/// Tells whether a process recorded in shared memory (pid and start time) is still running. The start
/// time (clock ticks after boot, field 22 of /proc/PID/stat) tells a reused pid from the original.
/// </summary>
internal static class ProcessIdentity
{
    private static readonly Lazy<ulong> s_ownStartTime = new(() => ReadStartTime(Environment.ProcessId) ?? 0);

    internal static ulong OwnStartTime => s_ownStartTime.Value;

    /// <summary>Whether the process runs (a zombie does not). A start time of 0 means "unknown": only the pid is checked.</summary>
    internal static bool IsAlive(int pid, ulong startTime)
    {
        if (pid <= 0)
        {
            return false;
        }

        ulong? actual = ReadStartTime(pid);
        return actual is not null && (startTime == 0 || actual == startTime);
    }

    /// <summary>The start time of a running process, or null when there is none (or it is a zombie).</summary>
    internal static ulong? ReadStartTime(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid ... starttime ...": comm may hold spaces and parentheses, so split after the last ')'.
        int close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        string[] fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 20 || fields[0] is "Z" or "X" or "x")
        {
            return null;
        }

        // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
        return ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out ulong start) ? start : null;
    }
}
