using System.Globalization;
using System.Runtime.InteropServices;

namespace SysV.Ipc.ChannelBench;

/// <summary>
/// How much of the two pinned CPUs other work took during one repeat: the CPUs' busy time from
/// /proc/stat minus the CPU time of this harness and every child it waited for (getrusage SELF and
/// CHILDREN; the C programs and the .NET drivers wait for the partners they start, so those count too).
/// The host's steal time (the vCPU not running at all) is counted with the others.
/// </summary>
internal static partial class CpuAccount
{
    private const double TicksPerSecond = 100; // USER_HZ, the unit of /proc/stat on Linux

    /// <summary>A reading at one moment.</summary>
    internal readonly record struct Snapshot(long WallNanoseconds, double BusySeconds, double StealSeconds, double OwnSeconds);

    /// <summary>What happened between two readings.</summary>
    internal readonly record struct Usage(double WallSeconds, double OthersSeconds, double StealSeconds, int Cpus)
    {
        /// <summary>Others' share of the pinned CPUs' time (0 to 1), steal included.</summary>
        public double OthersShare => WallSeconds <= 0 ? 0 : (OthersSeconds + StealSeconds) / (WallSeconds * Cpus);
    }

    public static Snapshot Take(IReadOnlyList<int> cpus)
    {
        double busy = 0, steal = 0;
        foreach (string line in File.ReadLines("/proc/stat"))
        {
            if (!line.StartsWith("cpu", StringComparison.Ordinal) || line.Length < 4 || !char.IsAsciiDigit(line[3]))
            {
                continue;
            }

            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (!cpus.Contains(int.Parse(f[0].AsSpan(3), CultureInfo.InvariantCulture)))
            {
                continue;
            }

            // user nice system idle iowait irq softirq steal (guest time is already inside user)
            long[] v = [.. f.Skip(1).Take(8).Select(x => long.Parse(x, CultureInfo.InvariantCulture))];
            busy += (v[0] + v[1] + v[2] + v[5] + v[6]) / TicksPerSecond;
            steal += v[7] / TicksPerSecond;
        }

        return new Snapshot(Clock.NowNanoseconds(), busy, steal, OwnCpuSeconds());
    }

    public static Usage Since(Snapshot start, IReadOnlyList<int> cpus)
    {
        Snapshot end = Take(cpus);
        double own = end.OwnSeconds - start.OwnSeconds;
        // Both counters advance in ticks: allow one tick per CPU of rounding before calling anything "others".
        double others = Math.Max(0, end.BusySeconds - start.BusySeconds - own - (cpus.Count / TicksPerSecond));
        return new Usage((end.WallNanoseconds - start.WallNanoseconds) / 1e9, others, end.StealSeconds - start.StealSeconds, cpus.Count);
    }

    private static double OwnCpuSeconds()
    {
        double total = 0;
        foreach (int who in (ReadOnlySpan<int>)[0, -1]) // RUSAGE_SELF, RUSAGE_CHILDREN
        {
            if (GetRusage(who, out Rusage usage) != 0)
            {
                throw new InvalidOperationException($"getrusage failed with errno {Marshal.GetLastPInvokeError()}");
            }

            total += usage.UserSeconds + (usage.UserMicroseconds / 1e6) + usage.SystemSeconds + (usage.SystemMicroseconds / 1e6);
        }

        return total;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
#pragma warning disable CS0169 // the rest of struct rusage, not read
        private unsafe fixed long _rest[14];
#pragma warning restore CS0169
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRusage(int who, out Rusage usage);
}
