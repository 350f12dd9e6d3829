using System.Globalization;

namespace SysV.Ipc.ChannelBench;

/// <summary>Compiles the C baselines (bench/c/channel, copied beside the harness) with gcc -O2, once per run.</summary>
internal static class NativeBuild
{
    private static readonly string s_directory = Path.Combine(Path.GetTempPath(), $"channelbench-native-{Environment.ProcessId}");
    private static readonly Dictionary<string, string> s_built = [];

    /// <summary>
    /// Builds bench/c/channel/SOURCE.c as <paramref name="name"/> (with -D<paramref name="define"/> when given;
    /// with libsysvipc's sources, native/src, when <paramref name="libsysvipc"/>); returns the executable.
    /// </summary>
    public static string Program(string name, string? source = null, string? define = null, bool libsysvipc = false)
    {
        lock (s_built)
        {
            if (s_built.TryGetValue(name, out string? path))
            {
                return path;
            }

            Directory.CreateDirectory(s_directory);
            string file = Path.Combine(AppContext.BaseDirectory, "c", (source ?? name) + ".c");
            path = Path.Combine(s_directory, name);
            string[] defines = define is null ? [] : ["-D" + define];
            string native = Path.Combine(AppContext.BaseDirectory, "native");
            string[] library = libsysvipc
                ? ["-I", Path.Combine(native, "include"), .. Directory.GetFiles(Path.Combine(native, "src"), "*.c").Order(StringComparer.Ordinal)]
                : [];
            using ChildProcess gcc = ChildProcess.Program("gcc", ["-O2", "-Wall", "-Werror", .. defines, "-o", path, file, .. library]);
            gcc.WaitForSuccess(TimeSpan.FromMinutes(2));
            s_built[name] = path;
            return path;
        }
    }

