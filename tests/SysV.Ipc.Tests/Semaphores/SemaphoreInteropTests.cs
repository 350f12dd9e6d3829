using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Semaphores;

/// <summary>Against real peers: a gcc-built C program shares a set with this library; util-linux's ipcs reads what the library reports.</summary>
public sealed class SemaphoreInteropTests : IpcLeakGuard
{
    /// <summary>Rounds of the turn-taking test; SYSV_IPC_SEM_TURNS raises it (at most 16383, the counter must stay below SEMVMX).</summary>
    private static readonly int s_rounds = int.TryParse(Environment.GetEnvironmentVariable("SYSV_IPC_SEM_TURNS"), CultureInfo.InvariantCulture, out int n) ? n : 2000;

    [Fact]
    public void CProgramAndLibrary_TakeStrictTurns()
    {
        // 0: C's turn (C goes first), 1: our turn, 2: turns taken so far.
        using var set = SemaphoreSet.Create(IpcKey.Private, 3, [1, 0, 0], options: new() { RemoveOnDispose = true });
        using RemoteProcess c = NativeProgram.Start("sem_turns", Id(set), s_rounds.ToString(CultureInfo.InvariantCulture), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        ReadOnlySpan<SemaphoreOperation> handOver = [SemaphoreOperation.Release(2), SemaphoreOperation.Release(0)];
        for (int i = 0; i < s_rounds; i++)
        {
            if (!set.TryWait(1, TimeSpan.FromSeconds(30)))
            {
                Assert.Fail($"Round {i}: the C program did not hand over the turn.\nC stderr: {c.StandardError}");
            }

            Assert.Equal((2 * i) + 1, set.GetValue(2));
            Assert.Equal(c.Id, set.GetLastProcessId(2));
            Assert.Equal(0, set.GetValue(0)); // never both turns at once
            set.Operate(handOver);
        }

        c.AssertExit(0, TimeSpan.FromSeconds(60));
        Assert.Contains($"done {s_rounds}", c.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(new int[] { 1, 0, (2 * s_rounds) }, set.GetValues());
    }

    [Fact]
    public void Ipcs_ShowsWhatGetInfoAndTheCountersReturn()
    {
        using var set = SemaphoreSet.Create(TestKeys.Unique(), 3, [2, 0, 1],
            new() { Permissions = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, RemoveOnDispose = true });
        RemoteExecutor.Run(ReleaseOnce, Id(set)); // another pid on semaphore 0
        var waiter = BackgroundCall.Start(() => set.Wait(1));
        var zeroWaiter = BackgroundCall.Start(() => set.WaitForZero(2));
        SemaphoreBlockingTests.WaitUntil(() => set.GetWaitingCount(1) == 1 && set.GetZeroWaitingCount(2) == 1);
        try
        {
            SemaphoreSetInfo info = set.GetInfo();
            IpcsSemaphoreReport ipcs = IpcsSemaphoreReport.Read(set.Id);

            Assert.Equal(set.Id, ipcs.Id);
            Assert.Equal(info.OwnerUserId, ipcs.Uid);
            Assert.Equal(info.OwnerGroupId, ipcs.Gid);
            Assert.Equal(info.CreatorUserId, ipcs.Cuid);
            Assert.Equal(info.CreatorGroupId, ipcs.Cgid);
            Assert.Equal(info.Mode, ipcs.Mode);
            Assert.Equal(Convert.ToInt32("644", 8), ipcs.Mode);
            Assert.Equal(info.Count, ipcs.Count);
            Assert.Equal(Local(info.LastOperationTime), ipcs.OperationTime);
            Assert.Equal(Local(info.LastChangeTime), ipcs.ChangeTime);
            Assert.NotNull(ipcs.OperationTime);

            int[] values = set.GetValues();
            Assert.Equal(3, ipcs.Rows.Count);
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(i, ipcs.Rows[i].Index);
                Assert.Equal(values[i], ipcs.Rows[i].Value);
                Assert.Equal(set.GetWaitingCount(i), ipcs.Rows[i].WaitingCount);
                Assert.Equal(set.GetZeroWaitingCount(i), ipcs.Rows[i].ZeroWaitingCount);
                Assert.Equal(set.GetLastProcessId(i), ipcs.Rows[i].LastPid);
            }

            // And the state itself is what was set up, so the comparison above compared something.
            Assert.Equal(new int[] { 3, 0, 1 }, values);
            Assert.Equal([0, 1, 0], Enumerable.Range(0, 3).Select(set.GetWaitingCount));
            Assert.Equal([0, 0, 1], Enumerable.Range(0, 3).Select(set.GetZeroWaitingCount));
            Assert.NotEqual(Environment.ProcessId, set.GetLastProcessId(0));
            Assert.Equal(Environment.ProcessId, set.GetLastProcessId(1));
        }
        finally
        {
            set.Release(1);
            set.SetValue(2, 0);
            waiter.Result(TimeSpan.FromSeconds(30));
            zeroWaiter.Result(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public void SetPermissionsAndSetOwner_AreWhatIpcsShows()
    {
        using var set = SemaphoreSet.Create(TestKeys.Unique(), 1, [0], options: new() { RemoveOnDispose = true });
        SemaphoreSetInfo before = set.GetInfo();
        set.SetPermissions(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, set.GetInfo().Permissions);
        Assert.Equal(Convert.ToInt32("660", 8), IpcsSemaphoreReport.Read(set.Id).Mode);

        set.SetOwner(before.OwnerUserId + 1234, before.OwnerGroupId + 5678);
        SemaphoreSetInfo after = set.GetInfo();
        Assert.Equal(before.OwnerUserId + 1234, after.OwnerUserId);
        Assert.Equal(before.OwnerGroupId + 5678, after.OwnerGroupId);
        Assert.Equal(before.CreatorUserId, after.CreatorUserId);
        IpcsSemaphoreReport ipcs = IpcsSemaphoreReport.Read(set.Id);
        Assert.Equal(after.OwnerUserId, ipcs.Uid);
        Assert.Equal(after.OwnerGroupId, ipcs.Gid);
        Assert.Throws<ArgumentOutOfRangeException>(() => set.SetPermissions(UnixFileMode.StickyBit));
    }

    [Fact]
    public void IpcmkSet_OpensWithoutWaiting_AndListsLikeGetInfo()
    {
        string output = Shell.Check("ipcmk", "-S", "4", "-p", "0640");
        int id = int.Parse(output.Split(':')[1].Trim(), CultureInfo.InvariantCulture);
        try
        {
            using var set = SemaphoreSet.OpenById(id);
            Assert.Equal(4, set.Count);
            Assert.Equal(new int[4], set.GetValues());
            SemaphoreSetInfo info = set.GetInfo();
            Assert.Null(info.LastOperationTime); // ipcmk never operates: the protocol's "not initialized"
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, info.Permissions);
            SemaphoreSetInfo listed = Assert.Single(IpcSystem.ListSemaphoreSets(), s => s.Id == id);
            Assert.Equal(info, listed);
        }
        finally
        {
            Assert.True(SemaphoreSet.TryRemove(id));
        }
    }

    private static DateTimeOffset? Local(DateTimeOffset? time) => time?.ToLocalTime();

    private static string Id(SemaphoreSet set) => set.Id.ToString(CultureInfo.InvariantCulture);

    private static int ReleaseOnce(string id)
    {
        using var set = SemaphoreSet.OpenById(int.Parse(id, CultureInfo.InvariantCulture));
        set.Release(0);
        return RemoteExecutor.SuccessExitCode;
    }
}
