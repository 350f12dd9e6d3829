using System.Diagnostics;
using SysV.Ipc;
using SysV.Ipc.ChannelBench;

// The SharedMemoryChannel benchmark: every contender, every message size, in one invocation.
//   dotnet run -c Release --project bench/SysV.Ipc.ChannelBench [-- --quick | --smoke] [--output DIR] [--no-docs]
// Full mode writes the "## SharedMemoryChannel" section of docs/benchmarks.md and its charts.

if (args.Length > 0 && args[0] == "--child")
{
    return RunChild(args[1], args[2..]);
}

BenchSettings settings = args.Contains("--smoke") ? BenchSettings.Smoke : args.Contains("--quick") ? BenchSettings.Quick : BenchSettings.Full;
string? output = ValueOf("--output");
string docs = output ?? FindDocs();
bool writeDocs = !args.Contains("--no-docs");
string? only = ValueOf("--only");

var contenders = new List<IContender>
{
    new ChannelContender(zeroCopy: false, spin: true),
    new ChannelContender(zeroCopy: true, spin: true),
    new ChannelContender(zeroCopy: false, spin: false),
    new ChannelContender(zeroCopy: true, spin: false),
    new CRingContender(),
    new CFutexContender(),
    new MessageQueueContender(),
    new CMessageQueueContender(),
    new StreamContender(socket: false),
    new StreamContender(socket: true),
};
bool python = PythonMessageQueueContender.IsAvailable();
if (python)
{
    contenders.Add(new PythonMessageQueueContender());
}
else
{
    Console.WriteLine("python3-sysv-ipc is not installed (eng/install-prerequisites.sh installs it): its contender is skipped.");
}

if (only is not null)
{
    contenders.RemoveAll(c => !c.Name.Contains(only, StringComparison.OrdinalIgnoreCase));
}

var started = DateTimeOffset.UtcNow;
double loadBefore = MachineInfo.Load();
double busyBefore = MachineInfo.BusyOverOneSecond();
var clock = Stopwatch.StartNew();
var throughput = new List<ThroughputResult>();
var latency = new List<LatencyResult>();
var failures = new List<string>();
try
{
    foreach (int size in settings.Sizes)
    {
        Measure([.. contenders.Where(c => c.Supports(size))], size, settings, throughput, latency, failures);
    }

    int largest = settings.Sizes.Max();
    (double memcpyHot, double memcpyRing) = MemcpyBandwidth.Measure(largest, BenchSettings.RingCapacity(largest), (long)Math.Max(settings.Scale * (8L << 30), 64L << 20));
    Console.WriteLine($"memcpy {largest} B blocks: {memcpyHot:N2} GB/s hot, {memcpyRing:N2} GB/s through a {BenchSettings.RingCapacity(largest) >> 20} MiB working set");

    var run = new RunInfo(
        settings.Mode,
        started,
        clock.Elapsed,
        loadBefore,
        MachineInfo.Load(),
        busyBefore,
        MachineInfo.BusyOverOneSecond(),
        python,
        NativeBuild.GccVersion(),
        SourceRevision(docs));
    var report = new Report(settings, run, contenders, throughput, latency, failures, memcpyHot, memcpyRing);
    string markdown = report.Markdown();
    Console.WriteLine();
    Console.WriteLine(markdown);
    if (writeDocs)
    {
        Directory.CreateDirectory(docs);
        report.WriteCharts(docs);
        Report.UpdateSection(Path.Combine(docs, "benchmarks.md"), markdown);
        Console.WriteLine($"wrote {Path.Combine(docs, "benchmarks.md")} and its charts");
    }
}
finally
{
    NativeBuild.Cleanup();
}

return failures.Count == 0 ? 0 : 1;

