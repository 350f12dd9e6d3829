using System.Globalization;
using System.Runtime.InteropServices;

namespace SysV.Ipc.ChannelBench;

/// <summary>What the numbers were measured on, and how busy it was.</summary>
internal static class MachineInfo
{
    public static string Cpu()
    {
        string? model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return model is null ? RuntimeInformation.ProcessArchitecture.ToString() : model[(model.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    public static string Kernel() => File.ReadAllText("/proc/sys/kernel/osrelease").Trim();

    public static string Os()
    {
        string? pretty = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
            : null;
        return pretty?["PRETTY_NAME=".Length..].Trim('"') ?? RuntimeInformation.OSDescription;
    }

    /// <summary>One line naming the machine and the software measured on.</summary>
    public static string Describe() =>
        $"{Cpu()}, {Environment.ProcessorCount} logical CPUs, {Os()}, Linux {Kernel()}, .NET {Environment.Version}";

    /// <summary>The 1-minute load average.</summary>
    public static double Load() => double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>The share of all CPUs busy over the next second (before the run starts, that is everyone else).</summary>
    public static double BusyOverOneSecond()
    {
        (long t0, long i0) = CpuTimes();
        Thread.Sleep(1000);
        (long t1, long i1) = CpuTimes();
        return 1.0 - ((double)(i1 - i0) / Math.Max(1, t1 - t0));
    }

    /// <summary>Total and idle jiffies of all CPUs, to compute how much of the machine others used during the run.</summary>
    public static (long Total, long Idle) CpuTimes()
    {
        string[] fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long[] values = [.. fields.Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture))];
        return (values.Sum(), values[3] + values[4]);
    }
}
