using System.Globalization;
using System.Text;
using ScottPlot;

namespace SysV.Ipc.ChannelBench;

/// <summary>The tables, the target ratios and the charts of one run (from every repeat it took).</summary>
internal sealed class Report(RunResults results)
{
    public const string SectionTitle = "## SharedMemoryChannel";
    private const string ThroughputChart = "benchmarks-channel-throughput.png";
    private const string LatencyChart = "benchmarks-channel-latency.png";
    private static readonly CultureInfo s_c = CultureInfo.InvariantCulture;

    private static readonly string s_copySpin = ChannelContender.NameOf(false, true, false);
    private static readonly string s_zeroSpin = ChannelContender.NameOf(true, true, false);
    private static readonly string s_copyBlock = ChannelContender.NameOf(false, false, false);
    private static readonly string s_copySpinAot = ChannelContender.NameOf(false, true, true);
    private static readonly string s_cRing = CRingContender.NameOf(batch: false);
    private static readonly string s_cRingBatch = CRingContender.NameOf(batch: true);
    private static readonly string s_cFutex = new CFutexContender().Name;
    private static readonly string s_cacheLine = new CacheLineContender().Name;
    private static readonly string s_msgq = new MessageQueueContender().Name;
    private static readonly string s_cMsgq = new CMessageQueueContender().Name;
    private static readonly string s_libC = LibSysvIpcContender.NameOf(dotnetPartner: false);
    private static readonly string s_libDotNet = LibSysvIpcContender.NameOf(dotnetPartner: true);
    private static readonly string s_broadcast1Spin = BroadcastContender.NameOf(1, spin: true);
    private static readonly string s_broadcast1 = BroadcastContender.NameOf(1, spin: false);
    private static readonly string s_broadcast2 = BroadcastContender.NameOf(2, spin: false);
    private static readonly string s_broadcast4 = BroadcastContender.NameOf(4, spin: false);

    private RunInfo Run => results.Run;

    private int[] Sizes => [.. BenchSettings.AllSizes.Where(s => results.Throughput.Any(t => t.Size == s) || results.Latency.Any(l => l.Size == s))];

    /// <summary>A target: what, the measured ratio (null when a side is missing), the bar, and which way is good.</summary>
    internal sealed record Target(string What, double? Ratio, double Bar, bool HigherIsBetter)
    {
        public bool? Met => Ratio is null ? null : HigherIsBetter ? Ratio >= Bar : Ratio <= Bar;
    }

