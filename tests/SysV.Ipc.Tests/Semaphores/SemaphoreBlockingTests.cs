using System.Diagnostics;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Semaphores;

/// <summary>Blocking, waking, timeouts, cancellation and removal while blocked. Time bounds are generous: the machine is shared.</summary>
public sealed class SemaphoreBlockingTests : IpcLeakGuard
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(20);

    [Fact]
    public void Wait_BlocksUntilRelease_AndCountsAsWaiting()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [0], options: new() { RemoveOnDispose = true });
        var waiter = BackgroundCall.Start(() => set.Wait(0, 2));
        WaitUntil(() => set.GetWaitingCount(0) == 1);
        set.Release(0);
        Thread.Sleep(50);
        Assert.False(waiter.IsCompleted); // 1 is not enough for a wait of 2
        set.Release(0);
        waiter.Result(s_patience);
        Assert.Equal(0, set.GetValue(0));
        Assert.Equal(0, set.GetWaitingCount(0));
    }

    [Fact]
    public void WaitForZero_BlocksUntilZero_AndCountsAsZeroWaiting()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [1], options: new() { RemoveOnDispose = true });
        var waiter = BackgroundCall.Start(() => set.WaitForZero(0));
        WaitUntil(() => set.GetZeroWaitingCount(0) == 1);
        Assert.Equal(0, set.GetWaitingCount(0));
        set.Wait(0);
        waiter.Result(s_patience);
        Assert.Equal(0, set.GetZeroWaitingCount(0));
    }

    [Fact]
    public void Operate_BlockedOnOneSemaphore_HoldsNothingOfTheOthers()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 2, [1, 0], options: new() { RemoveOnDispose = true });
        var waiter = BackgroundCall.Start(() => set.Operate([SemaphoreOperation.Wait(0), SemaphoreOperation.Wait(1)]));
        WaitUntil(() => set.GetWaitingCount(1) == 1);

        // While it waits for semaphore 1, semaphore 0 is still there for anyone else: nothing was applied.
        Assert.Equal(1, set.GetValue(0));
        Assert.True(set.TryWait(0));
        set.Release(1);
        Thread.Sleep(50);
        Assert.False(waiter.IsCompleted); // now 0 is missing: still all or nothing
        Assert.Equal(1, set.GetValue(1));
        set.Release(0);
        Assert.True(waiter.Result(s_patience));
        Assert.Equal(new int[] { 0, 0 }, set.GetValues());
    }

    [Fact]
    public void TryWait_Timeout_ReturnsFalseAfterAboutTheTimeout()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [0], options: new() { RemoveOnDispose = true });
        var watch = Stopwatch.StartNew();
        Assert.False(set.TryWait(0, TimeSpan.FromMilliseconds(300)));
        AssertElapsed(watch, TimeSpan.FromMilliseconds(300));
        Assert.Equal(0, set.GetWaitingCount(0));
    }

    [Fact]
    public void TryWait_Timeout_SucceedsWhenReleasedInTime()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [0], options: new() { RemoveOnDispose = true });
        var waiter = BackgroundCall.Start(() => set.TryWait(0, TimeSpan.FromSeconds(30), count: 1, flags: SemaphoreOperationFlags.None));
        WaitUntil(() => set.GetWaitingCount(0) == 1);
        set.Release(0);
        Assert.True(waiter.Result(s_patience));
    }

    [Fact]
    public void TryOperate_Timeout_AppliesNothing()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 2, [1, 0], options: new() { RemoveOnDispose = true });
        var watch = Stopwatch.StartNew();
        Assert.False(set.TryOperate([SemaphoreOperation.Wait(0), SemaphoreOperation.Wait(1)], TimeSpan.FromMilliseconds(250)));
        AssertElapsed(watch, TimeSpan.FromMilliseconds(250));
        Assert.Equal(new int[] { 1, 0 }, set.GetValues());
        Assert.False(set.TryOperate([SemaphoreOperation.Wait(0), SemaphoreOperation.Wait(1)], TimeSpan.Zero));
        Assert.True(set.TryOperate([SemaphoreOperation.Wait(0), SemaphoreOperation.Release(1)], TimeSpan.Zero));
        Assert.Equal(new int[] { 0, 1 }, set.GetValues());
    }

    [Fact]
    public void TryOperate_NoWaitWithLongTimeout_ReturnsAtOnce()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 2, [1, 0], options: new() { RemoveOnDispose = true });
        using var cts = new CancellationTokenSource();
        var watch = Stopwatch.StartNew();
        Assert.False(set.TryOperate([SemaphoreOperation.Wait(0), SemaphoreOperation.Wait(1, 1, SemaphoreOperationFlags.NoWait)], TimeSpan.FromSeconds(30), cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"NoWait should fail at once, took {watch.Elapsed}.");
        Assert.Equal(new int[] { 1, 0 }, set.GetValues());
    }

    [Fact]
    public void TryWaitForZero_TimesOutWhileNonZero_SucceedsAtZero()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [1], options: new() { RemoveOnDispose = true });
        var watch = Stopwatch.StartNew();
        Assert.False(set.TryWaitForZero(0, TimeSpan.FromMilliseconds(200)));
        AssertElapsed(watch, TimeSpan.FromMilliseconds(200));
        set.SetValue(0, 0);
        Assert.True(set.TryWaitForZero(0, TimeSpan.Zero));
    }

    [Fact]
    public void Wait_Cancelled_ThrowsPromptly_TakesNothing()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [0], options: new() { RemoveOnDispose = true });
        using var cts = new CancellationTokenSource();
        var waiter = BackgroundCall.Start(() => set.Wait(0, 1, flags: SemaphoreOperationFlags.None, cts.Token));
        WaitUntil(() => set.GetWaitingCount(0) == 1);
        var watch = Stopwatch.StartNew();
        cts.Cancel();
        Assert.IsType<OperationCanceledException>(waiter.Exception(s_patience), exactMatch: false);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"Cancellation took {watch.Elapsed}.");
        set.Release(0);
        Assert.Equal(1, set.GetValue(0)); // the cancelled waiter took nothing
        Assert.Equal(0, set.GetWaitingCount(0));
    }

    [Fact]
    public void Operate_AlreadyCancelled_ThrowsWithoutApplying()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [1], options: new() { RemoveOnDispose = true });
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => set.Operate([SemaphoreOperation.Wait(0)], cts.Token));
        Assert.Throws<OperationCanceledException>(() => set.TryWait(0, TimeSpan.Zero, cancellationToken: cts.Token));
        Assert.Equal(1, set.GetValue(0));
    }

    [Fact]
    public void Operate_CancellableToken_StillWakesOnRelease()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [0], options: new() { RemoveOnDispose = true });
        using var cts = new CancellationTokenSource();
        var waiter = BackgroundCall.Start(() => set.Operate([SemaphoreOperation.Wait(0)], cts.Token));
        WaitUntil(() => set.GetWaitingCount(0) == 1);
        Thread.Sleep(120); // across a few cancellation slices
        set.Release(0);
        Assert.True(waiter.Result(s_patience));
        Assert.Equal(0, set.GetValue(0));
    }

    public static TheoryData<string> BlockingCalls => ["Wait", "WaitCancellable", "TryWaitTimed", "WaitForZero", "Operate"];

    [Theory]
    [MemberData(nameof(BlockingCalls))]
    public void RemovedWhileBlocked_ThrowsObjectRemoved(string call)
    {
        var set = SemaphoreSet.Create(IpcKey.Private, 2, [0, 1]);
        try
        {
            using var cts = new CancellationTokenSource();
            Action blocking = call switch
            {
                "Wait" => () => set.Wait(0),
                "WaitCancellable" => () => set.Wait(0, 1, SemaphoreOperationFlags.None, cts.Token),
                "TryWaitTimed" => () => set.TryWait(0, TimeSpan.FromSeconds(60)),
                "WaitForZero" => () => set.WaitForZero(1),
                _ => () => set.Operate([SemaphoreOperation.Release(1), SemaphoreOperation.Wait(0)]),
            };
            var waiter = BackgroundCall.Start(blocking);
            WaitUntil(() => set.GetWaitingCount(0) + set.GetZeroWaitingCount(1) == 1);
            set.Remove();
            var removed = Assert.IsType<IpcObjectRemovedException>(waiter.Exception(s_patience));
            Assert.Contains($"semaphore set with id {set.Id} was removed while this process was using it", removed.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(set.Id, removed.Id);
        }
        finally
        {
            SemaphoreSet.TryRemove(set.Id);
        }
    }

    [Fact]
    public void RemovedWhileBlockedInAChildProcess_ChildSeesObjectRemoved()
    {
        var set = SemaphoreSet.Create(IpcKey.Private, 1, [0]);
        try
        {
            using RemoteProcess child = RemoteExecutor.Start(WaitExpectingRemoval, set.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            WaitUntil(() => set.GetWaitingCount(0) == 1);
            set.Remove();
            child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));
        }
        finally
        {
            SemaphoreSet.TryRemove(set.Id);
        }
    }

    private static int WaitExpectingRemoval(string id)
    {
        using var set = SemaphoreSet.OpenById(int.Parse(id, System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            set.Wait(0);
            Console.Error.WriteLine("Wait returned although the set was removed.");
            return 1;
        }
        catch (IpcObjectRemovedException)
        {
            return RemoteExecutor.SuccessExitCode;
        }
    }

    internal static void WaitUntil(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > s_patience)
            {
                throw new TimeoutException("The condition did not become true within " + s_patience);
            }

            Thread.Sleep(2);
        }
    }

    private static void AssertElapsed(Stopwatch watch, TimeSpan timeout)
    {
        // The kernel never returns before the timeout; the 10% margin covers clock granularity between
        // Stopwatch and the kernel's timer. The upper bound only catches hangs (busy shared machine).
        Assert.True(watch.Elapsed >= timeout * 0.9, $"Returned after {watch.Elapsed}, before the {timeout} timeout.");
        Assert.True(watch.Elapsed < timeout + TimeSpan.FromSeconds(10), $"Returned after {watch.Elapsed}, long after the {timeout} timeout.");
    }
}
