namespace SysV.Ipc.ChannelBench;

/// <summary>How much to measure: the full run for docs/benchmarks.md, a quick look, or the smoke run the tests use.</summary>
internal sealed record BenchSettings(string Mode, int[] Sizes, double Scale, int Repeats)
{
    public static readonly int[] AllSizes = [64, 1024, 8192, 65536, 1 << 20];

    public static BenchSettings Full { get; } = new("full", AllSizes, 1.0, 5);

    public static BenchSettings Quick { get; } = new("quick", AllSizes, 0.1, 1);

    public static BenchSettings Smoke { get; } = new("smoke", [64], 0.002, 1);

    /// <summary>Messages per throughput run: about 1 GiB (full) for contenders without a system call per message, a quarter of that for those with one.</summary>
    public long ThroughputCount(int size, bool systemCallPerMessage)
    {
        double bytes = systemCallPerMessage ? 256.0 * (1 << 20) : 1024.0 * (1 << 20);
        long count = (long)(Math.Clamp(bytes / size, 2_000, systemCallPerMessage ? 400_000 : 8_000_000) * Scale);
        return Math.Max(count, 100);
    }

    /// <summary>Round trips per ping-pong run.</summary>
    public int PingPongRounds(int size)
    {
        int rounds = size <= 8192 ? 40_000 : size <= 65536 ? 10_000 : 1_000;
        return Math.Max((int)(rounds * Scale), 40);
    }

    /// <summary>The ring used by the channel and the C ring for a message size: room for several messages.</summary>
    public static long RingCapacity(int size) => size >= (1 << 20) ? 8L << 20 : 1L << 20;
}