    /// <summary>The issue's targets, from the medians of this run's repeats.</summary>
    public IReadOnlyList<Target> Targets()
    {
        int small = Sizes.Length == 0 ? 64 : Sizes.Min();
        int large = Sizes.Length == 0 ? 64 : Sizes.Max();
        return
        [
            new($"{SizeName(small)} spinning ping-pong p50, channel / C SPSC ring (<= 1.3x)", Ratio(L(s_copySpin, small), L(s_cRing, small)), 1.3, false),
            new($"{SizeName(small)} spinning ping-pong p50, channel / bare cache-line round trip (<= 2x)", Ratio(L(s_copySpin, small), L(s_cacheLine, small)), 2.0, false),
            new($"{SizeName(small)} throughput, channel copying spinning / C ring with head per batch (>= 1.0x)", Ratio(T(s_copySpin, small), T(s_cRingBatch, small)), 1.0, true),
            new($"{SizeName(small)} throughput, channel blocking / spinning, copying (>= 0.8x)", Ratio(T(s_copyBlock, small), T(s_copySpin, small)), 0.8, true),
            new($"{SizeName(small)} blocking ping-pong p50, channel / C futex pair (<= 1.1x)", Ratio(L(s_copyBlock, small), L(s_cFutex, small)), 1.1, false),
            new($"{SizeName(small)} ping-pong p50, ReadAsync/WriteAsync / blocking Read/Write (<= 1.3x)", Ratio(L(AsyncChannelContender.RowName, small), L(s_copyBlock, small)), 1.3, false),
            new($"{SizeName(large)} zero-copy throughput / single-thread memcpy, ring-sized working set (>= 0.9x)", Ratio(T(s_zeroSpin, large), T(MemcpyContender.NameOf(hot: false), large)), 0.9, true),
            new($"{SizeName(large)} zero-copy throughput / single-thread memcpy, same block (>= 0.9x)", Ratio(T(s_zeroSpin, large), T(MemcpyContender.NameOf(hot: true), large)), 0.9, true),
            new($"{SizeName(small)} throughput, channel / SysV message queue, library (>= 10x)", Ratio(T(s_copySpin, small), T(s_msgq, small)), 10, true),
            new($"{SizeName(small)} throughput, channel / SysV message queue, C (>= 10x)", Ratio(T(s_copySpin, small), T(s_cMsgq, small)), 10, true),
            new($"{SizeName(small)} throughput, libsysvipc C to C / C SPSC ring (within 1.1x: >= 0.91x)", Ratio(T(s_libC, small), T(s_cRing, small)), 1 / 1.1, true),
            new($"{SizeName(small)} spinning ping-pong p50, libsysvipc C to C / C SPSC ring (<= 1.1x)", Ratio(L(s_libC, small), L(s_cRing, small)), 1.1, false),
            new($"{SizeName(small)} throughput, C writer to .NET reader / .NET to .NET, copying spinning (within 1.2x: >= 0.83x)", Ratio(T(s_libDotNet, small), T(s_copySpin, small)), 1 / 1.2, true),
            new($"{SizeName(small)} spinning ping-pong p50, C to .NET / .NET to .NET (<= 1.2x)", Ratio(L(s_libDotNet, small), L(s_copySpin, small)), 1.2, false),
            new($"{SizeName(small)} throughput, broadcast 1 reader / single-reader channel, copying spinning (within 1.1x: >= 0.91x)", Ratio(T(s_broadcast1Spin, small), T(s_copySpin, small)), 1 / 1.1, true),
            new($"{SizeName(large)} throughput, broadcast 1 reader / single-reader channel, copying spinning (within 1.1x: >= 0.91x)", Ratio(T(s_broadcast1Spin, large), T(s_copySpin, large)), 1 / 1.1, true),
            new($"{SizeName(small)} throughput, broadcast 2 readers / 1 reader, blocking (an added reader costs < 10%: >= 0.9x)", Ratio(T(s_broadcast2, small), T(s_broadcast1, small)), 0.9, true),
            new($"{SizeName(small)} throughput, broadcast 4 readers / 2 readers, blocking (two more cost < 10% each: >= 0.81x)", Ratio(T(s_broadcast4, small), T(s_broadcast2, small)), 0.81, true),
        ];
    }

    /// <summary>Ratios shown beside the targets, without a bar: what the runtime and the C ring's batching change.</summary>
    public IReadOnlyList<(string What, double? Ratio)> Comparisons()
    {
        int small = Sizes.Length == 0 ? 64 : Sizes.Min();
        int large = Sizes.Length == 0 ? 64 : Sizes.Max();
        return
        [
            ($"{SizeName(small)} throughput, channel Native AOT / JIT (copying, spinning)", Ratio(T(s_copySpinAot, small), T(s_copySpin, small))),
            ($"{SizeName(small)} spinning ping-pong p50, channel Native AOT / JIT", Ratio(L(s_copySpinAot, small), L(s_copySpin, small))),
            ($"{SizeName(large)} zero-copy throughput, channel / C zero-copy exchange across the two CPUs (the limit of this pattern)", Ratio(T(s_zeroSpin, large), T(CZeroCopyContender.RowName, large))),
            ($"{SizeName(large)} throughput, C zero-copy exchange across the two CPUs / single-thread memcpy, ring-sized working set", Ratio(T(CZeroCopyContender.RowName, large), T(MemcpyContender.NameOf(hot: false), large))),
            ($"{SizeName(small)} throughput, C ring head per batch / head per message", Ratio(T(s_cRingBatch, small), T(s_cRing, small))),
            ($"{SizeName(small)} spinning ping-pong p50, C SPSC ring / bare cache-line round trip", Ratio(L(s_cRing, small), L(s_cacheLine, small))),
            ($"{SizeName(small)} throughput into 16 channels, one thread with ChannelWaitSet / 16 threads in Read", Ratio(T(FanInContender.NameOf(waitSet: true), small), T(FanInContender.NameOf(waitSet: false), small))),
            ($"{SizeName(small)} request-reply over 16 channels p50, one thread with ChannelWaitSet / 16 threads in Read", Ratio(L(FanInContender.NameOf(waitSet: true), small), L(FanInContender.NameOf(waitSet: false), small))),
            ($"{SizeName(small)} request-reply over 16 channels p99, one thread with ChannelWaitSet / 16 threads in Read", Ratio(L99(FanInContender.NameOf(waitSet: true), small), L99(FanInContender.NameOf(waitSet: false), small))),
        ];
    }

