using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Core;

/// <summary>
/// The one timeout rule (Core/Deadline.cs): Timeout.InfiniteTimeSpan, TimeSpan.MaxValue and other huge spans
/// wait forever on every kind of wait; the deadline arithmetic never overflows into "already expired".
/// Each wait below starts while its condition is false and must still be waiting when the condition is made
/// true from another thread: a wait that gave up at once (the overflow) returns false or throws instead.
/// </summary>
public sealed class TimeoutRuleTests : IpcLeakGuard
{
    public static TheoryData<TimeSpan> Forever => new() { Timeout.InfiniteTimeSpan, TimeSpan.MaxValue, TimeSpan.FromDays(365 * 10_000) };

    [Fact]
    public void Deadline_HugeSpansNeverExpire_AndNegativeSpansAreRejected()
    {
        Assert.True(Deadline.Start(TimeSpan.MaxValue).IsInfinite);
        Assert.True(Deadline.Start(Timeout.InfiniteTimeSpan).IsInfinite);
        Deadline tenThousandYears = Deadline.Start(TimeSpan.FromDays(365 * 10_000));
        Assert.False(tenThousandYears.HasExpired);
        Assert.True(tenThousandYears.Remaining > TimeSpan.FromDays(365 * 9_999) || tenThousandYears.IsInfinite);
        Assert.True(Deadline.Start(TimeSpan.Zero).HasExpired);
        Assert.True(Deadline.IsForever(TimeSpan.MaxValue));
        Assert.False(Deadline.IsForever(TimeSpan.FromHours(1)));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Deadline.Start(TimeSpan.FromMilliseconds(-2)));
        Assert.Contains("TimeSpan.MaxValue", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Deadline.Start(TimeSpan.MinValue));
        Assert.Equal(0, Deadline.ToTimespec(TimeSpan.FromTicks(-5)).tv_sec);
        Assert.Equal(1_500_000_000 % 1_000_000_000, Deadline.ToTimespec(TimeSpan.FromMilliseconds(1500)).tv_nsec);
        Assert.Equal(TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerSecond, Deadline.ToTimespec(TimeSpan.MaxValue).tv_sec);
    }

    [Theory]
    [MemberData(nameof(Forever))]
    public void SemaphoreWaits_WaitUntilReleased(TimeSpan forever)
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 2, new int[] { 0, 1 }, options: new() { RemoveOnDispose = true });
        WaitsUntil(() => set.TryWait(0, forever), () => set.Release(0), () => set.GetWaitingCount(0) > 0);
        WaitsUntil(() => set.TryOperate([SemaphoreOperation.Wait(0)], forever), () => set.Release(0), () => set.GetWaitingCount(0) > 0);
        WaitsUntil(() => set.TryWaitForZero(1, forever), () => set.SetValue(1, 0), () => set.GetZeroWaitingCount(1) > 0);

        // With a token that can be cancelled the wait is cut into slices: the same rule.
        using var cts = new CancellationTokenSource();
        WaitsUntil(() => set.TryWait(0, forever, cancellationToken: cts.Token), () => set.Release(0), () => set.GetWaitingCount(0) > 0);
    }

    [Theory]
    [MemberData(nameof(Forever))]
    public void SynchronizationWaits_WaitUntilReleased(TimeSpan forever)
    {
        using var mutex = IpcMutex.Create(IpcKey.Private, options: new() { RemoveOnDispose = true });
        IpcMutexScope held = mutex.Acquire();
        WaitsUntil(
            () =>
            {
                bool taken = mutex.TryAcquire(forever, out IpcMutexScope scope);
                scope.Dispose();
                return taken;
            },
            () => held.Dispose(),
            () => mutex.Semaphores.GetWaitingCount(mutex.LockIndex) > 0);

        using var signal = IpcEvent.Create(IpcKey.Private, EventResetMode.ManualReset, options: new() { RemoveOnDispose = true });
        WaitsUntil(() => signal.TryWait(forever), () => signal.Set(), () => signal.Semaphores.GetWaitingCount(signal.Index) + signal.Semaphores.GetZeroWaitingCount(signal.Index) > 0);

        using var semaphore = IpcSemaphore.Create(IpcKey.Private, 0, options: new() { RemoveOnDispose = true });
        WaitsUntil(() => semaphore.TryWait(forever), () => semaphore.Release(), () => semaphore.Semaphores.GetWaitingCount(semaphore.Index) > 0);
    }

    [Theory]
    [MemberData(nameof(Forever))]
    public void MessageQueueWaits_WaitUntilPossible(TimeSpan forever)
    {
        using var queue = MessageQueue.Create(IpcKey.Private);
        queue.RemoveOnDispose = true;
        byte[] buffer = new byte[16];
        WaitsUntil(() => queue.TryReceive(buffer, out _, out _, timeout: forever), () => queue.Send(1, [1, 2, 3]), started: null);

        // Fill the queue (its byte limit), then wait for room.
        queue.SetMaxBytes(8);
        queue.Send(1, new byte[8]);
        WaitsUntil(() => queue.TrySend(1, [9], forever), () => queue.Receive(buffer, out _), started: null);
    }

    [Theory]
    [MemberData(nameof(Forever))]
    public async Task SharedStructInitializationWait_WaitsUntilReady(TimeSpan forever)
    {
        IpcKey key = TestKeys.Unique();
        using var creatorGate = new ManualResetEventSlim();
        using var inInitializer = new ManualResetEventSlim();
        var creator = Task.Factory.StartNew(
            () => SharedStruct<long>.Create(key, (ref long v) => { inInitializer.Set(); creatorGate.Wait(); v = 42; }, options: new() { RemoveOnDispose = true }),
            TaskCreationOptions.LongRunning);
        inInitializer.Wait();
        try
        {
            WaitsUntil(
                () =>
                {
                    using var opened = SharedStruct<long>.Open(key, options: new() { InitializationTimeout = forever });
                    return opened.ReadOnlyValue == 42;
                },
                () => creatorGate.Set(),
                started: null);
        }
        finally
        {
            creatorGate.Set();
            (await creator).Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Forever))]
    public void ChannelWaits_WaitUntilPossible(TimeSpan forever)
    {
        using var channel = SharedMemoryChannel.Create(TestKeys.Unique(), 4096, new SharedMemoryChannelOptions { RemoveOnDispose = true });
        using var reader = channel.OpenReader();
        using var writer = channel.OpenWriter();
        byte[] destination = new byte[64];
        WaitsUntil(() => reader.Read(destination, forever) == 3, () => writer.Write([1, 2, 3]), started: null);
        WaitsUntil(() => reader.WaitToRead(forever), () => writer.Write([4]), started: null);
    }

    /// <summary>
    /// Runs <paramref name="wait"/> on its own thread, lets it block (until <paramref name="started"/> says the
    /// kernel sees a waiter, or a moment when nothing can tell), makes it possible, and requires success.
    /// </summary>
    private static void WaitsUntil(Func<bool> wait, Action makePossible, Func<bool>? started)
    {
        var call = Task.Factory.StartNew(wait, TaskCreationOptions.LongRunning);
        if (started is null)
        {
            Thread.Sleep(100);
        }
        else
        {
            SpinWait.SpinUntil(() => started() || call.IsCompleted, TimeSpan.FromSeconds(30));
        }

        Assert.False(call.IsCompleted, "the wait ended before it could succeed: " + (call.Exception?.InnerException?.ToString() ?? $"it returned {call.Status}, {(call.IsCompletedSuccessfully ? call.Result : null)}"));
        makePossible();
        Assert.True(call.Wait(TimeSpan.FromSeconds(60)), "the wait did not end after it became possible");
        Assert.True(call.Result);
    }
}
