using System.Globalization;
using System.Runtime.CompilerServices;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.SharedMemory;

/// <summary>Real second processes (RemoteExecutor children) write, this process reads.</summary>
public sealed class CrossProcessTests : IpcLeakGuard
{
    [Fact]
    public void AChildCreatesAndWrites_TheDataOutlivesIt_TheParentReadsAndRemoves()
    {
        string keyFile = Path.GetTempFileName();
        IpcKey key = IpcKey.FromFile(keyFile, 7);
        try
        {
            using RemoteProcess child = RemoteExecutor.Start(CreateAndWriteThenExit, keyFile);
            child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(30));
            int childPid = child.Id;
            Assert.False(Directory.Exists($"/proc/{childPid}"), "the creator is gone");

            // "All System V IPC primitives are persistent; they are not released upon exit of the creating process."
            using var segment = SharedMemorySegment.Open(key);
            SharedMemoryInfo info = segment.GetInfo();
            Assert.Equal(childPid, info.CreatorProcessId);
            Assert.Equal(childPid, info.LastProcessId);
            Assert.Equal(0, info.AttachCount);

            using SharedMemoryAttachment attachment = segment.Attach(SharedMemoryAccess.ReadOnly);
            TutorialSyscall value = attachment.Read<TutorialSyscall>(0);
            Assert.Equal(3, value.Id);
            Assert.Equal(childPid, value.Pid);
            Assert.Equal(long.MaxValue, value.Seq);
            Assert.Equal("written by a process that has exited", value.GetText());

            segment.Remove();
        }
        finally
        {
            foreach (SharedMemoryInfo leftover in IpcSystem.ListSharedMemory().Where(s => s.Key == key))
            {
                SharedMemorySegment.TryRemove(leftover.Id);
            }

            File.Delete(keyFile);
        }
    }

    [Fact]
    public void AChildWritesWhileTheParentIsAttached_TheParentSeesItAtOnce()
    {
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 3333, options: new() { RemoveOnDispose = true });
        using SharedMemoryAttachment attachment = segment.Attach(SharedMemoryAccess.ReadOnly);
        using RemoteProcess child = RemoteExecutor.Start(WriteByIdThenWait, segment.Id.ToString(CultureInfo.InvariantCulture));
        child.WaitForOutput("written", TimeSpan.FromSeconds(30));

        // The child is alive and still attached (it waits for a line on stdin): the parent sees the write
        // through its own mapping now, with no detach, exit or system call of the child in between.
        Assert.Equal(0x5eed_cafe_f00d_beefUL, attachment.Read<ulong>(3333 - 8));
        Assert.Equal(0UL, attachment.Read<ulong>(3333 - 16));
        Assert.False(child.Process.HasExited, "the child exited before the parent looked");
        Assert.Equal(2, segment.GetInfo().AttachCount);

        child.Process.StandardInput.WriteLine("done");
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void AChildKilledWhileAttached_IsDetachedByTheKernel_AndItsDataStays()
    {
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 64, options: new() { RemoveOnDispose = true });
        using (RemoteProcess child = RemoteExecutor.Start(WriteAndHang, segment.Id.ToString(CultureInfo.InvariantCulture)))
        {
            child.WaitForOutput("attached", TimeSpan.FromSeconds(30));
            Assert.Equal(1, segment.GetInfo().AttachCount);
            child.Kill(); // SIGKILL: no Dispose, no finalizer ran in the child
        }

        SharedMemoryInfo info = segment.GetInfo();
        Assert.Equal(0, info.AttachCount);
        Assert.NotNull(info.LastDetachTime);
        using SharedMemoryAttachment attachment = segment.Attach();
        Assert.Equal(12345, attachment.Read<int>(0));
    }

    private static int CreateAndWriteThenExit(string keyFile)
    {
        IpcKey key = IpcKey.FromFile(keyFile, 7);
        using var segment = SharedMemorySegment.Create(key, Unsafe.SizeOf<TutorialSyscall>());
        using SharedMemoryAttachment attachment = segment.Attach();
        attachment.Write(0, TutorialSyscall.Create(3, Environment.ProcessId, long.MaxValue, "written by a process that has exited"));
        return RemoteExecutor.SuccessExitCode; // no Remove: the segment must persist
    }

    private static int WriteByIdThenWait(string id)
    {
        using var segment = SharedMemorySegment.OpenById(int.Parse(id, CultureInfo.InvariantCulture));
        using SharedMemoryAttachment attachment = segment.Attach();
        attachment.Write(3333 - 8, 0x5eed_cafe_f00d_beefUL);
        Console.WriteLine("written");
        return Console.ReadLine() == "done" ? RemoteExecutor.SuccessExitCode : 1;
    }

    private static int WriteAndHang(string id)
    {
        using var segment = SharedMemorySegment.OpenById(int.Parse(id, CultureInfo.InvariantCulture));
        SharedMemoryAttachment attachment = segment.Attach();
        attachment.Write(0, 12345);
        Console.WriteLine("attached");
        Thread.Sleep(Timeout.Infinite);
        return 1;
    }
}