    /// <summary>The cache-line round trip measured before every repeat of the run: min, median, max (ns).</summary>
    public (double Min, double Median, double Max) Probe() =>
        Spread([.. results.Throughput.Select(t => t.ProbeNanoseconds).Concat(results.Latency.Select(l => l.ProbeNanoseconds))]);

    public string Markdown(string title, string sub)
    {
        var md = new StringBuilder();
        md.AppendLine(title).AppendLine();
        string mode = Run.Mode == "full" ? string.Empty : " -- --" + Run.Mode;
        md.AppendLine(s_c, $"Cross-process: producer and consumer (or pinger and ponger) are separate processes. Generated by `dotnet run -c Release --project bench/SysV.Ipc.ChannelBench{mode}` ({Run.Mode} mode, {Run.Repeats} repeats per contender and size) on {Run.Started:yyyy-MM-dd HH:mm} UTC from commit {Run.Revision}, in {Run.Duration.TotalMinutes:N1} min.").AppendLine();
        md.AppendLine(s_c, $"Machine: {Run.Machine}, gcc {Run.Gcc}.");
        md.AppendLine(Run.Cpus == "none"
            ? "**Not pinned** (`--cpus none`)."
            : string.Create(s_c, $"Pinned: every contender's two processes on CPUs {Run.Cpus} (the driver or C parent on the first, its partner on the second, the same pair for every row)."));
        (double pMin, double pMedian, double pMax) = Probe();
        md.AppendLine(s_c, $"Cache-line round trip between the two CPUs, measured (2,000 rounds) before each repeat: median {pMedian:N0} ns, min {pMin:N0}, max {pMax:N0}; per size below.");
        md.AppendLine(s_c, $"How busy it was: load average {Run.LoadBefore:N1} before and {Run.LoadAfter:N1} after the run; the CPUs were {Run.BusyBefore:P0} busy in the second before it and {Run.BusyAfter:P0} in the second after it. A repeat during which other work (or the host, as steal time) took more than {Run.MaxOthers:P0} of the two CPUs was redone: {Run.Redos} redone, {Run.KeptBusy} kept although busy because the redo cap was reached; median share of others over the kept repeats {MedianOthers():P1}.");
        md.AppendLine();

        md.AppendLine(s_c, $"{sub} Throughput (messages per second: median [min – max] of the repeats; payload GB/s of the median)").AppendLine();
        AppendSizeTable(md, Sizes, results.Throughput, rs =>
        {
            (double min, double median, double max) = Spread([.. rs.Select(r => r.MessagesPerSecond)]);
            return string.Create(s_c, $"{Rate(median)}/s [{Rate(min)} – {Rate(max)}], {median * rs[0].Size / 1e9:N2} GB/s");
        });
        md.AppendLine();
        md.AppendLine(s_c, $"{sub} Ping-pong round trip (µs: p50 median [min – max] of the repeats / p99 median; HdrHistogram)").AppendLine();
        AppendSizeTable(md, Sizes, results.Latency, rs =>
        {
            (double min, double median, double max) = Spread([.. rs.Select(r => r.P50Micros)]);
            return string.Create(s_c, $"{median:N2} [{min:N2} – {max:N2}] / {Spread([.. rs.Select(r => r.P99Micros)]).Median:N2}");
        });
        md.AppendLine();
        md.Append("Cache-line round trip before the repeats of each size (ns, median [min – max]):");
        foreach (int size in Sizes)
        {
            (double min, double median, double max) = Spread([.. results.Throughput.Where(t => t.Size == size).Select(t => t.ProbeNanoseconds).Concat(results.Latency.Where(l => l.Size == size).Select(l => l.ProbeNanoseconds))]);
            md.Append(s_c, $" {SizeName(size)}: {median:N0} [{min:N0} – {max:N0}];");
        }

        md.AppendLine().AppendLine();
        foreach (string failure in results.Failures)
        {
            md.AppendLine(s_c, $"**Failed**: {failure}").AppendLine();
        }

        md.AppendLine("n/a: a SysV message queue cannot carry a message above MSGMAX (8 KiB here); the C futex pair and the cache-line ping-pong have no streaming form; the limits are measured at one size each.").AppendLine();

        md.AppendLine(s_c, $"{sub} Targets (ratios of medians within this run)").AppendLine();
        md.AppendLine("| target | measured | met |").AppendLine("|---|---|---|");
        foreach (Target t in Targets())
        {
            md.AppendLine(s_c, $"| {t.What} | {Format(t.Ratio)} | {(t.Met is null ? "-" : t.Met.Value ? "yes" : "**no**")} |");
        }

        foreach ((string what, double? ratio) in Comparisons())
        {
            md.AppendLine(s_c, $"| {what} | {Format(ratio)} | (no target) |");
        }

        md.AppendLine();
        md.AppendLine("The channel side of a target is its copying form (its zero-copy form for memcpy), JIT; the Native AOT rows are the same code published ahead of time.").AppendLine();
        return md.ToString();
    }

