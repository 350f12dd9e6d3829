using System.Diagnostics;
using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.SharedMemory;

/// <summary>
/// A <see cref="SharedMemorySegment"/> whose id the kernel gave to a new segment after the first was removed
/// (forced with /proc/sys/kernel/shm_next_id, in a child's own IPC namespace): Attach must never map the new
/// segment with the old length.
/// </summary>
public sealed class SharedMemoryStaleIdTests : IpcLeakGuard
{
    [RequiresRootFact]
    public void Attach_OnAnIdReusedForASmallerSegment_FailsClearly_AndLeavesNothingAttached()
    {
        using RemoteProcess child = IsolatedChild.StartInNewIpcNamespace(ReusedForSmallerInChild);
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));
        Assert.Contains("now names a different shared memory segment", child.StandardOutput, StringComparison.Ordinal);
    }

    [RequiresRootFact]
    public void Attach_OnAnIdReusedForASegmentOfTheSameSizeByAnotherProcess_FailsClearly()
    {
        using RemoteProcess child = IsolatedChild.StartInNewIpcNamespace(ReusedBySameSizeInChild);
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));
    }

    private static int ReusedForSmallerInChild()
    {
        var stale = SharedMemorySegment.Create(IpcKey.Private, 3 * 4096);
        int id = stale.Id;
        stale.Remove();
        File.WriteAllText("/proc/sys/kernel/shm_next_id", id.ToString(CultureInfo.InvariantCulture));
        using var fresh = SharedMemorySegment.Create(IpcKey.Private, 100, options: new() { RemoveOnDispose = true });
        Assert.Equal(id, fresh.Id);

        var e = Assert.Throws<IpcObjectRemovedException>(() => stale.Attach());
        Assert.Equal(id, e.Id);
        Assert.Contains("12288 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("100 bytes", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, fresh.GetInfo().AttachCount); // the mapping made to find out was undone

        // The segment that really has the id attaches with its own size.
        using (SharedMemoryAttachment attachment = SharedMemorySegment.OpenById(id).Attach())
        {
            Assert.Equal(100, attachment.Length);
        }

        Console.WriteLine(e.Message);
        return RemoteExecutor.SuccessExitCode;
    }

    private static int ReusedBySameSizeInChild()
    {
        var stale = SharedMemorySegment.Create(IpcKey.Private, 8192);
        int id = stale.Id;
        stale.Remove();
        File.WriteAllText("/proc/sys/kernel/shm_next_id", id.ToString(CultureInfo.InvariantCulture));

        // The same size, made by another process (ipcmk): only the creator tells them apart.
        using (var ipcmk = Process.Start(new ProcessStartInfo("ipcmk", "-M 8192") { RedirectStandardOutput = true })!)
        {
            ipcmk.WaitForExit();
            Assert.Equal(0, ipcmk.ExitCode);
        }

        try
        {
            Assert.Equal(8192, SharedMemorySegment.OpenById(id).Size);
            var e = Assert.Throws<IpcObjectRemovedException>(() => stale.Attach());
            Assert.Contains("made by pid", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            SharedMemorySegment.TryRemove(id);
        }

        return RemoteExecutor.SuccessExitCode;
    }
}
