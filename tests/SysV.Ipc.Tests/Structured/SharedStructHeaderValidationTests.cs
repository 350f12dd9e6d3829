using System.Runtime.InteropServices;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Structured;

/// <summary>
/// Every field of a SharedStruct header that says "ready" is validated before the area opens: a zeroed or
/// wrong magic, an impossible creator pid or ready time is a <see cref="SharedAreaFormatException"/>, never
/// a valid open. Offsets come from the header type itself, not from literals.
/// </summary>
public sealed unsafe class SharedStructHeaderValidationTests : IpcLeakGuard
{
    private static readonly long MagicOffset = (long)Marshal.OffsetOf<SharedStructHeader>(nameof(SharedStructHeader.Magic));
    private static readonly long StateOffset = (long)Marshal.OffsetOf<SharedStructHeader>(nameof(SharedStructHeader.State));
    private static readonly long CreatorOffset = (long)Marshal.OffsetOf<SharedStructHeader>(nameof(SharedStructHeader.CreatorProcessId));
    private static readonly long ReadyTimeOffset = (long)Marshal.OffsetOf<SharedStructHeader>(nameof(SharedStructHeader.ReadyTimeMilliseconds));

    [Fact]
    public void AZeroedMagicWithAReadyState_DoesNotOpen()
    {
        using var area = SharedStruct<long>.Create(TestKeys.Unique(), (ref long v) => v = 5, options: new() { RemoveOnDispose = true });
        using var raw = area.Segment.Attach();
        Assert.Equal(SharedAreaHandshake.StateReady, raw.Read<uint>(StateOffset));
        raw.Write<ulong>(MagicOffset, 0);

        var e = Assert.Throws<SharedAreaFormatException>(() => SharedStruct<long>.Open(area.Key));
        Assert.Contains("magic", e.Message, StringComparison.Ordinal);
        Assert.Throws<SharedAreaFormatException>(() => SharedStruct<long>.OpenById(area.Id));
    }

    [Fact]
    public void AZeroedMagicWithAnInitializingState_FailsAtOnce_WithoutWaitingForTheTimeout()
    {
        using var area = SharedStruct<long>.Create(TestKeys.Unique(), options: new() { RemoveOnDispose = true });
        using var raw = area.Segment.Attach();
        raw.Write<ulong>(MagicOffset, 0);
        raw.Write<uint>(StateOffset, SharedAreaHandshake.StateInitializing);

        var e = Assert.Throws<SharedAreaFormatException>(() => SharedStruct<long>.Open(area.Key, options: new() { InitializationTimeout = Timeout.InfiniteTimeSpan }));
        Assert.Contains("magic", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void AnImpossibleCreatorPid_DoesNotOpen(int pid)
    {
        using var area = SharedStruct<long>.Create(TestKeys.Unique(), options: new() { RemoveOnDispose = true });
        using var raw = area.Segment.Attach();
        raw.Write(CreatorOffset, pid);

        var e = Assert.Throws<SharedAreaFormatException>(() => SharedStruct<long>.Open(area.Key));
        Assert.Contains("creator pid", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    public void AnImpossibleReadyTime_DoesNotOpen(long readyTime)
    {
        using var area = SharedStruct<long>.Create(TestKeys.Unique(), options: new() { RemoveOnDispose = true });
        using var raw = area.Segment.Attach();
        raw.Write(ReadyTimeOffset, readyTime);

        var e = Assert.Throws<SharedAreaFormatException>(() => SharedStruct<long>.Open(area.Key));
        Assert.Contains("ready time", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownState_DoesNotOpen()
    {
        using var area = SharedStruct<long>.Create(TestKeys.Unique(), options: new() { RemoveOnDispose = true });
        using var raw = area.Segment.Attach();
        raw.Write(StateOffset, 77u);

        var e = Assert.Throws<SharedAreaFormatException>(() => SharedStruct<long>.Open(area.Key));
        Assert.Contains("state is 77", e.Message, StringComparison.Ordinal);
    }
}