    /// <summary>The docs section of a single run: its tables and targets, the charts, the notes.</summary>
    public string Section()
    {
        var md = new StringBuilder(Markdown(SectionTitle, "###"));
        md.AppendLine(ChartLinks()).AppendLine(ContenderNotes("###"));
        return md.ToString();
    }

    public static string ChartLinks() =>
        $"![throughput](channel-charts/{ThroughputChart})\n\n![ping-pong latency](channel-charts/{LatencyChart})\n";

    /// <summary>What each contender does (the same for every run).</summary>
    public static string ContenderNotes(string sub)
    {
        var md = new StringBuilder();
        md.AppendLine(s_c, $"{sub} What each contender does").AppendLine();
        md.AppendLine("- **SharedMemoryChannel, copying**: `Write` copies each message into the ring, `Read` copies it out into the consumer's buffer. **Zero-copy**: the producer fills the span `TryClaim` hands out, then `Commit`s; the consumer sums every 8-byte word of the span `TryPeek` hands out, then `Advance`s. **Spinning**: `ChannelWaitStrategy.Spinning` (never sleeps). **Blocking**: `ChannelWaitStrategy.Blocking` (no spinning: sleeps on the futex at once). Ring: 1 MiB, 8 MiB for 1 MiB messages. Both sides are child processes of the harness (`ChannelRoles.cs`): on the JIT (the harness's executable, tiered compilation off so every repeat runs optimized code), and **(Native AOT)**: the same source published by `bench/SysV.Ipc.ChannelBench.Aot`.");
        md.AppendLine("- **SharedMemoryChannel broadcast, N readers**: a `ChannelMode.Broadcast` channel (same ring sizes) from one writer to N reader processes, copying (`Write`/`Read`, the same consumer code as the single-reader rows); timed from the first timed write to the last reader's last read. Every reader runs on the partner CPU, so the 2- and 4-reader rows share one CPU among their readers and must block (`ChannelWaitStrategy.Blocking`) rather than spin; the 1-reader rows are measured both ways, against the single-reader channel's rows of the same run.");
        md.AppendLine("- **The limit: bare cache-line ping-pong**: two processes pass one flag each way, each on its own cache line, nothing else; timed per round trip like every ping-pong (`bench/c/channel/cacheline_pingpong.c`; its 2,000-round mean is also the probe before each repeat). **Single-thread memcpy**: 1 MiB blocks in one process, the same block (caches warm) or blocks in turn from the 8 MiB ring-sized working set (`memcpy_bw.c`). **Zero-copy exchange across the two CPUs**: the C SPSC ring below used in place by its two processes, the producer filling each 1 MiB record where it lies (`memset`), the consumer summing every 8-byte word of it where it lies, as the channel's zero-copy rows do (`ring_spsc.c zerocopy`): every byte moves from one CPU's caches to the other's, which a single-thread memcpy never does, so this, not memcpy, is what the hardware allows the pattern.");
        md.AppendLine("- **C SPSC ring**: the classic design in a SysV segment (head and tail on their own cache lines, each side caching the other's counter, memcpy in and out, head published per message, `pause` while spinning); same ring sizes. `bench/c/channel/ring_spsc.c`. **Head per batch**: the same source built with `-DHEAD_PER_BATCH`: the consumer hands its head back after a quarter of the ring or when it finds the ring empty, as the channel does.");
        md.AppendLine("- **SharedMemoryChannel through libsysvipc**: the C library in `native/` (compiled in with gcc -O2), copying (`sysvipc_write` / `sysvipc_read`) and spinning (`sysvipc_*_set_wait(INT_MAX, 0, 100)`), driven by `bench/c/channel/libsysvipc_channel.c` on the first CPU. **C to C**: its partner is the same program, forked, with no warm-up (as the C ring). **C writer to .NET reader**: its partner is the harness's JIT consumer (or, for ping-pong, ponger) role, the one the .NET-to-.NET copying spinning row uses, after the same warm-up.");
        md.AppendLine("- **C futex ping-pong**: two counters in a SysV segment, FUTEX_WAIT/FUTEX_WAKE (shared), the payload copied in and out on each side, no spinning. `bench/c/channel/futex_pingpong.c`.");
        md.AppendLine("- **SysV message queue**: one msgsnd and one msgrcv per message, through this library's `MessageQueue` and from C (`bench/c/channel/msgq_pingpong.c`); ping-pong on one queue with types 1 and 2.");
        md.AppendLine("- **Anonymous pipe / Unix domain socket**: .NET streams between the processes, each message a 4-byte length and the payload in one write; the streaming reader buffers 64 KiB.");
        md.AppendLine("- **python3-sysv-ipc**: its `MessageQueue` between two forked python processes (`bench/SysV.Ipc.ChannelBench/python/sysv_ipc_msgq.py`).");
        md.AppendLine("- **Pinning**: the harness pins all its threads to the first CPU, so the C programs, the .NET drivers and the harness's own side of the message queue and stream rows run there; every partner runs on the second CPU (`taskset` for .NET partners, from their first instruction; `sched_setaffinity` in the forked child for C and python, `bench/c/pin_peer.h`).");
        md.AppendLine("- **Repeats**: every contender's throughput and ping-pong repeats are taken in turn across the contenders (not back to back), each preceded by the cache-line probe. A repeat is redone (at most twice, and at most a fixed number of times per run) when other processes took more than the threshold of the two CPUs during it: the CPUs' busy and steal time from `/proc/stat` minus the CPU time of the harness and the children it waited for (`getrusage`). Throughput is measured from the producer's first write to the consumer's last read (CLOCK_MONOTONIC in both processes); ping-pong times are whole round trips.");
        return md.ToString();
    }

