using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Synchronization;

public sealed class IpcEventAndSemaphoreTests : IpcLeakGuard
{
    [Fact]
    public void AManualResetEventReleasesEveryWaitingProcessAndStaysSet()
    {
        IpcKey key = TestKeys.Unique();
        using var ready = IpcEvent.Create(key, EventResetMode.ManualReset, options: new() { RemoveOnDispose = true });
        var waiters = Enumerable.Range(0, 2).Select(_ => RemoteExecutor.Start(WaitForEvent, Key(key), "manual")).ToList();
        try
        {
            waiters.ForEach(w => w.WaitForOutput("waiting", TimeSpan.FromSeconds(30)));
            SpinUntil(() => ready.Semaphores.GetZeroWaitingCount(0) == 2);
            Assert.False(ready.IsSet);

            Assert.True(ready.Set());
            Assert.False(ready.Set()); // already set: nothing changes
            waiters.ForEach(w => w.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(30)));
            Assert.True(ready.IsSet);
            Assert.True(ready.TryWait(TimeSpan.Zero));

            Assert.True(ready.Reset());
            Assert.False(ready.Reset());
            Assert.False(ready.TryWait(TimeSpan.FromMilliseconds(50)));
        }
        finally
        {
            waiters.ForEach(w => w.Dispose());
        }
    }

    [Fact]
    public void AnAutoResetEventReleasesOneWaiterPerSet()
    {
        using var signal = IpcEvent.Create(IpcKey.Private, EventResetMode.AutoReset, options: new() { RemoveOnDispose = true });
        Assert.False(signal.TryWait(TimeSpan.Zero));
        Assert.True(signal.Set());
        Assert.False(signal.Set()); // a second set before anyone waited is absorbed
        Assert.True(signal.IsSet);
        Assert.True(signal.TryWait(TimeSpan.Zero));
        Assert.False(signal.TryWait(TimeSpan.FromMilliseconds(50)));
        Assert.False(signal.IsSet);
    }

    [Fact]
    public void ACountingSemaphoreHandsOutWhatWasReleased()
    {
        using var semaphore = IpcSemaphore.Create(IpcKey.Private, 2, options: new() { RemoveOnDispose = true });
        Assert.True(semaphore.TryWait(TimeSpan.Zero));
        semaphore.Wait();
        Assert.False(semaphore.TryWait(TimeSpan.FromMilliseconds(50)));
        semaphore.Release(3);
        Assert.Equal(3, semaphore.CurrentCount);
    }

    [Fact]
    public void PrimitivesShareOneSet()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 3,
            [1, 0, IpcEvent.InitialValue(EventResetMode.ManualReset)], options: new() { RemoveOnDispose = true });
        var mutex = IpcMutex.OnSemaphores(set, 0);
        var ready = IpcEvent.OnSemaphore(set, 2, EventResetMode.ManualReset);
        Assert.False(ready.IsSet);
        using (mutex.Acquire())
        {
            ready.Set();
        }

        Assert.True(ready.IsSet);
        Assert.Equal([1, 0, 0], set.GetValues());
    }

    private static string Key(IpcKey key) => key.Value.ToString(CultureInfo.InvariantCulture);

    private static void SpinUntil(Func<bool> condition)
    {
        Assert.True(SpinWait.SpinUntil(condition, TimeSpan.FromSeconds(30)), "condition not reached");
    }

    private static int WaitForEvent(string key, string mode)
    {
        using var signal = IpcEvent.Open(new IpcKey(int.Parse(key, CultureInfo.InvariantCulture)), mode == "manual" ? EventResetMode.ManualReset : EventResetMode.AutoReset);
        Console.WriteLine("waiting");
        return signal.TryWait(TimeSpan.FromSeconds(30)) ? RemoteExecutor.SuccessExitCode : 1;
    }
}