    /// <summary>Builds every C program now, so no gcc runs during the (pinned) measurements.</summary>
    public static void BuildAll()
    {
        foreach (string name in (string[])["ring_spsc", "futex_pingpong", "msgq_pingpong", "memcpy_bw", "cacheline_pingpong"])
        {
            _ = Program(name);
        }

        _ = Program("ring_spsc_batch", "ring_spsc", "HEAD_PER_BATCH");
        _ = LibSysvIpcContender.Program();
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

    /// <summary>Runs a program that writes round-trip samples (u64 ns) to a file named by its last argument.</summary>
    public static long[] Samples(string program, params string[] args) => Samples(file => ChildProcess.Program(program, [.. args, file]));

    /// <summary>Runs a process (started with the samples file's path) that writes round-trip samples (u64 ns) to that file.</summary>
    public static long[] Samples(Func<string, ChildProcess> start)
    {
        Directory.CreateDirectory(s_directory);
        string file = Path.Combine(s_directory, $"samples-{Guid.NewGuid():N}.bin");
        try
        {
            using ChildProcess child = start(file);
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
    public static double ElapsedSeconds(string program, params string[] args) => ElapsedSeconds(ChildProcess.Program(program, args));

    /// <summary>Waits for a started process that prints "elapsed_ns N"; disposes it.</summary>
    public static double ElapsedSeconds(ChildProcess started)
    {
        using ChildProcess child = started;
        long ns = child.WaitForLong("elapsed_ns", TimeSpan.FromMinutes(10));
        child.WaitForSuccess(TimeSpan.FromSeconds(30));
        return ns / 1e9;
    }
}

/// <summary>
/// The C SPSC ring in SysV shared memory (spinning): the classic design (head handed back per message),
/// or the same ring handing the head back per batch as the channel does (the design to beat).
/// </summary>
internal sealed class CRingContender(bool batch = false) : IContender
{
    public string Name => NameOf(batch);

    public static string NameOf(bool batch) => batch
        ? "C SPSC ring, head per batch (gcc -O2, spinning)"
        : "C SPSC ring in SysV shm (gcc -O2, spinning)";

    public bool Supports(int size) => true;

    private static string Program(bool batch) => batch ? NativeBuild.Program("ring_spsc_batch", "ring_spsc", "HEAD_PER_BATCH") : NativeBuild.Program("ring_spsc");

    public ThroughputResult Throughput(int size, long count)
    {
        double seconds = NativeBuild.ElapsedSeconds(Program(batch), "throughput", Arg(size), Arg(count), Arg(BenchSettings.RingCapacity(size)));
        return new ThroughputResult(Name, size, count, seconds);
    }

    public LatencyResult PingPong(int size, int rounds) =>
        LatencyResult.From(Name, size, NativeBuild.Samples(Program(batch), "pingpong", Arg(size), Arg(rounds), Arg(BenchSettings.RingCapacity(size))));

    private static string Arg(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The limit of a round trip between the two CPUs: one cache line passed back and forth between two
/// processes, nothing else (bench/c/channel/cacheline_pingpong.c). Measured at the smallest size only.
/// </summary>
internal sealed class CacheLineContender : IContender
{
    public string Name => "the limit: bare cache-line ping-pong (C)";

    public bool Supports(int size) => size == BenchSettings.AllSizes[0];

    public ThroughputResult? Throughput(int size, long count) => null;

    public LatencyResult PingPong(int size, int rounds) =>
        LatencyResult.From(Name, size, NativeBuild.Samples(NativeBuild.Program("cacheline_pingpong"), rounds.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The probe taken before every repeat: the mean of a 2,000-round trip between the two CPUs, in nanoseconds.</summary>
    public static double Probe()
    {
        using ChildProcess child = ChildProcess.Program(NativeBuild.Program("cacheline_pingpong"), "2000");
        double ns = double.Parse(child.WaitFor("mean_ns", TimeSpan.FromSeconds(30)), CultureInfo.InvariantCulture);
        child.WaitForSuccess(TimeSpan.FromSeconds(30));
        return ns;
    }
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

/// <summary>
/// The limit for large messages: single-thread memcpy of SIZE-byte blocks in one process (C, gcc -O2),
/// the same block again and again (caches warm) or blocks taken in turn from a ring-sized working set
/// (as the channel walks its ring). Measured at the largest size only; a "message" is one block.
/// </summary>
internal sealed class MemcpyContender(bool hot, int blockSize) : IContender
{
    public string Name => NameOf(hot);

    public static string NameOf(bool hot) => hot
        ? "the limit: single-thread memcpy, same block (C)"
        : "the limit: single-thread memcpy, ring-sized working set (C)";

    public bool Supports(int size) => size == blockSize;

    public ThroughputResult Throughput(int size, long count)
    {
        string mode = hot ? "hot" : "ring";
        long bytes = Math.Max(count * size, 64L << 20);
        using ChildProcess child = ChildProcess.Program(NativeBuild.Program("memcpy_bw"), Arg(size), Arg(BenchSettings.RingCapacity(size)), Arg(bytes), mode);
        double bytesPerSecond = double.Parse(child.WaitFor(mode + "_bytes_per_s", TimeSpan.FromMinutes(5)), CultureInfo.InvariantCulture);
        child.WaitForSuccess(TimeSpan.FromSeconds(30));
        long blocks = bytes / size;
        return new ThroughputResult(Name, size, blocks, blocks * (double)size / bytesPerSecond);
    }

    public LatencyResult? PingPong(int size, int rounds) => null;

    private static string Arg(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The limit of cross-process zero-copy throughput for large blocks: the C SPSC ring used in place by
/// two processes on the two CPUs, the producer filling each record where it lies, the consumer summing
/// every 8-byte word of it where it lies (bench/c/channel/ring_spsc.c, zerocopy), as the channel's
/// zero-copy rows do. Every byte moves from one CPU's caches to the other's, which the single-thread
/// memcpy rows never ask of the machine. Measured at the largest size only.
/// </summary>
internal sealed class CZeroCopyContender(int blockSize) : IContender
{
    public const string RowName = "the limit: zero-copy exchange across the two CPUs, fill + sum in place (C SPSC ring)";

    public string Name => RowName;

    public bool Supports(int size) => size == blockSize;

    public ThroughputResult Throughput(int size, long count)
    {
        double seconds = NativeBuild.ElapsedSeconds(NativeBuild.Program("ring_spsc"), "zerocopy", Arg(size), Arg(count), Arg(BenchSettings.RingCapacity(size)));
        return new ThroughputResult(Name, size, count, seconds);
    }

    public LatencyResult? PingPong(int size, int rounds) => null;

    private static string Arg(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// SharedMemoryChannel driven from C through libsysvipc (native/, compiled in with gcc -O2;
/// bench/c/channel/libsysvipc_channel.c), copying and spinning: C writer to C reader (the program forks its
/// partner, as the C ring does), or C writer to a .NET reader (the partner is this harness's
/// channel-consume / channel-pong role on the JIT, the same one the .NET-to-.NET row uses).
/// </summary>
internal sealed class LibSysvIpcContender(bool dotnetPartner) : IContender
{
    public string Name => NameOf(dotnetPartner);

    public static string NameOf(bool dotnetPartner) => dotnetPartner
        ? "SharedMemoryChannel, C writer (libsysvipc) to .NET reader, copying, spinning"
        : "SharedMemoryChannel, C to C through libsysvipc (gcc -O2), copying, spinning";

    public bool IsChannel => true;

    public bool Supports(int size) => true;

    public static string Program() => NativeBuild.Program("libsysvipc_channel", libsysvipc: true);

    public ThroughputResult Throughput(int size, long count)
    {
        long capacity = BenchSettings.RingCapacity(size);
        int warmUp = WarmUp(size);
        string[] partner = dotnetPartner ? ["--", .. ChildProcess.SelfCommand("channel-consume", "cs", "{id}", Arg(size), Arg(warmUp + count))] : [];
        double seconds = NativeBuild.ElapsedSeconds(Program(), ["throughput", Arg(size), Arg(count), Arg(capacity), Arg(warmUp), .. partner]);
        return new ThroughputResult(Name, size, count, seconds);
    }

    public LatencyResult PingPong(int size, int rounds)
    {
        long capacity = BenchSettings.RingCapacity(size);
        int warmUp = WarmUp(size);
        string[] partner = dotnetPartner ? ["--", .. ChildProcess.SelfCommand("channel-pong", "cs", "{ping}", "{pong}", Arg(size), Arg(warmUp + rounds))] : [];
        return LatencyResult.From(Name, size, NativeBuild.Samples(file =>
            ChildProcess.Program(Program(), ["pingpong", Arg(size), Arg(rounds), Arg(capacity), Arg(warmUp), file, .. partner])));
    }

    // C to C has no warm-up, as the C ring; a .NET partner gets the .NET rows' (its JIT compiles the loop).
    private int WarmUp(int size) => dotnetPartner ? ChannelRoles.WarmUpFor(size) : 0;

    private static string Arg(long value) => value.ToString(CultureInfo.InvariantCulture);
}