    public void WriteCharts(string docs)
    {
        string directory = Path.Combine(docs, "channel-charts");
        Directory.CreateDirectory(directory);
        Chart(Path.Combine(directory, ThroughputChart), "Throughput, producer and consumer in separate processes (median)", "payload GB/s (log scale)",
            Run.Contenders.Select(c => (c, Sizes.Where(s => results.Throughput.Any(t => t.Contender == c && t.Size == s)).Select(s => (s, T(c, s)!.Value)).ToList())));
        Chart(Path.Combine(directory, LatencyChart), "Ping-pong round trip, p50 (median)", "microseconds (log scale)",
            Run.Contenders.Select(c => (c, Sizes.Where(s => results.Latency.Any(t => t.Contender == c && t.Size == s)).Select(s => (s, L(c, s)!.Value)).ToList())));
    }

    /// <summary>Replaces this harness's section of docs/benchmarks.md (from its heading to the next level-2 heading), keeping the rest.</summary>
    public static void UpdateSection(string path, string section)
    {
        string text = File.Exists(path) ? File.ReadAllText(path) : "# Benchmarks\n\n";
        int start = text.IndexOf(SectionTitle + "\n", StringComparison.Ordinal);
        if (start < 0)
        {
            text = text.TrimEnd() + "\n\n" + section;
        }
        else
        {
            int end = text.IndexOf("\n## ", start + SectionTitle.Length, StringComparison.Ordinal);
            text = text[..start] + section + (end < 0 ? string.Empty : "\n" + text[(end + 1)..]);
        }

        File.WriteAllText(path, text.TrimEnd() + "\n");
    }

    public static string Format(double? ratio) => ratio is null ? "not measured" : ratio.Value.ToString("N2", s_c) + "x";

