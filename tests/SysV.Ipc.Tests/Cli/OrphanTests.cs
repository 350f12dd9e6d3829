using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Cli;

/// <summary>
/// --orphans on ls and rm: a segment whose creator exited is found and removed; a live one is left alone.
/// Every command is scoped with --key to the test's own objects, so nothing else is ever touched.
/// </summary>
public sealed class OrphanTests : IpcLeakGuard
{
    [Fact]
    public void SegmentOfAnExitedCreator_IsListedAndRemoved_ALiveOneIsLeftAlone()
    {
        IpcKey orphanKey = TestKeys.Unique();
        RemoteExecutor.Run(CreateSegmentAndExit, orphanKey.ToString());
        int orphanId = IpcSystem.ListSharedMemory().Single(s => s.Key == orphanKey).Id;
        using var live = SharedMemorySegment.Create(TestKeys.Unique(), 4096, options: new() { RemoveOnDispose = true });
        try
        {
            string[] scope = ["--key", orphanKey.ToString(), "--key", live.Key.ToString()];

            CliRunner.Result listed = CliRunner.Run(["ls", "-m", "--orphans", .. scope]);
            var rows = IpcsText.Rows(listed.Output, "------ Shared");
            Assert.Equal([orphanId], rows.Keys);

            CliRunner.Result dryRun = CliRunner.Run(["rm", "--orphans", "--dry-run", .. scope]);
            Assert.Equal($"would remove shared memory segment id `{orphanId}' (key {orphanKey})\n", dryRun.Output);
            Assert.True(IpcsText.Rows(Shell.Check("ipcs", "-m"), "------ Shared").ContainsKey(orphanId));

            CliRunner.Result removed = CliRunner.Run(["rm", "--orphans", "-v", .. scope]);
            Assert.Equal(0, removed.ExitCode);
            Assert.Equal($"removing shared memory segment id `{orphanId}'\n", removed.Output);
            var after = IpcsText.Rows(Shell.Check("ipcs", "-m"), "------ Shared");
            Assert.False(after.ContainsKey(orphanId));
            Assert.True(after.ContainsKey(live.Id));
        }
        finally
        {
            SharedMemorySegment.TryRemove(orphanId);
        }
    }

    [Fact]
    public void QueueAndSemaphoresMadeByIpcmk_AreOrphans_OnlyOnceIdleLongEnough()
    {
        int queue = TestObjects.Ipcmk("-Q");
        int semaphores = TestObjects.Ipcmk("-S", "2");
        try
        {
            IpcKey queueKey = IpcSystem.ListMessageQueues().Single(q => q.Id == queue).Key;
            IpcKey semKey = IpcSystem.ListSemaphoreSets().Single(s => s.Id == semaphores).Key;
            string[] scope = ["--key", queueKey.ToString(), "--key", semKey.ToString()];

            // Just made: not idle for the default minute yet.
            CliRunner.Result fresh = CliRunner.Run(["ls", "-q", "-s", "--orphans", .. scope]);
            Assert.Empty(IpcsText.Rows(fresh.Output, "------ Message"));
            Assert.Empty(IpcsText.Rows(fresh.Output, "------ Semaphore"));

            // With no idle time required, ipcmk's objects (nobody ever sent, received or operated) are orphans.
            CliRunner.Result idle = CliRunner.Run(["ls", "-q", "-s", "--orphans", "--idle", "0", .. scope]);
            Assert.Equal([queue], IpcsText.Rows(idle.Output, "------ Message").Keys);
            Assert.Equal([semaphores], IpcsText.Rows(idle.Output, "------ Semaphore").Keys);
        }
        finally
        {
            Shell.Run("ipcrm", ["-q", queue.ToString(CultureInfo.InvariantCulture), "-s", semaphores.ToString(CultureInfo.InvariantCulture)]);
        }
    }

    private static int CreateSegmentAndExit(string key)
    {
        // Left behind on purpose: the test removes it.
        SharedMemorySegment.Create(IpcKey.Parse(key), 4096);
        return RemoteExecutor.SuccessExitCode;
    }
}
