using System.Globalization;

namespace SysV.Ipc;

/// <summary>
/// The library's one process-liveness check: a pid plus when that process started. The start time (clock
/// ticks after boot, field 22 of /proc/PID/stat) tells a reused pid from the original, both for identities
/// recorded in shared memory (<see cref="IsAlive"/>) and for pids the kernel records with a time
/// (<see cref="IsRunningSince"/>, used for orphans: cpid with the creation time, lpid with the last attach).
/// </summary>
internal static class ProcessIdentity
{
    /// <summary>USER_HZ: /proc reports times in units of 1/100 s on every Linux architecture.</summary>
    private const int ClockTicksPerSecond = 100;

    private static readonly TimeSpan s_timeResolution = TimeSpan.FromSeconds(2);

    private static readonly Lazy<DateTimeOffset?> s_bootTime = new(ReadBootTime);

    // Our own start time is read from our main thread's task entry, not /proc/PID/stat: qemu-user answers
    // a process's reads of its own /proc/PID/stat itself, with a start time tens of ticks later than the
    // kernel's, so every peer would find this process "dead" (its recorded start time not matching).
    // The main thread's start time is the process's on any kernel.
    private static readonly Lazy<ulong> s_ownStartTime = new(() =>
        ReadStartTime(OwnTaskStatPath()) ?? ReadStartTime(Environment.ProcessId) ?? 0);

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

    /// <summary>
    /// Whether the process with this pid runs and could be the one the kernel recorded at
    /// <paramref name="recordedAt"/>: a process that started after that moment has the pid by reuse and does
    /// not count. Kernel times have whole seconds and the boot time too, so a start up to two seconds after
    /// the record still counts (the safe side: a live object is never judged abandoned).
    /// </summary>
    /// <param name="pid">A pid from cpid, lpid, lspid, lrpid or sempid; 0 and negative pids are "none".</param>
    /// <param name="recordedAt">When the kernel recorded the pid, or null when unknown (then any running process with the pid counts).</param>
    internal static bool IsRunningSince(int pid, DateTimeOffset? recordedAt)
    {
        if (pid <= 0)
        {
            return false;
        }

        ulong? start = ReadStartTime(pid);
        if (start is null)
        {
            return false;
        }

        if (recordedAt is not { } recorded || BootTime() is not { } boot)
        {
            return true;
        }

        DateTimeOffset started = boot + TimeSpan.FromSeconds((double)start.Value / ClockTicksPerSecond);
        return started <= recorded + s_timeResolution;
    }

    /// <summary>When the machine booted (btime in /proc/stat, whole seconds); null if unreadable.</summary>
    internal static DateTimeOffset? BootTime() => s_bootTime.Value;

    /// <summary>The start time of a running process, or null when there is none (or it is a zombie).</summary>
    internal static ulong? ReadStartTime(int pid) => ReadStartTime($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");

    private static string OwnTaskStatPath()
    {
        string pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        return $"/proc/{pid}/task/{pid}/stat";
    }

    private static ulong? ReadStartTime(string statPath)
    {
        string text;
        try
        {
            text = File.ReadAllText(statPath);
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

    private static DateTimeOffset? ReadBootTime()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/stat"))
            {
                if (line.StartsWith("btime ", StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan(6).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
                {
                    return DateTimeOffset.FromUnixTimeSeconds(seconds);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }
}
