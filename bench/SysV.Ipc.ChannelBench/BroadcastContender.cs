using System.Globalization;

namespace SysV.Ipc.ChannelBench;

/// <summary>
/// A broadcast SharedMemoryChannel (<see cref="ChannelMode.Broadcast"/>) from one writer to 1, 2 or 4 reader
/// processes, copying (Write/Read): throughput only, measured from the writer's first timed write to the
/// last reader's last read. Every reader runs on the partner CPU, so with more readers than the one spare
/// CPU they must block rather than spin (the rows say which).
/// </summary>
internal sealed class BroadcastContender(int readers, bool spin) : IContender
{
    public string Name => NameOf(readers, spin);

    public bool IsChannel => true;

    public bool Supports(int size) => true;

    public static string NameOf(int readers, bool spin) =>
        $"SharedMemoryChannel broadcast, {readers} reader{(readers == 1 ? string.Empty : "s")}, copying, {(spin ? "spinning" : "blocking")}";

    public ThroughputResult Throughput(int size, long count) =>
        new(Name, size, count, NativeBuild.ElapsedSeconds(ChildProcess.Self("broadcast-throughput", spin ? "cs" : "cb", Arg(size), Arg(count), Arg(BenchSettings.RingCapacity(size)), Arg(readers))));

    public LatencyResult? PingPong(int size, int rounds) => null;

    private static string Arg(long value) => value.ToString(CultureInfo.InvariantCulture);
}
