using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Semaphores;

/// <summary>SEM_UNDO: the kernel gives back what a process took with undo when it exits, however it exits.</summary>
public sealed class SemaphoreUndoTests : IpcLeakGuard
{
    [Theory]
    [InlineData("exit")]
    [InlineData("sigkill")]
    public void ChildTakesWithUndo_AndDies_ValueIsRestored(string howItEnds)
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [1], options: new() { RemoveOnDispose = true });
        using RemoteProcess child = RemoteExecutor.Start(TakeAndHold, Id(set), "undo", howItEnds == "exit" ? "exit" : "hold");
        child.WaitForOutput("taken", TimeSpan.FromSeconds(60));
        Assert.Equal(0, set.GetValue(0));

        if (howItEnds == "exit")
        {
            child.Process.StandardInput.WriteLine("exit"); // a normal exit, while still holding
            child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));
        }
        else
        {
            child.Kill(); // SIGKILL: no managed code runs, only the kernel's exit path
        }

        Assert.Equal(1, set.GetValue(0));
        Assert.Equal(child.Id, set.GetLastProcessId(0)); // the undo at exit is recorded as the child's operation
    }

    [Fact]
    public void ChildTakesWithoutUndo_AndIsKilled_ValueStaysTaken()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [1], options: new() { RemoveOnDispose = true });
        using RemoteProcess child = RemoteExecutor.Start(TakeAndHold, Id(set), "no-undo", "hold");
        child.WaitForOutput("taken", TimeSpan.FromSeconds(60));
        child.Kill();
        Assert.Equal(0, set.GetValue(0));
    }

    [Fact]
    public void WaitingParent_IsWokenByTheUndoOfAKilledHolder()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [1], options: new() { RemoveOnDispose = true });
        using RemoteProcess child = RemoteExecutor.Start(TakeAndHold, Id(set), "undo", "hold");
        child.WaitForOutput("taken", TimeSpan.FromSeconds(60));
        var waiter = BackgroundCall.Start(() => set.TryWait(0, TimeSpan.FromSeconds(60)));
        SemaphoreBlockingTests.WaitUntil(() => set.GetWaitingCount(0) == 1);
        child.Kill();
        Assert.True(waiter.Result(TimeSpan.FromSeconds(60)));
        Assert.Equal(0, set.GetValue(0));
    }

    [Fact]
    public void SetValue_ClearsUndoRecords()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [1], options: new() { RemoveOnDispose = true });
        using RemoteProcess child = RemoteExecutor.Start(TakeAndHold, Id(set), "undo", "hold");
        child.WaitForOutput("taken", TimeSpan.FromSeconds(60));
        set.SetValue(0, 0); // drops the child's adjustment of +1
        child.Kill();
        Assert.Equal(0, set.GetValue(0));
    }

    [Fact]
    public void ReleaseWithUndo_IsTakenBackAtExit()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [0], options: new() { RemoveOnDispose = true });
        using RemoteProcess child = RemoteExecutor.Start(ReleaseWithUndoAndExit, Id(set));
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));
        Assert.Equal(0, set.GetValue(0));
    }

    [Fact]
    public void OperateWithUndoFlag_TakeAndReleaseCancelOut()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 2, [1, 0], options: new() { RemoveOnDispose = true });
        using RemoteProcess child = RemoteExecutor.Start(MoveWithUndoAndExit, Id(set));
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));
        // The child moved 1 from sem 0 to sem 1 with undo; its exit moved it back.
        Assert.Equal(new int[] { 1, 0 }, set.GetValues());
    }

    private static string Id(SemaphoreSet set) => set.Id.ToString(CultureInfo.InvariantCulture);

    private static int TakeAndHold(string id, string undo, string then)
    {
        using var set = SemaphoreSet.OpenById(int.Parse(id, CultureInfo.InvariantCulture));
        set.Wait(0, flags: undo == "undo" ? SemaphoreOperationFlags.Undo : SemaphoreOperationFlags.None);
        Console.WriteLine("taken");
        if (then == "hold")
        {
            Thread.Sleep(TimeSpan.FromMinutes(2)); // killed by the test long before
            return 1;
        }

        _ = Console.ReadLine(); // the test checks the value first, then lets this process exit
        return RemoteExecutor.SuccessExitCode;
    }

    private static int ReleaseWithUndoAndExit(string id)
    {
        using var set = SemaphoreSet.OpenById(int.Parse(id, CultureInfo.InvariantCulture));
        set.Release(0, 3, flags: SemaphoreOperationFlags.Undo);
        return set.GetValue(0) == 3 ? RemoteExecutor.SuccessExitCode : 1;
    }

    private static int MoveWithUndoAndExit(string id)
    {
        using var set = SemaphoreSet.OpenById(int.Parse(id, CultureInfo.InvariantCulture));
        set.Operate([SemaphoreOperation.Wait(0, 1, SemaphoreOperationFlags.Undo), SemaphoreOperation.Release(1, 1, SemaphoreOperationFlags.Undo)]);
        return set.GetValues() is [0, 1] ? RemoteExecutor.SuccessExitCode : 1;
    }
}
