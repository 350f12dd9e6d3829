using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;

namespace SysV.Ipc.Tests.Cli;

/// <summary>
/// A mix of objects for the parity tests: made by ipcmk (its creator has exited) and by this library (one
/// segment attached and locked here, one attached and removed so ipcs shows it as "dest" with key 0, a queue holding
/// two messages, a set of three semaphores one of which this process operated on). Removes all of
/// them on dispose, the ipcmk ones with the real ipcrm.
/// </summary>
internal sealed class TestObjects : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public TestObjects()
    {
        try
        {
            IpcmkSegment = Ipcmk("-M", "65536", "-p", "0640");
            IpcmkQueue = Ipcmk("-Q");
            IpcmkSemaphores = Ipcmk("-S", "3");

            var attached = SharedMemorySegment.Create(TestKeys.Unique(), 3333, options: new() { RemoveOnDispose = true });
            _owned.Add(attached);
            _owned.Add(attached.Attach());
            attached.Lock(); // ipcs status "locked" (root, or CAP_IPC_LOCK, as the tests run)
            LibrarySegment = attached;

            var queue = MessageQueue.Create(TestKeys.Unique(), new() { Permissions = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite });
            queue.RemoveOnDispose = true;
            _owned.Add(queue);
            queue.Send(1, new byte[111]);
            queue.Send(2, new byte[5]);
            LibraryQueue = queue;

            var set = SemaphoreSet.Create(TestKeys.Unique(), 3, [1, 0, 5], options: new() { RemoveOnDispose = true });
            _owned.Add(set);
            set.Release(1);
            LibrarySemaphores = set;

            var doomed = SharedMemorySegment.Create(TestKeys.Unique(), 1_500_000, new() { Permissions = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead });
            _owned.Add(doomed.Attach()); // detached last, which frees it
            doomed.Remove();
            RemovedSegmentId = doomed.Id;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int IpcmkSegment { get; } = -1;

    public int IpcmkQueue { get; } = -1;

    public int IpcmkSemaphores { get; } = -1;

    public SharedMemorySegment LibrarySegment { get; } = null!;

    public int RemovedSegmentId { get; } = -1;

    public MessageQueue LibraryQueue { get; } = null!;

    public SemaphoreSet LibrarySemaphores { get; } = null!;

    public HashSet<int> SegmentIds => [IpcmkSegment, LibrarySegment.Id, RemovedSegmentId];

    public HashSet<int> QueueIds => [IpcmkQueue, LibraryQueue.Id];

    public HashSet<int> SemaphoreIds => [IpcmkSemaphores, LibrarySemaphores.Id];

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }

        if (IpcmkSegment >= 0)
        {
            Shell.Run("ipcrm", ["-m", IpcmkSegment.ToString(CultureInfo.InvariantCulture)]);
        }

        if (IpcmkQueue >= 0)
        {
            Shell.Run("ipcrm", ["-q", IpcmkQueue.ToString(CultureInfo.InvariantCulture)]);
        }

        if (IpcmkSemaphores >= 0)
        {
            Shell.Run("ipcrm", ["-s", IpcmkSemaphores.ToString(CultureInfo.InvariantCulture)]);
        }
    }

    /// <summary>Runs ipcmk and returns the id it prints ("Shared memory id: 5").</summary>
    public static int Ipcmk(params string[] args)
    {
        string output = Shell.Check("ipcmk", args);
        return int.Parse(output.Trim().Split(' ')[^1], CultureInfo.InvariantCulture);
    }
}
