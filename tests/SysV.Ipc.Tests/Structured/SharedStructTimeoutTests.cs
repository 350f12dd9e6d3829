using System.Runtime.InteropServices;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Structured;

public sealed class SharedStructTimeoutTests : IpcLeakGuard
{
    internal struct Point
    {
        public int X;
        public int Y;
    }

    private static readonly long StateOffset = Marshal.OffsetOf<SharedStructHeader>(nameof(SharedStructHeader.State)); // docs/structured-sharing.md

    [Fact]
    public async Task AnInfiniteInitializationTimeoutWaitsUntilTheAreaIsReady()
    {
        IpcKey key = TestKeys.Unique();
        using var area = SharedStruct<Point>.Create(key, (ref Point p) => { p.X = 7; p.Y = 8; }, options: new() { RemoveOnDispose = true });
        using var raw = area.Segment.Attach();
        raw.Write<uint>(StateOffset, 1); // back to "initializing", by a creator (this process) that is alive

        Task<int> opener = Task.Run(() =>
        {
            using var opened = SharedStruct<Point>.Open(key, options: new() { InitializationTimeout = Timeout.InfiniteTimeSpan });
            return opened.ReadOnlyValue.X;
        });

        // Infinite means "until ready": the opener must still be waiting, not have timed out at once.
        Task first = await Task.WhenAny(opener, Task.Delay(300));
        Assert.False(first == opener, opener.Exception?.ToString() ?? "the opener returned before the area was ready");
        raw.Write<uint>(StateOffset, 2); // ready; the opener polls the futex word every 50 ms
        Assert.Equal(7, await opener.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void ANegativeInitializationTimeoutIsAnArgumentErrorBeforeAnySystemCall()
    {
        var options = new SharedStructOptions { InitializationTimeout = TimeSpan.FromSeconds(-5) };
        IpcKey key = TestKeys.Unique(); // no segment has it: the argument check must come first
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedStruct<Point>.Open(key, options: options));
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedStruct<Point>.OpenById(int.MaxValue, options: options));
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedStruct<Point>.OpenOrCreate(key, options: options));
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedStruct<Point>.Create(key, options: options));
    }
}
