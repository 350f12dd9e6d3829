using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Synchronization;

/// <summary>
/// Disposing an <see cref="IpcMutex"/> while one of its threads waits in Acquire: the waiter ends with
/// ObjectDisposedException, and the lock is never left held for a disposed object (which, through SEM_UNDO,
/// would block every other process until this one exits).
/// </summary>
public sealed class IpcMutexDisposeTests : IpcLeakGuard
{
    public static TheoryData<string> Waits => new() { "infinite", "timed", "cancellable" };

    [Theory]
    [MemberData(nameof(Waits))]
    public void Disposing_the_mutex_wakes_a_waiting_Acquire_and_another_process_then_takes_the_lock(string wait)
    {
        using var owner = IpcMutex.Create(IpcKey.Private, options: new() { RemoveOnDispose = true });
        var waiterMutex = IpcMutex.OpenById(owner.Semaphores.Id);
        IpcMutexScope held = owner.Acquire(TimeSpan.FromSeconds(10));

        Exception? caught = null;
        using var never = new CancellationTokenSource();
        var waiter = new Thread(() =>
        {
            try
            {
                using IpcMutexScope scope = wait switch
                {
                    "timed" => waiterMutex.Acquire(TimeSpan.FromMinutes(10)),
                    "cancellable" => waiterMutex.Acquire(never.Token),
                    _ => waiterMutex.Acquire(),
                };
            }
            catch (Exception e)
            {
                caught = e;
            }
        });
        waiter.Start();
        WaitUntilBlocked(owner);

        waiterMutex.Dispose();

        // The dispose alone ends the wait: the lock is still held by 'owner', nobody released anything.
        Assert.True(waiter.Join(TimeSpan.FromSeconds(30)), "the waiting Acquire did not return after Dispose");
        Assert.IsType<ObjectDisposedException>(caught);
        Assert.Equal(0, owner.Semaphores.GetValue(owner.LockIndex));

        held.Dispose();
        Assert.Equal(1, owner.Semaphores.GetValue(owner.LockIndex));
        RemoteExecutor.Run(TimeSpan.FromSeconds(60), AcquireOnce, owner.Semaphores.Id.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void AScopeHeldWhenItsMutexIsDisposedStillReleasesAndTheSetIsRemovedAfterIt()
    {
        var mutex = IpcMutex.Create(IpcKey.Private, options: new() { RemoveOnDispose = true });
        int id = mutex.Semaphores.Id;
        IpcMutexScope scope = mutex.Acquire(TimeSpan.FromSeconds(10));
        mutex.Dispose();
        Assert.Throws<ObjectDisposedException>(() => mutex.TryAcquire(TimeSpan.Zero, out _));

        // The held lock kept the set: still there, still taken, released by the scope.
        using (var view = SemaphoreSet.OpenById(id))
        {
            Assert.Equal(0, view.GetValue(0));
        }

        scope.Dispose();
        Assert.False(scope.IsHeld);
        Assert.Throws<IpcObjectNotFoundException>(() => SemaphoreSet.OpenById(id));
    }

    [Fact]
    public void DisposeRacingAcquisitionsNeverLeavesTheLockHeld()
    {
        using var owner = IpcMutex.Create(IpcKey.Private, options: new() { RemoveOnDispose = true });
        for (int round = 0; round < 200; round++)
        {
            var mutex = IpcMutex.OpenById(owner.Semaphores.Id);
            using var start = new Barrier(3);
            var threads = new Thread[2];
            for (int t = 0; t < threads.Length; t++)
            {
                threads[t] = new Thread(() =>
                {
                    start.SignalAndWait();
                    for (int i = 0; i < 20; i++)
                    {
                        try
                        {
                            using IpcMutexScope scope = mutex.Acquire(TimeSpan.FromSeconds(30));
                        }
                        catch (ObjectDisposedException)
                        {
                            return;
                        }
                    }
                });
                threads[t].Start();
            }

            start.SignalAndWait();
            Thread.SpinWait(Random.Shared.Next(0, 20_000));
            mutex.Dispose();
            foreach (Thread thread in threads)
            {
                Assert.True(thread.Join(TimeSpan.FromSeconds(60)), $"round {round}: a thread did not return");
            }

            Assert.True(owner.TryAcquire(TimeSpan.Zero, out IpcMutexScope free), $"round {round}: the lock was left held");
            Assert.False(free.WasAbandoned);
            free.Dispose();
        }
    }

    private static int AcquireOnce(string idText)
    {
        using var mutex = IpcMutex.OpenById(int.Parse(idText, CultureInfo.InvariantCulture));
        using IpcMutexScope scope = mutex.Acquire(TimeSpan.FromSeconds(10));
        return scope.WasAbandoned ? 1 : RemoteExecutor.SuccessExitCode;
    }

    /// <summary>Until the kernel counts a thread waiting for the lock (GETNCNT): an event, not a sleep.</summary>
    private static void WaitUntilBlocked(IpcMutex mutex)
    {
        var patience = System.Diagnostics.Stopwatch.StartNew();
        while (mutex.Semaphores.GetWaitingCount(mutex.LockIndex) == 0)
        {
            Assert.True(patience.Elapsed < TimeSpan.FromSeconds(30), "the waiter never blocked");
            Thread.Sleep(1);
        }
    }
}
