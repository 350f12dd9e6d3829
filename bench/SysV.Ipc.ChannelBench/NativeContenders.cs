using System.Globalization;

namespace SysV.Ipc.ChannelBench;

/// <summary>Compiles the C baselines (bench/c/channel, copied beside the harness) with gcc -O2, once per run.</summary>
internal static class NativeBuild
{
    private static readonly string s_directory = Path.Combine(Path.GetTempPath(), $"channelbench-native-{Environment.ProcessId}");
    private static readonly Dictionary<string, string> s_built = [];

    public static string Program(string name)
    {
        lock (s_built)
        {
            if (s_built.TryGetValue(name, out string? path))
            {
                return path;
            }

            Directory.CreateDirectory(s_directory);
            string source = Path.Combine(AppContext.BaseDirectory, "c", name + ".c");
            path = Path.Combine(s_directory, name);
            using ChildProcess gcc = ChildProcess.Program("gcc", "-O2", "-Wall", "-Werror", "-o", path, source);
            gcc.WaitForSuccess(TimeSpan.FromMinutes(2));
            s_built[name] = path;
            return path;
        }
    }

    public static string GccVersion()
    {
        using ChildProcess gcc = ChildProcess.Program("gcc", "-dumpfullversion");
        return gcc.WaitFor(string.Empty, TimeSpan.FromSeconds(30));
    }

    public static void Cleanup()
    {
        try
        {
            Directory.Delete(s_directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>Runs a program that writes round-trip samples (u64 ns) to a file.</summary>
    public static long[] Samples(string program, params string[] args)
    {
        string file = Path.Combine(s_directory, $"samples-{Guid.NewGuid():N}.bin");
        try
        {
            using ChildProcess child = ChildProcess.Program(program, [.. args, file]);
            child.WaitForSuccess(TimeSpan.FromMinutes(10));
            byte[] bytes = File.ReadAllBytes(file);
            return [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(bytes)];
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Runs a program that prints "elapsed_ns N".</summary>
    public static double ElapsedSeconds(string program, params string[] args)
    {
        using ChildProcess child = ChildProcess.Program(program, args);
        long ns = child.WaitForLong("elapsed_ns", TimeSpan.FromMinutes(10));
        child.WaitForSuccess(TimeSpan.FromSeconds(30));
        return ns / 1e9;
    }
}

/// <summary>The C SPSC ring in SysV shared memory (spinning): the bar the channel is held to.</summary>
internal sealed class CRingContender : IContender
{
    public string Name => "C SPSC ring in SysV shm (gcc -O2, spinning)";

    public bool Supports(int size) => true;

    public ThroughputResult Throughput(int size, long count)
    {
        double seconds = NativeBuild.ElapsedSeconds(NativeBuild.Program("ring_spsc"), "throughput", Arg(size), Arg(count), Arg(BenchSettings.RingCapacity(size)));
        return new ThroughputResult(Name, size, count, seconds);
    }

    public LatencyResult PingPong(int size, int rounds) =>
        LatencyResult.From(Name, size, NativeBuild.Samples(NativeBuild.Program("ring_spsc"), "pingpong", Arg(size), Arg(rounds), Arg(BenchSettings.RingCapacity(size))));

    private static string Arg(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>C ping-pong through shared memory with FUTEX_WAIT/FUTEX_WAKE, no spinning: the bar for the blocking channel.</summary>
internal sealed class CFutexContender : IContender
{
    public string Name => "C futex ping-pong in SysV shm (gcc -O2, blocking)";

    public bool Supports(int size) => true;

    public ThroughputResult? Throughput(int size, long count) => null;

    public LatencyResult PingPong(int size, int rounds) =>
        LatencyResult.From(Name, size, NativeBuild.Samples(NativeBuild.Program("futex_pingpong"), size.ToString(CultureInfo.InvariantCulture), rounds.ToString(CultureInfo.InvariantCulture)));
}

/// <summary>The SysV message queue from C: msgsnd/msgrcv.</summary>
internal sealed class CMessageQueueContender : IContender
{
    public string Name => "SysV message queue (C msgsnd/msgrcv)";

    public bool SystemCallPerMessage => true;

    public bool Supports(int size) => size <= MessageQueueContender.MaxMessage;

    public ThroughputResult Throughput(int size, long count) =>
        new(Name, size, count, NativeBuild.ElapsedSeconds(NativeBuild.Program("msgq_pingpong"), "throughput", Arg(size), Arg(count)));

    public LatencyResult PingPong(int size, int rounds) =>
        LatencyResult.From(Name, size, NativeBuild.Samples(NativeBuild.Program("msgq_pingpong"), "pingpong", Arg(size), Arg(rounds)));

    private static string Arg(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>python3-sysv-ipc's MessageQueue, through /usr/bin/python3 (skipped where it is not installed).</summary>
internal sealed class PythonMessageQueueContender : IContender
{
    private const string Python = "/usr/bin/python3";

    public string Name => "SysV message queue (python3-sysv-ipc)";

    public bool SystemCallPerMessage => true;

    public static bool IsAvailable()
    {
        if (!File.Exists(Python))
        {
            return false;
        }

        using ChildProcess probe = ChildProcess.Program(Python, "-c", "import sysv_ipc");
        try
        {
            probe.WaitForSuccess(TimeSpan.FromSeconds(30));
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public bool Supports(int size) => size <= MessageQueueContender.MaxMessage;

    // Python's interpreter costs far more per message than the kernel: a tenth of the messages.
    public ThroughputResult Throughput(int size, long count)
    {
        count = Math.Max(count / 10, 100);
        return new(Name, size, count, NativeBuild.ElapsedSeconds(Python, Script, "throughput", Arg(size), Arg(count)));
    }

    public LatencyResult PingPong(int size, int rounds) =>
        LatencyResult.From(Name, size, NativeBuild.Samples(Python, Script, "pingpong", Arg(size), Arg(Math.Max(rounds / 4, 40))));

    private static string Script => Path.Combine(AppContext.BaseDirectory, "python", "sysv_ipc_msgq.py");

    private static string Arg(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Single-thread memcpy bandwidth, the reference for the 1 MiB zero-copy target.</summary>
internal static class MemcpyBandwidth
{
    public static (double Hot, double Ring) Measure(int size, long workset, long bytes)
    {
        using ChildProcess child = ChildProcess.Program(NativeBuild.Program("memcpy_bw"), size.ToString(CultureInfo.InvariantCulture), workset.ToString(CultureInfo.InvariantCulture), bytes.ToString(CultureInfo.InvariantCulture));
        double hot = double.Parse(child.WaitFor("hot_bytes_per_s", TimeSpan.FromMinutes(5)), CultureInfo.InvariantCulture);
        double ring = double.Parse(child.WaitFor("ring_bytes_per_s", TimeSpan.FromMinutes(5)), CultureInfo.InvariantCulture);
        child.WaitForSuccess(TimeSpan.FromSeconds(30));
        return (hot / 1e9, ring / 1e9);
    }
}