string? ValueOf(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string FindDocs()
{
    for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
    {
        if (File.Exists(Path.Combine(d.FullName, "SysVIpc.slnx")))
        {
            return Path.Combine(d.FullName, "docs");
        }
    }

    return Path.Combine(Directory.GetCurrentDirectory(), "docs");
}

// The commit the measured code was built from (with "+changes" when the tree differs), or "unknown".
static string SourceRevision(string docs)
{
    try
    {
        string root = Path.GetDirectoryName(Path.GetFullPath(docs))!;
        using ChildProcess head = ChildProcess.Program("git", "-C", root, "describe", "--always", "--dirty=+changes", "--exclude", "*");
        string revision = head.WaitFor(string.Empty, TimeSpan.FromSeconds(30));
        head.WaitForSuccess(TimeSpan.FromSeconds(30));
        return revision;
    }
    catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
    {
        return "unknown";
    }
}

static void Measure(IContender[] contenders, int size, BenchSettings settings, List<ThroughputResult> throughput, List<LatencyResult> latency, List<string> failures)
{
    var runs = contenders.ToDictionary(c => c, _ => new List<ThroughputResult>());
    var done = new HashSet<IContender>(); // failed, or without a streaming form

    // The repeats are taken in turn across the contenders, not back to back, so a burst of other work on this
    // shared machine lands on several contenders' runs instead of on all runs of one, and the ratios hold up.
    for (int r = 0; r < settings.Repeats; r++)
    {
        foreach (IContender contender in contenders.Where(c => !done.Contains(c)))
        {
            if (!Attempt(contender, size, failures, () => contender.Throughput(size, settings.ThroughputCount(size, contender.SystemCallPerMessage)) is { } result && Add(runs[contender], result)))
            {
                done.Add(contender);
            }
        }
    }

    foreach (IContender contender in contenders.Where(c => runs[c].Count > 0))
    {
        ThroughputResult median = runs[contender].OrderBy(x => x.Seconds).ElementAt(runs[contender].Count / 2);
        throughput.Add(median);
        Console.WriteLine($"throughput {size,8} B  {contender.Name,-58} {median.MessagesPerSecond,14:N0} msg/s {median.GigabytesPerSecond,8:N3} GB/s");
    }

    foreach (IContender contender in contenders.Where(c => !failures.Any(f => f.StartsWith($"{c.Name}, {size} B:", StringComparison.Ordinal))))
    {
        _ = Attempt(contender, size, failures, () =>
        {
            LatencyResult? pingPong = contender.PingPong(size, settings.PingPongRounds(size));
            if (pingPong is null)
            {
                return false;
            }

            latency.Add(pingPong);
            Console.WriteLine($"ping-pong  {size,8} B  {contender.Name,-58} p50 {pingPong.P50Micros,9:N2} us  p99 {pingPong.P99Micros,9:N2} us");
            return true;
        });
    }
}

static bool Add(List<ThroughputResult> runs, ThroughputResult result)
{
    runs.Add(result);
    return true;
}

/// <summary>Runs one measurement; a failure is recorded for the report (and the run goes on) instead of ending the whole benchmark.</summary>
static bool Attempt(IContender contender, int size, List<string> failures, Func<bool> measure)
{
    try
    {
        return measure();
    }
    catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or IpcException)
    {
        failures.Add($"{contender.Name}, {size} B: {e.Message.Split('\n')[0]}");
        Console.Error.WriteLine($"FAILED {contender.Name}, {size} B: {e}");
        return false;
    }
}

static int RunChild(string role, string[] rest)
{
    switch (role)
    {
        case "channel-consume": ChannelContender.ConsumeChild(rest); break;
        case "channel-pong": ChannelContender.PongChild(rest); break;
        case "msgq-consume": MessageQueueContender.ConsumeChild(rest); break;
        case "msgq-pong": MessageQueueContender.PongChild(rest); break;
        case "stream-consume": StreamContender.ConsumeChild(rest); break;
        case "stream-pong": StreamContender.PongChild(rest); break;
        default:
            Console.Error.WriteLine($"unknown child role {role}");
            return 2;
    }

    return 0;
}

/// <summary>When and how the run was made.</summary>
internal sealed record RunInfo(string Mode, DateTimeOffset Started, TimeSpan Duration, double LoadBefore, double LoadAfter, double BusyBefore, double BusyAfter, bool Python, string Gcc, string Revision);
