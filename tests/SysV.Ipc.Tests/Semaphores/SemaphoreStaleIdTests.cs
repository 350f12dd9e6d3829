using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Semaphores;

/// <summary>
/// A <see cref="SemaphoreSet"/> whose cached Count no longer matches the set its id names (the kernel reused
/// the id, forced with /proc/sys/kernel/sem_next_id in a child's own IPC namespace): GETALL and SETALL would
/// move as many values as the new set has, past the caller's span. They must fail clearly instead.
/// </summary>
public sealed class SemaphoreStaleIdTests : IpcLeakGuard
{
    [RequiresRootFact]
    public void GetAndSetValues_OnAnIdReusedForABiggerSet_NeverTouchMemoryPastTheSpan()
    {
        using RemoteProcess child = IsolatedChild.StartInNewIpcNamespace(ReusedForBiggerInChild);
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));
        Assert.Contains("now names a different semaphore set", child.StandardOutput, StringComparison.Ordinal);
    }

    [RequiresRootFact]
    public void GetAndSetValues_OnAnIdReusedForASmallerSet_FailClearly()
    {
        using RemoteProcess child = IsolatedChild.StartInNewIpcNamespace(ReusedForSmallerInChild);
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));
    }

    private static int ReusedForBiggerInChild()
    {
        SemaphoreSet stale = SemaphoreSet.Create(IpcKey.Private, 2, new int[] { 1, 2 });
        int id = stale.Id;
        stale.Remove();
        File.WriteAllText("/proc/sys/kernel/sem_next_id", id.ToString(CultureInfo.InvariantCulture));
        int[] initial = new int[100];
        Array.Fill(initial, 7);
        using var fresh = SemaphoreSet.Create(IpcKey.Private, 100, initial, options: new() { RemoveOnDispose = true });
        Assert.Equal(id, fresh.Id);

        // Two values for the caller, then canaries that GETALL of the new set would overwrite.
        int[] buffer = new int[100];
        Array.Fill(buffer, -1);
        var e = Assert.Throws<IpcObjectRemovedException>(() => stale.GetValues(buffer.AsSpan(0, 2)));
        Assert.All(buffer, v => Assert.Equal(-1, v));
        Assert.Throws<IpcObjectRemovedException>(() => stale.GetValues());

        // SETALL would read 100 values from a 2-value span: the new set keeps its values.
        int[] source = new int[100];
        Assert.Throws<IpcObjectRemovedException>(() => stale.SetValues(source.AsSpan(0, 2)));
        Assert.All(fresh.GetValues(), v => Assert.Equal(7, v));

        Console.WriteLine(e.Message);
        return RemoteExecutor.SuccessExitCode;
    }

    private static int ReusedForSmallerInChild()
    {
        SemaphoreSet stale = SemaphoreSet.Create(IpcKey.Private, 5, new int[5]);
        int id = stale.Id;
        stale.Remove();
        File.WriteAllText("/proc/sys/kernel/sem_next_id", id.ToString(CultureInfo.InvariantCulture));
        using var fresh = SemaphoreSet.Create(IpcKey.Private, 1, new int[] { 3 }, options: new() { RemoveOnDispose = true });
        Assert.Equal(id, fresh.Id);

        Assert.Throws<IpcObjectRemovedException>(() => stale.GetValues());
        Assert.Throws<IpcObjectRemovedException>(() => stale.SetValues(new int[5]));
        Assert.Equal(3, fresh.GetValue(0));
        return RemoteExecutor.SuccessExitCode;
    }
}
