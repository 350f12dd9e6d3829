namespace SysV.Ipc.ChannelBench;

/// <summary>How much to measure: the full run for docs/benchmarks.md, a quick look, or the smoke run the tests use.</summary>
/// <param name="Mode">full, quick or smoke.</param>
/// <param name="Sizes">The message sizes.</param>
/// <param name="Scale">Messages and round trips per repeat, relative to the full run.</param>
/// <param name="Repeats">Repeats per contender and size (each throughput and each ping-pong).</param>
/// <param name="MaxRedos">Repeats that may be redone in the whole run because other work took the CPUs (so a busy machine cannot loop forever).</param>
internal sealed record BenchSettings(string Mode, int[] Sizes, double Scale, int Repeats, int MaxRedos)
{
    public static readonly int[] AllSizes = [64, 1024, 8192, 65536, 1 << 20];

    public static BenchSettings Full { get; } = new("full", AllSizes, 0.25, 10, 40);

    public static BenchSettings Quick { get; } = new("quick", AllSizes, 0.05, 3, 10);

    public static BenchSettings Smoke { get; } = new("smoke", [64], 0.002, 1, 0);

    /// <summary>Messages per throughput repeat at scale 1: about 1 GiB for contenders without a system call per message, a quarter of that for those with one.</summary>
    public long ThroughputCount(int size, bool systemCallPerMessage)
    {
        double bytes = systemCallPerMessage ? 256.0 * (1 << 20) : 1024.0 * (1 << 20);
        long count = (long)(Math.Clamp(bytes / size, 2_000, systemCallPerMessage ? 400_000 : 8_000_000) * Scale);
        return Math.Max(count, 100);
    }

    /// <summary>Round trips per ping-pong repeat at scale 1 (a full run takes a quarter: 5,000 round trips up to 8 KiB, ten repeats).</summary>
    public int PingPongRounds(int size)
    {
        int rounds = size <= 8192 ? 20_000 : size <= 65536 ? 5_000 : 1_000;
        return Math.Max((int)(rounds * Scale), 40);
    }

    /// <summary>The ring used by the channel and the C ring for a message size: room for several messages.</summary>
    public static long RingCapacity(int size) => size >= (1 << 20) ? 8L << 20 : 1L << 20;
}
