using System.Diagnostics;
using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Inspection;

/// <summary>IpcSystem's process queries and orphan rules, on real objects and real processes.</summary>
public sealed class IpcSystemOrphanTests : IpcLeakGuard
{
    [Fact]
    public void IsProcessRunning_KnowsLiveAndExitedProcesses()
    {
        Assert.True(IpcSystem.IsProcessRunning(Environment.ProcessId));
        Assert.True(IpcSystem.IsProcessRunning(1));
        Assert.False(IpcSystem.IsProcessRunning(0));
        Assert.False(IpcSystem.IsProcessRunning(-1));

        using var child = Process.Start("true")!;
        child.WaitForExit();
        Assert.False(IpcSystem.IsProcessRunning(child.Id));
    }

    [Fact]
    public void GetProcessCommandLine_JoinsTheArguments_AndIsNullOnceTheProcessIsGone()
    {
        using var sleeper = Process.Start("sleep", ["30.5"])!;
        try
        {
            // Between fork and the end of execve the kernel shows no argument pages (cmdline is empty, so
            // the library reports "[comm]"); wait, with a bound, until the exec has finished.
            string? seen = IpcSystem.GetProcessCommandLine(sleeper.Id);
            var deadline = Stopwatch.StartNew();
            while (seen != "sleep 30.5" && deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(5);
                seen = IpcSystem.GetProcessCommandLine(sleeper.Id);
            }

            Assert.Equal("sleep 30.5", seen);
        }
        finally
        {
            sleeper.Kill();
            sleeper.WaitForExit();
        }

        Assert.Null(IpcSystem.GetProcessCommandLine(sleeper.Id));
        Assert.Null(IpcSystem.GetProcessCommandLine(0));
    }

    [Fact]
    public void Segment_IsAnOrphan_OnlyWhenUnattached_AndCreatorAndLastUserAreGone()
    {
        IpcKey key = TestKeys.Unique();
        RemoteExecutor.Run(CreateSegmentAndExit, key.ToString());
        using var leftover = SharedMemorySegment.Open(key);
        leftover.RemoveOnDispose = true;
        using var ours = SharedMemorySegment.Create(TestKeys.Unique(), 100, options: new() { RemoveOnDispose = true });

        Assert.True(IpcSystem.IsOrphan(Info(leftover.Id)));
        Assert.Contains(IpcSystem.ListOrphans(), o => o.Kind == IpcObjectKind.SharedMemory && o.Id == leftover.Id);
        Assert.False(IpcSystem.IsOrphan(Info(ours.Id)));
        Assert.DoesNotContain(IpcSystem.ListOrphans(), o => o.Kind == IpcObjectKind.SharedMemory && o.Id == ours.Id);

        using (leftover.Attach())
        {
            Assert.False(IpcSystem.IsOrphan(Info(leftover.Id))); // attached here
        }

        // Detached again, but this process is now its last user (lpid) and still runs.
        Assert.Equal(Environment.ProcessId, Info(leftover.Id).LastProcessId);
        Assert.False(IpcSystem.IsOrphan(Info(leftover.Id)));
    }

    [Fact]
    public void QueueAndSemaphores_NeverUsed_AreOrphans_AfterTheIdleTime()
    {
        int queue = Ipcmk("-Q");
        int semaphores = Ipcmk("-S", "2");
        try
        {
            MessageQueueInfo q = IpcSystem.ListMessageQueues().Single(o => o.Id == queue);
            SemaphoreSetInfo s = IpcSystem.ListSemaphoreSets().Single(o => o.Id == semaphores);

            Assert.False(IpcSystem.IsOrphan(q)); // made a moment ago: not idle for the default minute
            Assert.False(IpcSystem.IsOrphan(s));
            Assert.True(IpcSystem.IsOrphan(q, TimeSpan.Zero));
            Assert.True(IpcSystem.IsOrphan(s, TimeSpan.Zero));
            Assert.False(IpcSystem.IsOrphan(q, TimeSpan.FromHours(1)));
            Assert.Throws<ArgumentOutOfRangeException>(() => IpcSystem.IsOrphan(q, TimeSpan.FromSeconds(-1)));
        }
        finally
        {
            Shell.Run("ipcrm", ["-q", queue.ToString(CultureInfo.InvariantCulture), "-s", semaphores.ToString(CultureInfo.InvariantCulture)]);
        }
    }

    [Fact]
    public void QueueAndSemaphores_UsedByALiveProcess_AreNeverOrphans()
    {
        using var queue = MessageQueue.Create(TestKeys.Unique());
        queue.RemoveOnDispose = true;
        queue.Send(1, [1, 2, 3]);
        using var set = SemaphoreSet.Create(TestKeys.Unique(), 2, [0, 0], options: new() { RemoveOnDispose = true });
        set.Release(1);

        Assert.False(IpcSystem.IsOrphan(IpcSystem.ListMessageQueues().Single(q => q.Id == queue.Id), TimeSpan.Zero));
        Assert.False(IpcSystem.IsOrphan(IpcSystem.ListSemaphoreSets().Single(s => s.Id == set.Id), TimeSpan.Zero));
    }

    [Fact]
    public void Usage_ReportsSwapCounters_AsTheKernelDoes()
    {
        IpcUsage usage = IpcSystem.GetUsage();
        string[] swapLine = Shell.Check("ipcs", "-m", "-u").Split('\n').Single(l => l.StartsWith("Swap performance:", StringComparison.Ordinal)).Split(' ', '\t');
        Assert.Equal(swapLine[2], usage.SwapAttempts.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(swapLine[^2], usage.SwapSuccesses.ToString(CultureInfo.InvariantCulture));
    }

    private static SharedMemoryInfo Info(int id) => IpcSystem.ListSharedMemory().Single(s => s.Id == id);

    private static int Ipcmk(params string[] args)
        => int.Parse(Shell.Check("ipcmk", args).Trim().Split(' ')[^1], CultureInfo.InvariantCulture);

    private static int CreateSegmentAndExit(string key)
    {
        SharedMemorySegment.Create(IpcKey.Parse(key), 4096); // left behind on purpose; the test removes it
        return RemoteExecutor.SuccessExitCode;
    }
}
