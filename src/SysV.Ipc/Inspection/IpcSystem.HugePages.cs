using System.Globalization;

namespace SysV.Ipc;

/// <summary>The huge-page settings a SHM_HUGETLB segment depends on (for error messages).</summary>
public static partial class IpcSystem
{
    /// <summary>/proc/sys/vm/nr_hugepages: huge pages of the default size reserved now; null if unreadable.</summary>
    internal static ulong? ReadHugePagesReserved()
    {
        string? text = ReadProcFile("/proc/sys/vm/nr_hugepages");
        return text is not null && ulong.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong value) ? value : null;
    }

    /// <summary>The default huge page size in bytes ("Hugepagesize:" in /proc/meminfo); null if unknown.</summary>
    internal static long? ReadDefaultHugePageSize()
    {
        string? text = ReadProcFile("/proc/meminfo");
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

    private static string? ReadProcFile(string path)
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
