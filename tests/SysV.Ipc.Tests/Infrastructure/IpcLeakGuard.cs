namespace SysV.Ipc.Tests.Infrastructure;

/// <summary>
/// Base class of every test class that touches the kernel: records the System V objects present before
/// each test and, after it, fails the test if any object it created is still there, removing it so one
/// leak does not hide behind another. Test parallelization is off (AssemblyInfo.cs), so objects that
/// appear during a test are that test's own; the test script also runs the suite in a private IPC
/// namespace and checks that it is empty at the end.
/// </summary>
public abstract class IpcLeakGuard : IDisposable
{
    private readonly HashSet<(IpcObjectKind, int)> _before = Snapshot();

    /// <summary>Set by a test that leaves objects on purpose for a later check (none should).</summary>
    protected bool SkipLeakCheck { get; set; }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing || SkipLeakCheck)
        {
            return;
        }

        // Children and finalizers may still be detaching: give the kernel a moment before judging.
        List<IpcObjectInfo> leaked = [];
        for (int attempt = 0; attempt < 20; attempt++)
        {
            leaked = [.. IpcSystem.ListAll().Where(o => !_before.Contains((o.Kind, o.Id)))];
            if (leaked.Count == 0)
            {
                break;
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(50);
        }

        if (leaked.Count == 0)
        {
            return;
        }

        foreach (IpcObjectInfo o in leaked)
        {
            IpcCleanup.Remove(o);
        }

        throw new Xunit.Sdk.XunitException(
            "The test left System V objects behind (removed now): " + string.Join("; ", leaked.Select(o => $"{o.Kind} id {o.Id} key {o.Key}")));
    }

    private static HashSet<(IpcObjectKind, int)> Snapshot() => [.. IpcSystem.ListAll().Select(o => (o.Kind, o.Id))];
}

/// <summary>Removes an object by kind and id with the raw kernel call (independent of the classes under test).</summary>
public static class IpcCleanup
{
    public static unsafe void Remove(IpcObjectInfo o)
    {
        _ = o.Kind switch
        {
            IpcObjectKind.SharedMemory => Interop.Libc.shmctl(o.Id, Interop.Libc.IPC_RMID, null),
            IpcObjectKind.MessageQueue => Interop.Libc.msgctl(o.Id, Interop.Libc.IPC_RMID, null),
            _ => Interop.Libc.semctl(o.Id, 0, Interop.Libc.IPC_RMID, 0),
        };
    }
}
