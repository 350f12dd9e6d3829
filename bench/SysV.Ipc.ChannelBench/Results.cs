using System.Text.Json;
using HdrHistogram;

namespace SysV.Ipc.ChannelBench;

/// <summary>A measurement of one contender at one message size: a cell of a report table.</summary>
internal interface ISizedResult
{
    string Contender { get; }

    int Size { get; }

    /// <summary>The cache-line round trip between the two CPUs measured right before this repeat (ns).</summary>
    double ProbeNanoseconds { get; }

    /// <summary>Other work's share of the two CPUs during this repeat (0 to 1).</summary>
    double OthersShare { get; }
}

/// <summary>One throughput measurement: messages of one size moved from a producer process to a consumer process.</summary>
internal sealed record ThroughputResult(string Contender, int Size, long Messages, double Seconds) : ISizedResult
{
    public double ProbeNanoseconds { get; init; }

    public double OthersShare { get; init; }

    public double MessagesPerSecond => Messages / Seconds;

    public double GigabytesPerSecond => Messages * (double)Size / Seconds / 1e9;
}

/// <summary>One ping-pong measurement: round-trip times in nanoseconds.</summary>
internal sealed record LatencyResult(string Contender, int Size, long Rounds, double P50Micros, double P99Micros) : ISizedResult
{
    public double ProbeNanoseconds { get; init; }

    public double OthersShare { get; init; }

    public static LatencyResult From(string contender, int size, IEnumerable<long> roundTripNanoseconds)
    {
        var histogram = new LongHistogram(TimeSpan.FromSeconds(60).Ticks * 100, 3);
        long rounds = 0;
        foreach (long ns in roundTripNanoseconds)
        {
            histogram.RecordValue(Math.Max(1, ns));
            rounds++;
        }

        return new LatencyResult(contender, size, rounds, histogram.GetValueAtPercentile(50) / 1000.0, histogram.GetValueAtPercentile(99) / 1000.0);
    }
}

/// <summary>When, where and how the run was made.</summary>
internal sealed record RunInfo(
    string Mode,
    int Repeats,
    DateTimeOffset Started,
    TimeSpan Duration,
    double LoadBefore,
    double LoadAfter,
    double BusyBefore,
    double BusyAfter,
    bool Python,
    string Gcc,
    string Revision,
    string Cpus,
    double MaxOthers,
    int Redos,
    int KeptBusy,
    string Machine,
    string[] Contenders);

/// <summary>Everything one run measured (every repeat), saved as results.json so runs can be put side by side later.</summary>
internal sealed record RunResults(RunInfo Run, List<ThroughputResult> Throughput, List<LatencyResult> Latency, List<string> Failures)
{
    private const string FileName = "results.json";
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public void Save(string directory) => File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, s_json));

    public static RunResults Load(string directory) =>
        JsonSerializer.Deserialize<RunResults>(File.ReadAllText(Path.Combine(directory, FileName)), s_json)
        ?? throw new InvalidDataException($"{Path.Combine(directory, FileName)} holds no run.");
}
