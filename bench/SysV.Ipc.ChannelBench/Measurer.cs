namespace SysV.Ipc.ChannelBench;

/// <summary>
/// Takes the repeats of one message size: in turn across the contenders (not back to back, so a burst of
/// other work lands on several contenders' repeats instead of all of one's), each repeat preceded by the
/// cache-line probe and redone when other work took more than a share of the two CPUs during it.
/// </summary>
internal sealed class Measurer(BenchSettings settings, IReadOnlyList<int> cpus, double maxOthers)
{
    /// <summary>At most this many redos of one repeat; then it is kept, and counted as kept busy.</summary>
    private const int RedosPerRepeat = 2;

    public List<ThroughputResult> Throughput { get; } = [];

    public List<LatencyResult> Latency { get; } = [];

    public List<string> Failures { get; } = [];

    /// <summary>Repeats redone because other work took more than the threshold.</summary>
    public int Redos { get; private set; }

    /// <summary>Repeats kept although other work took more than the threshold (redo caps reached).</summary>
    public int KeptBusy { get; private set; }

    public void Measure(IContender[] contenders, int size)
    {
        var noThroughput = new HashSet<IContender>();
        var noPingPong = new HashSet<IContender>();
        for (int r = 0; r < settings.Repeats; r++)
        {
            foreach (IContender contender in contenders)
            {
                if (Failures.Any(f => f.StartsWith($"{contender.Name}, {size} B:", StringComparison.Ordinal)))
                {
                    continue;
                }

                if (!noThroughput.Contains(contender))
                {
                    long count = settings.ThroughputCount(size, contender.SystemCallPerMessage);
                    ThroughputResult? t = Repeat(contender, size, "throughput", () => contender.Throughput(size, count), (x, probe, others) => x with { ProbeNanoseconds = probe, OthersShare = others });
                    if (t is null)
                    {
                        noThroughput.Add(contender);
                    }
                    else
                    {
                        Throughput.Add(t);
                        Console.WriteLine($"throughput {size,8} B  {contender.Name,-62} {t.MessagesPerSecond,14:N0} msg/s {t.GigabytesPerSecond,8:N3} GB/s  probe {t.ProbeNanoseconds,5:N0} ns  others {t.OthersShare,4:P0}");
                    }
                }

                if (!noPingPong.Contains(contender))
                {
                    int rounds = settings.PingPongRounds(size);
                    LatencyResult? l = Repeat(contender, size, "ping-pong", () => contender.PingPong(size, rounds), (x, probe, others) => x with { ProbeNanoseconds = probe, OthersShare = others });
                    if (l is null)
                    {
                        noPingPong.Add(contender);
                    }
                    else
                    {
                        Latency.Add(l);
                        Console.WriteLine($"ping-pong  {size,8} B  {contender.Name,-62} p50 {l.P50Micros,9:N2} us  p99 {l.P99Micros,9:N2} us  probe {l.ProbeNanoseconds,5:N0} ns  others {l.OthersShare,4:P0}");
                    }
                }
            }
        }
    }

    /// <summary>One repeat (probe, measure, account), redone while other work took too much and the caps allow.</summary>
    private T? Repeat<T>(IContender contender, int size, string kind, Func<T?> measure, Func<T, double, double, T> annotate)
        where T : class
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                double probe = CacheLineContender.Probe();
                CpuAccount.Snapshot start = CpuAccount.Take(cpus);
                T? result = measure();
                CpuAccount.Usage usage = CpuAccount.Since(start, cpus);
                if (result is null)
                {
                    return null;
                }

                if (usage.OthersShare <= maxOthers)
                {
                    return annotate(result, probe, usage.OthersShare);
                }

                if (attempt >= RedosPerRepeat || Redos >= settings.MaxRedos)
                {
                    KeptBusy++;
                    Console.WriteLine($"  kept busy: {contender.Name}, {size} B {kind}: others took {usage.OthersShare:P0} of the pinned CPUs (redo cap reached)");
                    return annotate(result, probe, usage.OthersShare);
                }

                Redos++;
                Console.WriteLine($"  redo: {contender.Name}, {size} B {kind}: others took {usage.OthersShare:P0} of the pinned CPUs");
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or IpcException)
            {
                // Recorded for the report; the run goes on with the other contenders.
                Failures.Add($"{contender.Name}, {size} B: {FirstLines(e.Message)}");
                Console.Error.WriteLine($"FAILED {contender.Name}, {size} B {kind}: {e}");
                return null;
            }
        }
    }

    /// <summary>A failure's first line, and the first line of the child's stderr it quotes (what the child said: its exception).</summary>
    private static string FirstLines(string message)
    {
        string[] lines = message.Split('\n');
        int stderr = Array.FindIndex(lines, l => l.EndsWith("stderr:", StringComparison.Ordinal));
        string? said = stderr < 0 ? null : lines.Skip(stderr + 1).FirstOrDefault(l => l.Trim().Length > 0)?.Trim();
        return said is null ? lines[0] : $"{lines[0]} {said}";
    }
}
