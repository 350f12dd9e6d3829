using System.Diagnostics;
using System.Runtime.InteropServices;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Semaphores;

/// <summary>
/// semop and semtimedop fail with EINTR when a signal with a handler reaches the blocked thread, and the
/// kernel never restarts them. The library retries, and for semtimedop waits only for the time that is left.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class SemaphoreSignalTests : IpcLeakGuard
{
    private const int SIGWINCH = 28;

    [Fact]
    public unsafe void Signal_InterruptsARawSemop_ProvingTheSetupDeliversEintr()
    {
        using PosixSignalRegistration handler = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, c => c.Cancel = true);
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [0], options: new() { RemoveOnDispose = true });
        int tid = 0;
        var raw = BackgroundCall.Start(() =>
        {
            tid = gettid();
            Interop.Sembuf op = new() { sem_num = 0, sem_op = -1 };
            int result = Interop.Libc.semop(set.Id, &op, 1);
            return result == 0 ? 0 : Marshal.GetLastPInvokeError();
        });
        SemaphoreBlockingTests.WaitUntil(() => set.GetWaitingCount(0) == 1);
        Assert.Equal(0, tgkill(Environment.ProcessId, tid, SIGWINCH));
        Assert.Equal(4, raw.Result(TimeSpan.FromSeconds(30))); // EINTR
    }

    [Fact]
    public void Wait_Signalled_KeepsWaiting_ThenTakes()
    {
        using PosixSignalRegistration handler = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, c => c.Cancel = true);
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [0], options: new() { RemoveOnDispose = true });
        int tid = 0;
        var waiter = BackgroundCall.Start(() => { tid = gettid(); set.Wait(0); });
        SemaphoreBlockingTests.WaitUntil(() => set.GetWaitingCount(0) == 1);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0, tgkill(Environment.ProcessId, tid, SIGWINCH));
            Thread.Sleep(50);
            SemaphoreBlockingTests.WaitUntil(() => set.GetWaitingCount(0) == 1); // back in the kernel
        }

        Assert.False(waiter.IsCompleted); // without the retry, Wait would have thrown at the first signal
        set.Release(0);
        waiter.Result(TimeSpan.FromSeconds(30));
        Assert.Equal(0, set.GetValue(0));
    }

    [Fact]
    public void TryWait_Signalled_WaitsOnlyTheRemainingTime()
    {
        using PosixSignalRegistration handler = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, c => c.Cancel = true);
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [0], options: new() { RemoveOnDispose = true });
        TimeSpan timeout = TimeSpan.FromSeconds(2);
        int tid = 0;
        var watch = Stopwatch.StartNew();
        var waiter = BackgroundCall.Start(() => { tid = gettid(); return set.TryWait(0, timeout); });
        SemaphoreBlockingTests.WaitUntil(() => set.GetWaitingCount(0) == 1);

        // Interruptions spread over the wait, the last just before it ends: restarting with the full
        // timeout would end a whole timeout after the last one (3.9 s or later on an idle machine). The
        // bound is taken from when the last signal really went out, so a loaded machine delaying this
        // thread does not fail the test.
        TimeSpan lastSignal = TimeSpan.Zero;
        foreach (double at in new[] { 0.4, 0.8, 1.2, 1.6, 1.9 })
        {
            TimeSpan due = TimeSpan.FromSeconds(at) - watch.Elapsed;
            if (due > TimeSpan.Zero)
            {
                Thread.Sleep(due);
            }

            lastSignal = watch.Elapsed;
            _ = tgkill(Environment.ProcessId, tid, SIGWINCH);
        }

        Assert.False(waiter.Result(TimeSpan.FromSeconds(30)));
        TimeSpan returned = watch.Elapsed;
        Assert.True(returned >= timeout * 0.9, $"Returned after {returned}, before the timeout.");
        Assert.True(returned < lastSignal + (timeout * 0.9), $"Returned after {returned}, the last signal went out at {lastSignal}: the timeout restarted after a signal.");
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int gettid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tgkill(int tgid, int tid, int signal);
}