    public static string SizeName(int size) => size >= 1 << 20 ? $"{size >> 20} MiB" : size >= 1024 ? $"{size >> 10} KiB" : $"{size} B";

    public static (double Min, double Median, double Max) Spread(double[] values)
    {
        if (values.Length == 0)
        {
            return (double.NaN, double.NaN, double.NaN);
        }

        Array.Sort(values);
        int mid = values.Length / 2;
        double median = values.Length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
        return (values[0], median, values[^1]);
    }

    /// <summary>Median messages per second, as GB/s of payload (null when not measured).</summary>
    public double? T(string contender, int size)
    {
        double[] v = [.. results.Throughput.Where(t => t.Contender == contender && t.Size == size).Select(t => t.GigabytesPerSecond)];
        return v.Length == 0 ? null : Spread(v).Median;
    }

    /// <summary>Median p50 round trip in microseconds (null when not measured).</summary>
    public double? L99(string contender, int size)
    {
        double[] v = [.. results.Latency.Where(t => t.Contender == contender && t.Size == size).Select(t => t.P99Micros)];
        return v.Length == 0 ? null : Spread(v).Median;
    }

    /// <summary>Median p50 round trip in microseconds (null when not measured).</summary>
    public double? L(string contender, int size)
    {
        double[] v = [.. results.Latency.Where(t => t.Contender == contender && t.Size == size).Select(t => t.P50Micros)];
        return v.Length == 0 ? null : Spread(v).Median;
    }

    private double MedianOthers() => Spread([.. results.Throughput.Select(t => t.OthersShare).Concat(results.Latency.Select(l => l.OthersShare))]).Median;

    private static double? Ratio(double? a, double? b) => a is null || b is null || b == 0 ? null : a / b;

    private static void Chart(string path, string title, string yLabel, IEnumerable<(string Name, List<(int Size, double Value)> Points)> series)
    {
        var plot = new Plot();
        foreach ((string name, List<(int Size, double Value)> points) in series)
        {
            if (points.Count == 0)
            {
                continue;
            }

            double[] xs = [.. points.Select(p => Math.Log2(p.Size))];
            double[] ys = [.. points.Select(p => Math.Log10(Math.Max(p.Value, 1e-6)))];
            var scatter = plot.Add.Scatter(xs, ys);
            scatter.LegendText = name;
            scatter.LineWidth = name.StartsWith("SharedMemoryChannel", StringComparison.Ordinal) ? 3 : 1.5f;
            scatter.MarkerSize = 7;
        }

        var bottom = new ScottPlot.TickGenerators.NumericManual();
        foreach (int size in BenchSettings.AllSizes)
        {
            bottom.AddMajor(Math.Log2(size), SizeName(size));
        }

        plot.Axes.Bottom.TickGenerator = bottom;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y) is double v && v >= 1 ? v.ToString("N0", s_c) : Math.Pow(10, y).ToString("G2", s_c),
        };
        plot.Title(title);
        plot.XLabel("message size");
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1200, 760);
    }

    private static string Rate(double perSecond) => perSecond switch
    {
        >= 1e6 => (perSecond / 1e6).ToString("N2", s_c) + " M",
        >= 1e3 => (perSecond / 1e3).ToString("N1", s_c) + " k",
        _ => perSecond.ToString("N0", s_c),
    };

    /// <summary>A table with one row per contender that has results and one column per message size ("n/a" where it has none).</summary>
    private void AppendSizeTable<TResult>(StringBuilder md, int[] sizes, IReadOnlyList<TResult> all, Func<List<TResult>, string> cell)
        where TResult : class, ISizedResult
    {
        md.Append("| contender |");
        foreach (int size in sizes)
        {
            md.Append(s_c, $" {SizeName(size)} |");
        }

        md.AppendLine().Append("|---|").AppendLine(string.Concat(Enumerable.Repeat("---:|", sizes.Length)));
        foreach (string contender in Run.Contenders.Where(c => all.Any(r => r.Contender == c)))
        {
            md.Append(s_c, $"| {contender} |");
            foreach (int size in sizes)
            {
                List<TResult> rs = [.. all.Where(t => t.Contender == contender && t.Size == size)];
                md.Append(rs.Count == 0 ? " n/a |" : $" {cell(rs)} |");
            }

            md.AppendLine();
        }
    }
}
