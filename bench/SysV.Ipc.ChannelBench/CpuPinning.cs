using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace SysV.Ipc.ChannelBench;

/// <summary>
/// Pins the benchmarks' two sides to two different CPUs, the same pair for every contender. The harness
/// pins all its threads to the first CPU (so whatever it starts inherits it) and names the second in
/// <see cref="PeerCpuVariable"/>; a partner it starts runs under <c>taskset</c> on that CPU from its first
/// instruction (the runtime's own threads too), and a C program moves the partner it forks there
/// (bench/c/pin_peer.h). Linked into bench/SysV.Ipc.PingPong and the Native AOT peer as well.
/// </summary>
internal static partial class CpuPinning
{
    /// <summary>The environment variable naming the partner's CPU; unset means no pinning.</summary>
    public const string PeerCpuVariable = "SYSVIPC_BENCH_PEER_CPU";

    private const int MaskBytes = 128; // 1024 CPUs, the glibc cpu_set_t

    /// <summary>The partner's CPU, when the pair is pinned.</summary>
    public static int? PeerCpu =>
        int.TryParse(Environment.GetEnvironmentVariable(PeerCpuVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int cpu) ? cpu : null;

    /// <summary>
    /// Parses "--cpus A,B" (default: the first two CPUs this process may run on), pins every thread of this
    /// process to A and sets the variable to B for the children. Returns the pair, or null (and pins
    /// nothing) with fewer than two CPUs allowed or "--cpus none".
    /// </summary>
    public static (int Own, int Peer)? PinPair(string? spec)
    {
        int[] allowed = AllowedCpus();
        if (spec == "none" || (spec is null && allowed.Length < 2))
        {
            Environment.SetEnvironmentVariable(PeerCpuVariable, null);
            return null;
        }

        string[] parts = (spec ?? string.Create(CultureInfo.InvariantCulture, $"{allowed[0]},{allowed[1]}")).Split(',');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int own)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int peer)
            || own == peer || own >= MaskBytes * 8 || peer >= MaskBytes * 8)
        {
            throw new ArgumentException($"--cpus takes two different CPU numbers like 0,1 (or none), not '{spec}'.");
        }

        PinThisProcess(own);
        Environment.SetEnvironmentVariable(PeerCpuVariable, peer.ToString(CultureInfo.InvariantCulture));
        return (own, peer);
    }

    /// <summary>The CPUs this process may run on (Cpus_allowed_list of /proc/self/status, such as "0-1" or "0,2-3").</summary>
    public static int[] AllowedCpus()
    {
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
        if (line is null)
        {
            return [.. Enumerable.Range(0, Environment.ProcessorCount)];
        }

        var cpus = new List<int>();
        foreach (string range in line["Cpus_allowed_list:".Length..].Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] ends = range.Split('-');
            int from = int.Parse(ends[0], CultureInfo.InvariantCulture);
            int to = ends.Length > 1 ? int.Parse(ends[1], CultureInfo.InvariantCulture) : from;
            cpus.AddRange(Enumerable.Range(from, to - from + 1));
        }

        return [.. cpus];
    }

    /// <summary>Pins every thread this process has now to <paramref name="cpu"/>; threads made later inherit it from their creator.</summary>
    public static void PinThisProcess(int cpu)
    {
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            int tid = int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture);
            if (SetAffinity(tid, cpu) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != 3) // ESRCH: the thread ended meanwhile
                {
                    throw new InvalidOperationException($"Could not pin thread {tid} to CPU {cpu}: sched_setaffinity failed with errno {errno} (is CPU {cpu} online and allowed? see taskset -p {Environment.ProcessId}).");
                }
            }
        }
    }

    /// <summary>The start info for a partner process: under <c>taskset -c PEER</c> when the pair is pinned.</summary>
    public static ProcessStartInfo ForPartner(string program, IEnumerable<string> args)
    {
        int? peer = PeerCpu;
        var psi = new ProcessStartInfo(peer is null ? program : "taskset");
        if (peer is { } cpu)
        {
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(cpu.ToString(CultureInfo.InvariantCulture));
            psi.ArgumentList.Add(program);
        }

        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        return psi;
    }

    private static unsafe int SetAffinity(int tid, int cpu)
    {
        byte* mask = stackalloc byte[MaskBytes];
        new Span<byte>(mask, MaskBytes).Clear();
        mask[cpu / 8] = (byte)(1 << (cpu % 8));
        return SchedSetAffinity(tid, MaskBytes, mask);
    }

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static unsafe partial int SchedSetAffinity(int pid, nint size, byte* mask);
}
