using System.Globalization;

namespace SysV.Ipc.ChannelBench;

/// <summary>
/// SharedMemoryChannel between two processes, in four forms: copying (TryWrite/TryRead) or zero-copy
/// (TryClaim+Commit / TryPeek+Advance), spinning or blocking waits; on the JIT, or published with Native AOT.
/// </summary>
/// <remarks>
/// Both sides are children of the harness (<see cref="ChannelRoles"/>): the driver on the harness's CPU,
/// its partner on the other, the same for the JIT and the Native AOT build of that code.
/// </remarks>
internal sealed class ChannelContender(bool zeroCopy, bool spin, string? aotPeer = null) : IContender
{
    public string Name => NameOf(zeroCopy, spin, aotPeer is not null);

    public bool IsChannel => true;

    public bool Supports(int size) => true;

    private string Flags => (zeroCopy ? "z" : "c") + (spin ? "s" : "b");

    /// <summary>The row name of a form; "(Native AOT)" marks the published build.</summary>
    public static string NameOf(bool zeroCopy, bool spin, bool aot) =>
        $"SharedMemoryChannel, {(zeroCopy ? "zero-copy" : "copying")}, {(spin ? "spinning" : "blocking")}{(aot ? " (Native AOT)" : string.Empty)}";

    public ThroughputResult Throughput(int size, long count) =>
        new(Name, size, count, NativeBuild.ElapsedSeconds(Driver("channel-throughput", Flags, Arg(size), Arg(count), Arg(BenchSettings.RingCapacity(size)))));

    public LatencyResult PingPong(int size, int rounds) =>
        LatencyResult.From(Name, size, NativeBuild.Samples(file => Driver("channel-pingpong", Flags, Arg(size), Arg(rounds), Arg(BenchSettings.RingCapacity(size)), file)));

    private ChildProcess Driver(params string[] args) =>
        aotPeer is null ? ChildProcess.Self(args) : ChildProcess.Program(aotPeer, ["--child", .. args]);

    private static string Arg(long value) => value.ToString(CultureInfo.InvariantCulture);
}
