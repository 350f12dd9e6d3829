using System.Globalization;
using System.Text.Json;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Cli;

/// <summary>Queues and semaphore sets through sysvipc: details with waiters, creation, removal by id and key.</summary>
public sealed class QueueAndSemaphoreTests : IpcLeakGuard
{
    [Fact]
    public void ShowSemaphores_ListsValueNcountZcountAndPid_LikeIpcs_WithRealWaiters()
    {
        using var set = SemaphoreSet.Create(TestKeys.Unique(), 3, [0, 0, 2], options: new() { RemoveOnDispose = true });
        set.Release(0, 4);
        string id = set.Id.ToString(CultureInfo.InvariantCulture);
        using RemoteProcess decrementer = RemoteExecutor.Start(WaitOnSemaphore, id, "1");
        using RemoteProcess zeroWaiter = RemoteExecutor.Start(WaitForZero, id, "2");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (set.GetWaitingCount(1) != 1 || set.GetZeroWaitingCount(2) != 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the children did not start waiting");
            Thread.Sleep(10);
        }

        string expected = Shell.Check("ipcs", "-s", "-i", id);
        CliRunner.Result ours = CliRunner.Run("show", "-s", id);
        Assert.Equal(expected, ours.Output);
        string[] rows = ours.Output.Split('\n')[^5..^2];
        Assert.Equal(["0", "4", "0", "0", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)], rows[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["1", "0", "1", "0"], rows[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..4]);
        Assert.Equal(["2", "2", "0", "1"], rows[2].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..4]);

