using HdrHistogram;

namespace SysV.Ipc.ChannelBench;

/// <summary>A measurement of one contender at one message size: a cell of a report table.</summary>
internal interface ISizedResult
{
    string Contender { get; }

    int Size { get; }
}

/// <summary>One throughput measurement: messages of one size moved from a producer process to a consumer process.</summary>
internal sealed record ThroughputResult(string Contender, int Size, long Messages, double Seconds) : ISizedResult
{
    public double MessagesPerSecond => Messages / Seconds;

    public double GigabytesPerSecond => Messages * (double)Size / Seconds / 1e9;
}

/// <summary>One ping-pong measurement: round-trip times in nanoseconds.</summary>
internal sealed record LatencyResult(string Contender, int Size, long Rounds, double P50Micros, double P99Micros) : ISizedResult
{
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
