using System.Diagnostics;
using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Synchronization;

public sealed class IpcMutexTests : IpcLeakGuard
{
    internal struct Tally
    {
        public long Count;
    }

    [Fact]
    public void A_holder_killed_with_SIGKILL_releases_the_mutex_and_the_next_owner_is_told()
    {
        IpcKey key = TestKeys.Unique();
        using var mutex = IpcMutex.Create(key, options: new() { RemoveOnDispose = true });
        using RemoteProcess holder = RemoteExecutor.Start(AcquireAndHang, Key(key));
        holder.WaitForOutput("held", TimeSpan.FromSeconds(30));
        Assert.False(mutex.TryAcquire(TimeSpan.Zero, out _), "the child holds the mutex");

        holder.Kill();
        var clock = Stopwatch.StartNew();
        using (IpcMutexScope scope = mutex.Acquire(TimeSpan.FromSeconds(10)))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"acquired only after {clock.Elapsed}");
            Assert.True(scope.WasAbandoned);
            Assert.Equal(holder.Id, scope.AbandonedOwnerProcessId);
        }

        // The new owner released normally: the next acquisition is clean.
        using IpcMutexScope clean = mutex.Acquire(TimeSpan.FromSeconds(1));
        Assert.False(clean.WasAbandoned);
        Assert.Equal(0, clean.AbandonedOwnerProcessId);
    }

    [Fact]
    public void AHolderThatReleasesAndExitsLeavesNoAbandonment()
    {
        IpcKey key = TestKeys.Unique();
        using var mutex = IpcMutex.Create(key, options: new() { RemoveOnDispose = true });
        RemoteExecutor.Run(AcquireReleaseAndExit, Key(key));
        using IpcMutexScope scope = mutex.Acquire(TimeSpan.FromSeconds(5));
        Assert.False(scope.WasAbandoned);
    }

    [Fact]
    public void ProcessesIncrementingASharedCounterUnderTheMutexLoseNoUpdate()
    {
        const int Children = 3;
        const int Increments = 150;
        IpcKey key = TestKeys.Unique();
        using var mutex = IpcMutex.Create(key, options: new() { RemoveOnDispose = true });
        using var area = SharedStruct<Tally>.Create(key, options: new() { RemoveOnDispose = true });
        var children = Enumerable.Range(0, Children)
            .Select(_ => RemoteExecutor.Start(IncrementUnderMutex, Key(key), Increments.ToString(CultureInfo.InvariantCulture)))
            .ToList();
        try
        {
            children.ForEach(c => c.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60)));
            Assert.Equal(Children * Increments, area.ReadOnlyValue.Count);
        }
        finally
        {
            children.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void TimedAcquisitionGivesUpAndSaysWhoHoldsIt()
    {
        using var mutex = IpcMutex.Create(IpcKey.Private, options: new() { RemoveOnDispose = true });
        using IpcMutexScope held = mutex.Acquire();

        bool acquired = true;
        var other = new Thread(() => acquired = mutex.TryAcquire(TimeSpan.FromMilliseconds(150), out _));
        other.Start();
        other.Join();
        Assert.False(acquired);

        TimeoutException? timeout = null;
        other = new Thread(() => timeout = Assert.Throws<TimeoutException>(() => mutex.Acquire(TimeSpan.FromMilliseconds(100))));
        other.Start();
        other.Join();
        Assert.Contains($"pid {Environment.ProcessId} took it last", timeout!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AcquisitionCanBeCancelled()
    {
        using var mutex = IpcMutex.Create(IpcKey.Private, options: new() { RemoveOnDispose = true });
        using IpcMutexScope held = mutex.Acquire();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Exception? caught = null;
        var clock = Stopwatch.StartNew();
        var other = new Thread(() =>
        {
            try
            {
                mutex.Acquire(cancellation.Token);
            }
            catch (Exception e)
            {
                caught = e;
            }
        });
        other.Start();
        Assert.True(other.Join(TimeSpan.FromSeconds(10)), "the cancelled acquisition did not return");
        Assert.IsType<OperationCanceledException>(caught);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void ScopesReleaseOnceAndRecursionIsRefused()
    {
        using var mutex = IpcMutex.Create(IpcKey.Private, options: new() { RemoveOnDispose = true });
        IpcMutexScope scope = mutex.Acquire();
        IpcMutexScope copy = scope;
        Assert.True(scope.IsHeld);
        Assert.Throws<LockRecursionException>(() => mutex.Acquire());

        scope.Dispose();
        copy.Dispose();
        scope.Dispose();
        Assert.False(copy.IsHeld);
        Assert.Equal(1, mutex.Semaphores.GetValue(0));
        Assert.Equal(0, mutex.Semaphores.GetValue(1));
        default(IpcMutexScope).Dispose();
    }

    [Fact]
    public void AMutexCanLiveInsideALargerSetAndOpenChecksTheSetSize()
    {
        IpcKey key = TestKeys.Unique();
        using var set = SemaphoreSet.Create(key, 4, [0, 1, 0, 7], options: new() { RemoveOnDispose = true });
        using (var mutex = IpcMutex.OnSemaphores(set, 1))
        using (mutex.Acquire())
        {
            Assert.Equal([0, 0, 1, 7], set.GetValues());
        }

        Assert.Equal([0, 1, 0, 7], set.GetValues());
        Assert.Throws<ArgumentOutOfRangeException>(() => IpcMutex.OnSemaphores(set, 3));
        var e = Assert.Throws<IpcException>(() => IpcMutex.Open(key));
        Assert.Contains("OnSemaphores", e.Message, StringComparison.Ordinal);
    }

    private static string Key(IpcKey key) => key.Value.ToString(CultureInfo.InvariantCulture);

    private static IpcKey ParseKey(string text) => new(int.Parse(text, CultureInfo.InvariantCulture));

    private static int AcquireAndHang(string key)
    {
        using var mutex = IpcMutex.Open(ParseKey(key));
        using IpcMutexScope scope = mutex.Acquire(TimeSpan.FromSeconds(30));
        Console.WriteLine("held");
        Thread.Sleep(Timeout.Infinite); // killed by the test
        return 1;
    }

    private static int AcquireReleaseAndExit(string key)
    {
        using var mutex = IpcMutex.Open(ParseKey(key));
        using IpcMutexScope scope = mutex.Acquire(TimeSpan.FromSeconds(30));
        return scope.WasAbandoned ? 1 : RemoteExecutor.SuccessExitCode;
    }

    private static int IncrementUnderMutex(string key, string increments)
    {
        using var mutex = IpcMutex.Open(ParseKey(key));
        using var area = SharedStruct<Tally>.Open(ParseKey(key));
        for (int i = 0; i < int.Parse(increments, CultureInfo.InvariantCulture); i++)
        {
            using IpcMutexScope scope = mutex.Acquire(TimeSpan.FromSeconds(30));
            long seen = area.Value.Count;
            Thread.Yield(); // a read-modify-write that would lose updates without the mutex
            area.Value.Count = seen + 1;
        }

        return RemoteExecutor.SuccessExitCode;
    }
}