        using JsonDocument json = JsonDocument.Parse(CliRunner.Run("show", "-s", id, "--json").Output);
        JsonElement[] semaphores = [.. json.RootElement.GetProperty("semaphores").EnumerateArray()];
        Assert.Equal([4, 0, 2], semaphores.Select(s => s.GetProperty("value").GetInt32()));
        Assert.Equal([0, 1, 0], semaphores.Select(s => s.GetProperty("ncount").GetInt32()));
        Assert.Equal([0, 0, 1], semaphores.Select(s => s.GetProperty("zcount").GetInt32()));
        Assert.False(json.RootElement.GetProperty("orphan").GetBoolean()); // processes wait on it
    }

    [Fact]
    public void MakeQueueAndSemaphores_WithAKey_ThenRemoveByKey_AllGoneFromIpcs()
    {
        IpcKey key = TestKeys.Unique();
        CliRunner.Result made = CliRunner.Run("mk", "-Q", "-S", "4", "--key", key.ToString(), "-p", "0640");
        MessageQueueInfo queue = IpcSystem.ListMessageQueues().Single(q => q.Key == key);
        SemaphoreSetInfo set = IpcSystem.ListSemaphoreSets().Single(s => s.Key == key);
        try
        {
            Assert.Equal(0, made.ExitCode);
            Assert.Equal($"Message queue id: {queue.Id} key: {key}\nSemaphore id: {set.Id} key: {key}\n", made.Output);
            Assert.Equal(["640"], [IpcsText.Rows(Shell.Check("ipcs", "-q"), "------ Message")[queue.Id][3]]);
            Assert.Equal(["640", "4"], IpcsText.Rows(Shell.Check("ipcs", "-s"), "------ Semaphore")[set.Id][3..5]);

            CliRunner.Result removed = CliRunner.Run("rm", "-Q", key.ToString(), "-S", key.ToString(), "-v");
            Assert.Equal(0, removed.ExitCode);
            Assert.Equal($"removing message queue id `{queue.Id}'\nremoving semaphore id `{set.Id}'\n", removed.Output);
            Assert.False(IpcsText.Rows(Shell.Check("ipcs", "-q"), "------ Message").ContainsKey(queue.Id));
            Assert.False(IpcsText.Rows(Shell.Check("ipcs", "-s"), "------ Semaphore").ContainsKey(set.Id));
        }
        finally
        {
            MessageQueue.TryRemove(queue.Id);
            SemaphoreSet.TryRemove(set.Id);
        }
    }

    [Fact]
    public void RemoveQueueAndSemaphoresById_MadeByIpcmk_AreGone()
    {
        int queue = TestObjects.Ipcmk("-Q");
        int set = TestObjects.Ipcmk("-S", "1");
        try
        {
            CliRunner.Result removed = CliRunner.Run("rm", "-q", queue.ToString(CultureInfo.InvariantCulture), "-s", set.ToString(CultureInfo.InvariantCulture));
            Assert.Equal((0, ""), (removed.ExitCode, removed.Error));
            Assert.False(IpcsText.Rows(Shell.Check("ipcs", "-q"), "------ Message").ContainsKey(queue));
            Assert.False(IpcsText.Rows(Shell.Check("ipcs", "-s"), "------ Semaphore").ContainsKey(set));
        }
        finally
        {
            Shell.Run("ipcrm", ["-q", queue.ToString(CultureInfo.InvariantCulture), "-s", set.ToString(CultureInfo.InvariantCulture)]);
        }
    }

    [Fact]
    public void RemoveAll_ScopedByKey_CoversEveryKind()
    {
        IpcKey key = TestKeys.Unique();
        using var segment = SharedMemorySegment.Create(key, 10, options: new() { RemoveOnDispose = true });
        using var queue = MessageQueue.Create(key);
        queue.RemoveOnDispose = true;
        using var set = SemaphoreSet.Create(key, 1, [0], options: new() { RemoveOnDispose = true });

        CliRunner.Result removed = CliRunner.Run("rm", "--all", "--key", key.ToString(), "-v");

        Assert.Equal(0, removed.ExitCode);
        Assert.Equal($"removing shared memory segment id `{segment.Id}'\nremoving semaphore id `{set.Id}'\nremoving message queue id `{queue.Id}'\n", removed.Output);
        Assert.DoesNotContain(IpcSystem.ListAll(), o => o.Key == key);
    }

    [Fact]
    public void QueueAndSemaphoreErrors_AreIpcrms()
    {
        int missing = IpcSystem.ListAll().Select(o => o.Id).DefaultIfEmpty(0).Max() + 1000;
        IpcKey missingKey = TestKeys.Unique();
        foreach (string[] args in new[]
        {
            new[] { "-q", missing.ToString(CultureInfo.InvariantCulture) }, ["-s", missing.ToString(CultureInfo.InvariantCulture)],
            ["-Q", "0"], ["-S", "junk"],
        })
        {
            Shell.Result ipcrm = Shell.Run("ipcrm", args);
            CliRunner.Result ours = CliRunner.Run(["rm", .. args]);
            Assert.Equal(1, ours.ExitCode);
            Assert.Equal(ipcrm.ExitCode, ours.ExitCode);
            Assert.Equal(ipcrm.StandardError.Replace("ipcrm: ", "sysvipc: ", StringComparison.Ordinal), ours.Error);
        }

        // A well-formed key nothing has: ipcrm says "invalid key", which reads as if the key were malformed.
        Assert.Equal($"sysvipc: no message queue has key {missingKey} ('sysvipc ls -q' lists them)\n", CliRunner.Run("rm", "-Q", missingKey.ToString()).Error);
        Assert.Equal($"sysvipc: no semaphore set has key {missingKey} ('sysvipc ls -s' lists them)\n", CliRunner.Run("rm", "-S", missingKey.ToString()).Error);
    }

    private static int WaitOnSemaphore(string id, string index)
    {
        using SemaphoreSet set = SemaphoreSet.OpenById(int.Parse(id, CultureInfo.InvariantCulture));
        set.Wait(int.Parse(index, CultureInfo.InvariantCulture)); // blocks until the test kills this process
        return RemoteExecutor.SuccessExitCode;
    }

    private static int WaitForZero(string id, string index)
    {
        using SemaphoreSet set = SemaphoreSet.OpenById(int.Parse(id, CultureInfo.InvariantCulture));
        set.WaitForZero(int.Parse(index, CultureInfo.InvariantCulture));
        return RemoteExecutor.SuccessExitCode;
    }
}
