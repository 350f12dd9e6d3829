using System.Globalization;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>A System V limit an administrator sets in /proc/sys/kernel (sysctl kernel.*).</summary>
internal enum KernelTunable
{
    ShmMax,
    ShmAll,
    ShmMni,
    MsgMax,
    MsgMnb,
    MsgMni,
    SemMsl,
    SemMns,
    SemOpm,
    SemMni,
}

/// <summary>
/// The one reader of the kernel's System V tunables (/proc/sys/kernel/{shmmax,shmall,shmmni,msgmax,msgmnb,
/// msgmni,sem}, with IPC_INFO where /proc cannot be read) and of the huge-page settings.
/// </summary>
/// <remarks>
/// The caching rule, the same for every limit: <see cref="Read"/> always reads the kernel and refreshes the
/// cache. <see cref="Allows"/> answers from the cache when the cache says yes, and reads the kernel again
/// before it says no. So a cached value only ever lets a request through that the kernel would check anyway;
/// a refusal is always based on the value in force now, and a limit an administrator raises or lowers while
/// the process runs is honoured without a system call on the common path.
/// </remarks>
internal static class KernelTunables
{
    private const string ProcKernel = "/proc/sys/kernel/";

    private static readonly ulong[] s_cache = InitialCache();

    /// <summary>Reads the limit now (and refreshes the cache).</summary>
    internal static ulong Read(KernelTunable tunable)
    {
        ulong value = ReadFromKernel(tunable);
        Volatile.Write(ref s_cache[(int)tunable], value);
        return value;
    }

    /// <summary>The value last read (never a system call once read); use it only for messages and fast "yes" answers.</summary>
    internal static ulong Cached(KernelTunable tunable)
    {
        ulong value = Volatile.Read(ref s_cache[(int)tunable]);
        return value != 0 ? value : Read(tunable);
    }

    /// <summary>Whether <paramref name="value"/> is within the limit: from the cache when it says yes, re-read before saying no.</summary>
    /// <param name="tunable">The limit.</param>
    /// <param name="value">The requested amount.</param>
    /// <param name="limit">The limit the answer is based on.</param>
    internal static bool Allows(KernelTunable tunable, ulong value, out ulong limit)
    {
        limit = Cached(tunable);
        if (value <= limit)
        {
            return true;
        }

        limit = Read(tunable);
        return value <= limit;
    }

    /// <summary>/proc/sys/vm/nr_hugepages: huge pages of the default size reserved now; null if unreadable. Not cached.</summary>
    internal static ulong? ReadHugePagesReserved() => ParseULong(ReadFile("/proc/sys/vm/nr_hugepages"));

    /// <summary>The default huge page size in bytes ("Hugepagesize:" in /proc/meminfo); null if unknown. Not cached.</summary>
    internal static long? ReadDefaultHugePageSize()
    {
        string? text = ReadFile("/proc/meminfo");
        if (text is null)
        {
            return null;
        }

        foreach (string line in text.Split('\n'))
        {
            // "Hugepagesize:       2048 kB"
            if (line.StartsWith("Hugepagesize:", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return parts.Length == 3 && parts[2] == "kB" && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kilobytes)
                    ? kilobytes * 1024
                    : null;
            }
        }

        return null;
    }

    /// <summary>The name of the file (and sysctl) that sets a limit, for messages.</summary>
    internal static string Where(KernelTunable tunable) => tunable switch
    {
        KernelTunable.SemMsl => "first field of /proc/sys/kernel/sem, sysctl kernel.sem",
        KernelTunable.SemMns => "second field of /proc/sys/kernel/sem, sysctl kernel.sem",
        KernelTunable.SemOpm => "third field of /proc/sys/kernel/sem, sysctl kernel.sem",
        KernelTunable.SemMni => "fourth field of /proc/sys/kernel/sem, sysctl kernel.sem",
        _ => $"set in {ProcKernel}{FileName(tunable)}, or kernel.{FileName(tunable)} with sysctl",
    };

    private static ulong[] InitialCache() => new ulong[Enum.GetValues<KernelTunable>().Length];

    private static string FileName(KernelTunable tunable) => tunable switch
    {
        KernelTunable.ShmMax => "shmmax",
        KernelTunable.ShmAll => "shmall",
        KernelTunable.ShmMni => "shmmni",
        KernelTunable.MsgMax => "msgmax",
        KernelTunable.MsgMnb => "msgmnb",
        KernelTunable.MsgMni => "msgmni",
        _ => "sem",
    };

    private static ulong ReadFromKernel(KernelTunable tunable)
    {
        PlatformGuard.ThrowIfUnsupported();
        string? text = ReadFile(ProcKernel + FileName(tunable));
        ulong? value = tunable switch
        {
            KernelTunable.SemMsl => SemField(text, 0),
            KernelTunable.SemMns => SemField(text, 1),
            KernelTunable.SemOpm => SemField(text, 2),
            KernelTunable.SemMni => SemField(text, 3),
            _ => ParseULong(text),
        };
        return value ?? FromIpcInfo(tunable);
    }

    /// <summary>IPC_INFO reports the same limits (clamping some) where /proc/sys/kernel cannot be read.</summary>
    private static unsafe ulong FromIpcInfo(KernelTunable tunable)
    {
        switch (tunable)
        {
            case KernelTunable.ShmMax or KernelTunable.ShmAll or KernelTunable.ShmMni:
                ShmInfoLimits shm;
                if (Libc.shmctl(0, Libc.IPC_INFO, &shm) < 0)
                {
                    throw IpcErrors.FromLastError("shmctl(IPC_INFO)", IpcObjectKind.SharedMemory);
                }

                return tunable == KernelTunable.ShmMax ? shm.shmmax : tunable == KernelTunable.ShmAll ? shm.shmall : shm.shmmni;
            case KernelTunable.MsgMax or KernelTunable.MsgMnb or KernelTunable.MsgMni:
                MsgInfo msg;
                if (Libc.msgctl(0, Libc.IPC_INFO, &msg) < 0)
                {
                    throw IpcErrors.FromLastError("msgctl(IPC_INFO)", IpcObjectKind.MessageQueue);
                }

                return (ulong)(tunable == KernelTunable.MsgMax ? msg.msgmax : tunable == KernelTunable.MsgMnb ? msg.msgmnb : msg.msgmni);
            default:
                SemInfo sem;
                if (Libc.semctl(0, 0, Libc.IPC_INFO, (nint)(&sem)) < 0)
                {
                    throw IpcErrors.FromLastError("semctl(IPC_INFO)", IpcObjectKind.SemaphoreSet);
                }

                return (ulong)(tunable switch
                {
                    KernelTunable.SemMsl => sem.semmsl,
                    KernelTunable.SemMns => sem.semmns,
                    KernelTunable.SemOpm => sem.semopm,
                    _ => sem.semmni,
                });
        }
    }

    private static ulong? SemField(string? text, int index)
    {
        if (text is null)
        {
            return null;
        }

        string[] parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 4 && ulong.TryParse(parts[index], NumberStyles.None, CultureInfo.InvariantCulture, out ulong value) ? value : null;
    }

    private static ulong? ParseULong(string? text) =>
        text is not null && ulong.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong value) ? value : null;

    private static string? ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
