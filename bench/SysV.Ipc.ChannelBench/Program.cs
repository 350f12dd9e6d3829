using System.Diagnostics;
using SysV.Ipc;
using SysV.Ipc.ChannelBench;

// The SharedMemoryChannel benchmark: every contender, every message size, in one invocation, both
// processes of every contender pinned to the same two CPUs.
//   dotnet run -c Release --project bench/SysV.Ipc.ChannelBench [-- --quick | --smoke] [--output DIR] [--no-docs]
//       [--cpus A,B|none] [--aot-peer PATH | --no-aot] [--max-others 0.10] [--repeats N] [--sizes 64,1048576] [--only TEXT]
//   dotnet run -c Release --project bench/SysV.Ipc.ChannelBench -- --compose RUNDIR... [--output DIR]
// A run writes results.json and section.md to --output (default docs/, where it also replaces the
// "## SharedMemoryChannel" section of benchmarks.md and the charts); --compose puts several runs side by side.

if (args.Length > 0 && args[0] == "--child")
{
    return RunChild(args[1], args[2..]);
}

string? output = ValueOf("--output");
string docs = FindDocs();
if (args.Length > 0 && args[0] == "--compose")
{
    string[] runs = [.. args.Skip(1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal))];
    string target = output ?? docs;
    Compose.Write(runs, target);
    Console.WriteLine($"wrote the section of {runs.Length} run(s) into {Path.Combine(target, "benchmarks.md")}");
    return 0;
}

BenchSettings settings = args.Contains("--smoke") ? BenchSettings.Smoke : args.Contains("--quick") ? BenchSettings.Quick : BenchSettings.Full;
if (ValueOf("--repeats") is { } repeats)
{
    settings = settings with { Repeats = int.Parse(repeats, System.Globalization.CultureInfo.InvariantCulture) };
}

if (ValueOf("--sizes") is { } sizes)
{
    settings = settings with { Sizes = [.. sizes.Split(',').Select(x => int.Parse(x, System.Globalization.CultureInfo.InvariantCulture))] };
}

double maxOthers = ValueOf("--max-others") is { } m ? double.Parse(m, System.Globalization.CultureInfo.InvariantCulture) : 0.10;
bool writeDocs = !args.Contains("--no-docs");
string? only = ValueOf("--only");
string resultDirectory = output ?? docs;

try
{
    // Everything that builds runs before the pinning, on both CPUs.
    string? aotPeer = ValueOf("--aot-peer") ?? (settings.Mode == "full" && !args.Contains("--no-aot") ? AotPeer.Publish(docs) : null);
    int largest = settings.Sizes.Max();
    var contenders = new List<IContender>
    {
        new ChannelContender(zeroCopy: false, spin: true),
        new ChannelContender(zeroCopy: true, spin: true),
        new ChannelContender(zeroCopy: false, spin: false),
        new ChannelContender(zeroCopy: true, spin: false),
        new AsyncChannelContender(),
        new FanInContender(waitSet: true),
        new FanInContender(waitSet: false),
        new BroadcastContender(readers: 1, spin: true),
        new BroadcastContender(readers: 1, spin: false),
        new BroadcastContender(readers: 2, spin: false),
        new BroadcastContender(readers: 4, spin: false),
    };
    if (aotPeer is not null)
    {
        contenders.Add(new ChannelContender(zeroCopy: false, spin: true, aotPeer));
        contenders.Add(new ChannelContender(zeroCopy: true, spin: true, aotPeer));
        contenders.Add(new ChannelContender(zeroCopy: false, spin: false, aotPeer));
    }
    else
    {
        Console.WriteLine("Native AOT rows skipped (full mode publishes bench/SysV.Ipc.ChannelBench.Aot; or pass --aot-peer PATH).");
    }

    contenders.AddRange(
    [
        new CacheLineContender(),
        new MemcpyContender(hot: true, largest),
        new MemcpyContender(hot: false, largest),
        new CZeroCopyContender(largest),
        new CRingContender(batch: false),
        new CRingContender(batch: true),
        new LibSysvIpcContender(dotnetPartner: false),
        new LibSysvIpcContender(dotnetPartner: true),
        new CFutexContender(),
        new MessageQueueContender(),
        new CMessageQueueContender(),
        new StreamContender(socket: false),
        new StreamContender(socket: true),
    ]);
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

    NativeBuild.BuildAll();
    string gcc = NativeBuild.GccVersion();
    string revision = SourceRevision(docs);
    (int Own, int Peer)? pair = CpuPinning.PinPair(ValueOf("--cpus"));
    int[] cpus = pair is { } p ? [p.Own, p.Peer] : [.. Enumerable.Range(0, Environment.ProcessorCount)];
    Console.WriteLine(pair is { } q
        ? $"pinned: drivers and this harness on CPU {q.Own}, partners on CPU {q.Peer}; a repeat is redone when other work takes more than {maxOthers:P0} of CPUs {q.Own},{q.Peer}"
        : "not pinned (--cpus none, or fewer than 2 CPUs)");

    var started = DateTimeOffset.UtcNow;
    double loadBefore = MachineInfo.Load();
    double busyBefore = MachineInfo.BusyOverOneSecond();
    var clock = Stopwatch.StartNew();
    var measurer = new Measurer(settings, cpus, maxOthers);
    foreach (int size in settings.Sizes)
    {
        measurer.Measure([.. contenders.Where(c => c.Supports(size))], size);
    }

    var run = new RunInfo(
        settings.Mode,
        settings.Repeats,
        started,
        clock.Elapsed,
        loadBefore,
        MachineInfo.Load(),
        busyBefore,
        MachineInfo.BusyOverOneSecond(),
        python,
        gcc,
        revision,
        pair is { } r ? $"{r.Own},{r.Peer}" : "none",
        maxOthers,
        measurer.Redos,
        measurer.KeptBusy,
        MachineInfo.Describe(),
        [.. contenders.Select(c => c.Name)]);
    var results = new RunResults(run, measurer.Throughput, measurer.Latency, measurer.Failures);
    var report = new Report(results);
    string markdown = report.Section();
    Console.WriteLine();
    Console.WriteLine(markdown);
    Directory.CreateDirectory(resultDirectory);
    results.Save(resultDirectory);
    File.WriteAllText(Path.Combine(resultDirectory, "section.md"), markdown);
    if (writeDocs)
    {
        report.WriteCharts(resultDirectory);
        Report.UpdateSection(Path.Combine(resultDirectory, "benchmarks.md"), markdown);
        Console.WriteLine($"wrote {Path.Combine(resultDirectory, "benchmarks.md")} and its charts");
    }

    return measurer.Failures.Count == 0 ? 0 : 1;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
finally
{
    NativeBuild.Cleanup();
    AotPeer.Cleanup();
}

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

static int RunChild(string role, string[] rest)
{
    if (WaitRoles.Run(role, rest) || ChannelRoles.Run(role, rest))
    {
        return 0;
    }

    switch (role)
    {
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
