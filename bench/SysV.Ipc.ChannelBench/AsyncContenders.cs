using System.Globalization;

namespace SysV.Ipc.ChannelBench;

/// <summary>
/// SharedMemoryChannel with the asynchronous calls (WriteAsync, ReadAsync, blocking wait strategy: no
/// spinning, every wait goes to the process's futex_waitv waiter thread), to set beside the blocking
/// Read/Write row of the same run.
/// </summary>
internal sealed class AsyncChannelContender : IContender
{
    public const string RowName = "SharedMemoryChannel, copying, ReadAsync/WriteAsync (blocking strategy)";

    public string Name => RowName;

    public bool IsChannel => true;

    public bool Supports(int size) => true;

    public ThroughputResult Throughput(int size, long count) =>
        new(Name, size, count, NativeBuild.ElapsedSeconds(ChildProcess.Self("channel-throughput", "ca", Arg(size), Arg(count), Arg(BenchSettings.RingCapacity(size)))));

    public LatencyResult PingPong(int size, int rounds) =>
        LatencyResult.From(Name, size, NativeBuild.Samples(file => ChildProcess.Self("channel-pingpong", "ca", Arg(size), Arg(rounds), Arg(BenchSettings.RingCapacity(size)), file)));

    private static string Arg(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Sixteen channels into one server process: served by one thread with a ChannelWaitSet, or by sixteen
/// threads each blocked in Read (both with the blocking wait strategy: sixteen spinning threads on two
/// CPUs would measure the scheduler). Throughput: the driver writes round-robin to the sixteen channels.
/// Latency: one request at a time on a channel chosen in turn, answered on that channel's reply channel.
/// </summary>
internal sealed class FanInContender(bool waitSet) : IContender
{
    public const int Channels = 16;

    public string Name => NameOf(waitSet);

    public bool IsChannel => true;

    public static string NameOf(bool waitSet) =>
        waitSet ? "16 channels, one thread with ChannelWaitSet (blocking)" : "16 channels, 16 threads each in Read (blocking)";

    public bool Supports(int size) => size <= 65536;

    public ThroughputResult Throughput(int size, long count) =>
        new(Name, size, count, NativeBuild.ElapsedSeconds(ChildProcess.Self("fanin-throughput", Mode, Arg(size), Arg(count))));

    public LatencyResult PingPong(int size, int rounds) =>
        LatencyResult.From(Name, size, NativeBuild.Samples(file => ChildProcess.Self("fanin-pingpong", Mode, Arg(size), Arg(rounds), file)));

    private string Mode => waitSet ? "set" : "threads";

    private static string Arg(long value) => value.ToString(CultureInfo.InvariantCulture);
}
