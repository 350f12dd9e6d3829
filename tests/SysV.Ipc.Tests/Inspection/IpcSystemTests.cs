using System.Globalization;
using System.Text.RegularExpressions;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Inspection;

/// <summary>IpcSystem against objects made by ipcmk, the raw text of /proc/sysvipc, and ipcs -l / -u.</summary>
public sealed partial class IpcSystemTests : IpcLeakGuard
{
    [Fact]
    public void ListSharedMemory_HasEveryFieldOfProc_ForASegmentMadeByIpcmk()
    {
        WithIpcmkObject(
            id =>
            {
                SharedMemoryInfo row = IpcSystem.ListSharedMemory().Single(s => s.Id == id);
                Assert.Equal(5000, row.Size);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead, row.Permissions);
                Assert.Equal(UtilLinux.IpcsRow('m', id)![0], row.Key.ToString());
                AssertSameAsProc(row);
            },
            "-M", "5000", "-p", "0604");
    }

    [Fact]
    public void ListSharedMemory_ReadsNegativeKeysAndLiveCounters()
    {
        // /proc prints keys as signed decimal: a key with the top bit set must come back whole.
        IpcKey key = NegativeUniqueKey();
        using var segment = SharedMemorySegment.Create(key, 3 * Environment.SystemPageSize, options: new() { RemoveOnDispose = true });
        using SharedMemoryAttachment attachment = segment.Attach();
        attachment.Span.Fill(1); // make the pages resident

        Assert.StartsWith("-", UtilLinux.ProcRow("shm", segment.Id)!["key"], StringComparison.Ordinal);
        SharedMemoryInfo row = IpcSystem.ListSharedMemory().Single(s => s.Id == segment.Id);
        Assert.Equal(key, row.Key);
        Assert.Equal(key.ToString(), UtilLinux.IpcsRow('m', segment.Id)![0]);
        Assert.Equal(1, row.AttachCount);
        Assert.Equal(Environment.ProcessId, row.CreatorProcessId);
        Assert.Equal(3 * Environment.SystemPageSize, row.ResidentBytes);
        AssertSameAsProc(row);
        Assert.Equal(segment.GetInfo() with { ResidentBytes = row.ResidentBytes, SwappedBytes = row.SwappedBytes }, row);
    }

    [Fact]
    public void ListMessageQueues_HasEveryFieldOfProc_ForAQueueMadeByIpcmk()
    {
        WithIpcmkObject(
            id =>
            {
                MessageQueueInfo row = IpcSystem.ListMessageQueues().Single(q => q.Id == id);
                Assert.Equal(IpcObjectKind.MessageQueue, row.Kind);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite, row.Permissions);
                Assert.Equal(UtilLinux.IpcsRow('q', id)![0], row.Key.ToString());
                Assert.Equal(long.Parse(File.ReadAllText("/proc/sys/kernel/msgmnb").Trim(), CultureInfo.InvariantCulture), row.MaxBytes);

                Dictionary<string, string> proc = AssertCommonFieldsAsProc("msg", row);
                Assert.Equal(proc["cbytes"], Text(row.BytesUsed));
                Assert.Equal(proc["qnum"], Text(row.MessageCount));
                Assert.Equal(proc["lspid"], Text(row.LastSendProcessId));
                Assert.Equal(proc["lrpid"], Text(row.LastReceiveProcessId));
                Assert.Equal(proc["stime"], Seconds(row.LastSendTime));
                Assert.Equal(proc["rtime"], Seconds(row.LastReceiveTime));
            },
            "-Q", "-p", "0620");
    }

    [Fact]
    public void ListSemaphoreSets_HasEveryFieldOfProc_ForASetMadeByIpcmk()
    {
        WithIpcmkObject(
            id =>
            {
                SemaphoreSetInfo row = IpcSystem.ListSemaphoreSets().Single(s => s.Id == id);
                Assert.Equal(IpcObjectKind.SemaphoreSet, row.Kind);
                Assert.Equal(3, row.Count);
                Assert.Null(row.LastOperationTime);
                Assert.Equal(UtilLinux.IpcsRow('s', id)![0], row.Key.ToString());

                Dictionary<string, string> proc = AssertCommonFieldsAsProc("sem", row);
                Assert.Equal(proc["nsems"], Text(row.Count));
                Assert.Equal(proc["otime"], Seconds(row.LastOperationTime));
            },
            "-S", "3", "-p", "0600");
    }

    [Fact]
    public void ListAll_HasEveryKind()
    {
        int shm = UtilLinux.Ipcmk("-M", "64");
        int msg = UtilLinux.Ipcmk("-Q");
        int sem = UtilLinux.Ipcmk("-S", "1");
        try
        {
            IReadOnlyList<IpcObjectInfo> all = IpcSystem.ListAll();
            Assert.Contains(all, o => o is SharedMemoryInfo && o.Id == shm);
            Assert.Contains(all, o => o is MessageQueueInfo && o.Id == msg);
            Assert.Contains(all, o => o is SemaphoreSetInfo && o.Id == sem);
            Assert.Equal(IpcSystem.ListSharedMemory().Count + IpcSystem.ListMessageQueues().Count + IpcSystem.ListSemaphoreSets().Count, all.Count);
        }
        finally
        {
            Shell.Check("ipcrm", "-m", Text(shm), "-q", Text(msg), "-s", Text(sem));
        }
    }

    [Fact]
    public void GetLimits_IsWhatIpcsLPrints()
    {
        IpcLimits limits = IpcSystem.GetLimits();
        Dictionary<string, string> ipcs = Pairs(Shell.Check("ipcs", "-l", "-b"));

        Assert.Equal(ipcs["max queues system wide"], Text(limits.MaxQueues));
        Assert.Equal(ipcs["max size of message (bytes)"], Text(limits.MaxMessageSize));
        Assert.Equal(ipcs["default max size of queue (bytes)"], Text(limits.MaxQueueBytes));
        Assert.Equal(ipcs["max number of segments"], Text(limits.MaxSegments));
        Assert.Equal(ipcs["max seg size (bytes)"], Text(limits.MaxSegmentSize));
        Assert.Equal(ipcs["min seg size (bytes)"], Text(limits.MinSegmentSize));
        Assert.Equal(ipcs["max number of arrays"], Text(limits.MaxSemaphoreSets));
        Assert.Equal(ipcs["max semaphores per array"], Text(limits.MaxSemaphoresPerSet));
        Assert.Equal(ipcs["max semaphores system wide"], Text(limits.MaxSemaphoresSystemWide));
        Assert.Equal(ipcs["max ops per semop call"], Text(limits.MaxOperationsPerCall));
        Assert.Equal(ipcs["semaphore max value"], Text(limits.MaxSemaphoreValue));
        Assert.Equal(Environment.SystemPageSize, limits.PageSize);

        // ipcs prints SHMALL * page size, saturating as util-linux does when it overflows.
        ulong page = (ulong)limits.PageSize;
        ulong total = unchecked(limits.MaxTotalSharedMemoryPages * page);
        if (limits.MaxTotalSharedMemoryPages != 0 && total / limits.MaxTotalSharedMemoryPages != page)
        {
            total = ulong.MaxValue - (ulong.MaxValue % page);
        }

        Assert.Equal(ipcs["max total shared memory (bytes)"], Text(total));
    }

    [RequiresRootFact]
    public void GetLimits_FollowsChangedSettings()
    {
        using RemoteProcess child = IsolatedChild.StartInNewIpcNamespace(ChangeLimitsInChild);
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void GetUsage_IsWhatIpcsUPrints()
    {
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 5 * Environment.SystemPageSize, options: new() { RemoveOnDispose = true });
        using SharedMemoryAttachment attachment = segment.Attach();
        attachment.GetSpan(0, 2 * Environment.SystemPageSize).Fill(1);
        int queue = UtilLinux.Ipcmk("-Q");
        int set = UtilLinux.Ipcmk("-S", "4");
        try
        {
            // Other processes may change the numbers: compare only when nothing moved around the ipcs run.
            for (int attempt = 0; ; attempt++)
            {
                IpcUsage before = IpcSystem.GetUsage();
                string text = Shell.Check("ipcs", "-u");
                IpcUsage after = IpcSystem.GetUsage();
                if (before != after && attempt < 10)
                {
                    continue;
                }

                Assert.True(after.SegmentCount >= 1 && after.SharedMemoryPages >= 5 && after.SharedMemoryResidentPages >= 2, after.ToString());
                Assert.True(after.QueueCount >= 1 && after.SemaphoreSetCount >= 1 && after.SemaphoreCount >= 4, after.ToString());
                Dictionary<string, string> ipcs = Pairs(text);
                Assert.Equal(ipcs["allocated queues"], Text(after.QueueCount));
                Assert.Equal(ipcs["used headers"], Text(after.MessageCount));
                Assert.Equal(ipcs["used space"], Text(after.MessageBytes) + " bytes");
                Assert.Equal(ipcs["used arrays"], Text(after.SemaphoreSetCount));
                Assert.Equal(ipcs["allocated semaphores"], Text(after.SemaphoreCount));
                Assert.Equal(Text(after.SegmentCount), Match(text, @"segments allocated (\d+)"));
                Assert.Equal(Text(after.SharedMemoryPages), Match(text, @"pages allocated (\d+)"));
                Assert.Equal(Text(after.SharedMemoryResidentPages), Match(text, @"pages resident\s+(\d+)"));
                Assert.Equal(Text(after.SharedMemorySwappedPages), Match(text, @"pages swapped\s+(\d+)"));
                return;
            }
        }
        finally
        {
            Shell.Check("ipcrm", "-q", Text(queue), "-s", Text(set));
        }
    }

    private static int ChangeLimitsInChild()
    {
        File.WriteAllText("/proc/sys/kernel/shmmax", "1048576");
        File.WriteAllText("/proc/sys/kernel/shmmni", "17");
        File.WriteAllText("/proc/sys/kernel/shmall", "1000");
        File.WriteAllText("/proc/sys/kernel/msgmax", "4000");
        File.WriteAllText("/proc/sys/kernel/msgmnb", "9000");
        File.WriteAllText("/proc/sys/kernel/msgmni", "33");
        File.WriteAllText("/proc/sys/kernel/sem", "250 32000 100 128");
        IpcLimits limits = IpcSystem.GetLimits();
        Assert.Equal(1048576UL, limits.MaxSegmentSize);
        Assert.Equal(17UL, limits.MaxSegments);
        Assert.Equal(1000UL, limits.MaxTotalSharedMemoryPages);
        Assert.Equal(4000, limits.MaxMessageSize);
        Assert.Equal(9000, limits.MaxQueueBytes);
        Assert.Equal(33, limits.MaxQueues);
        Assert.Equal(250, limits.MaxSemaphoresPerSet);
        Assert.Equal(32000, limits.MaxSemaphoresSystemWide);
        Assert.Equal(100, limits.MaxOperationsPerCall);
        Assert.Equal(128, limits.MaxSemaphoreSets);
        return RemoteExecutor.SuccessExitCode;
    }

    /// <summary>
    /// Makes an object with ipcmk (the arguments start with its kind's flag: -M SIZE, -Q or -S COUNT), runs
    /// <paramref name="test"/> on its id, and removes it with ipcrm however the test ends.
    /// </summary>
    private static void WithIpcmkObject(Action<int> test, params string[] ipcmkArguments)
    {
        int id = UtilLinux.Ipcmk(ipcmkArguments);
        try
        {
            test(id);
        }
        finally
        {
            Shell.Check("ipcrm", "-" + char.ToLowerInvariant(ipcmkArguments[0][1]), Text(id));
        }
    }

    private static void AssertSameAsProc(SharedMemoryInfo row)
    {
        Dictionary<string, string> proc = AssertCommonFieldsAsProc("shm", row);
        Assert.Equal(proc["size"], Text(row.Size));
        Assert.Equal(proc["cpid"], Text(row.CreatorProcessId));
        Assert.Equal(proc["lpid"], Text(row.LastProcessId));
        Assert.Equal(proc["nattch"], Text(row.AttachCount));
        Assert.Equal(proc["atime"], Seconds(row.LastAttachTime));
        Assert.Equal(proc["dtime"], Seconds(row.LastDetachTime));
        Assert.Equal(proc["rss"], Text(row.ResidentBytes!.Value));
        Assert.Equal(proc["swap"], Text(row.SwappedBytes!.Value));
    }

    /// <summary>Checks what every kind's row has (key, mode, owner, creator, change time) against its line of /proc/sysvipc/<paramref name="table"/>, and returns that line for the kind's own columns.</summary>
    private static Dictionary<string, string> AssertCommonFieldsAsProc(string table, IpcObjectInfo row)
    {
        Dictionary<string, string> proc = UtilLinux.ProcRow(table, row.Id)!;
        Assert.Equal(proc["key"], row.Key.Value.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(proc["perms"], Convert.ToString(row.Mode, 8));
        Assert.Equal(proc["uid"], Text(row.OwnerUserId));
        Assert.Equal(proc["gid"], Text(row.OwnerGroupId));
        Assert.Equal(proc["cuid"], Text(row.CreatorUserId));
        Assert.Equal(proc["cgid"], Text(row.CreatorGroupId));
        Assert.Equal(proc["ctime"], Seconds(row.LastChangeTime));
        return proc;
    }

    private static IpcKey NegativeUniqueKey()
    {
        while (true)
        {
            var key = new IpcKey(unchecked((int)0xfe000000) | Random.Shared.Next(1, 0x00ffffff));
            if (!IpcSystem.ListAll().Any(o => o.Key == key))
            {
                return key;
            }
        }
    }

    /// <summary>"name = value" lines of ipcs -l / -u.</summary>
    private static Dictionary<string, string> Pairs(string text) =>
        text.Split('\n')
            .Select(line => line.Split(" = ", 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim());

    private static string Match(string text, string pattern) => Regex.Match(text, pattern).Groups[1].Value;

    private static string Seconds(DateTimeOffset? time) => Text(time?.ToUnixTimeSeconds() ?? 0);

    private static string Text<T>(T value)
        where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
