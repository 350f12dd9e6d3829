using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Adversarial;

/// <summary>
/// SIGKILL storms against mutex holders while others contend, and signal (EINTR) storms against blocked
/// waits of every kind. Sized for the suite; SYSVIPC_STRESS=1 runs them for minutes.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class StormTests : IpcLeakGuard
{
    private const int SIGWINCH = 28;

    /// <summary>The data a mutex protects: a holder raises Counter, then Shadow; a death between shows as Counter != Shadow.</summary>
    public struct Ledger
    {
        public long Counter;
        public long Shadow;
        public long Violations;
        public long Abandonments;
        public long Acquisitions;
    }

    [Fact]
    public void KillingMutexHolders_OverAndOver_WhileOthersContend_NeverBreaksExclusion_OrLosesTheLock()
    {
        int kills = Adversity.Stress ? 500 : 24;
        using var ledger = SharedStruct<Ledger>.Create(IpcKey.Private, options: new() { RemoveOnDispose = true });
        using var mutex = IpcMutex.Create(IpcKey.Private, options: new() { RemoveOnDispose = true });
        string[] ids = [ledger.Id.ToString(CultureInfo.InvariantCulture), mutex.Semaphores.Id.ToString(CultureInfo.InvariantCulture)];

        var contenders = new List<RemoteProcess>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                contenders.Add(RemoteExecutor.Start(Contend, ids));
            }

            // This process contends too, checking the same invariant.
            using var stop = new CancellationTokenSource();
            long localViolations = 0;
            var local = new Thread(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    using IpcMutexScope scope = mutex.Acquire(TimeSpan.FromSeconds(60));
                    localViolations += Hold(ref ledger.Value, scope);
                }
            });
            local.Start();

            var random = new Random(14);
            int killed = 0;
            while (killed < kills)
            {
                int victim = random.Next(contenders.Count);
                contenders[victim].WaitForOutput("contending", TimeSpan.FromSeconds(60));
                long before = Volatile.Read(ref ledger.Value.Acquisitions);
                while (Volatile.Read(ref ledger.Value.Acquisitions) < before + random.Next(1, 50))
                {
                    Thread.Sleep(1); // let it run: kills land while holding, while waiting, and between
                }

                contenders[victim].Kill();
                contenders[victim].Dispose();
                killed++;
                contenders[victim] = RemoteExecutor.Start(Contend, ids);
            }

            stop.Cancel();
            Assert.True(local.Join(TimeSpan.FromSeconds(60)), "this process's contender is stuck");
            foreach (RemoteProcess contender in contenders)
            {
                contender.Kill();
            }

            using IpcMutexScope last = mutex.Acquire(TimeSpan.FromSeconds(60));
            ref Ledger l = ref ledger.Value;
            if (last.WasAbandoned)
            {
                l.Abandonments++;
                l.Shadow = l.Counter;
            }

            Assert.Equal(0, l.Violations + localViolations);
            Assert.Equal(l.Counter, l.Shadow);
            Assert.True(l.Abandonments <= killed, $"{l.Abandonments} abandonments reported for {killed} kills");
            Assert.True(l.Acquisitions > killed, "the contenders hardly ran");
            Console.WriteLine($"mutex kill storm: {killed} kills, {l.Acquisitions} acquisitions, {l.Abandonments} abandoned and repaired, 0 violations");
        }
        finally
        {
            foreach (RemoteProcess contender in contenders)
            {
                contender.Dispose();
            }
        }
    }

    [Fact]
    public void SignalStorms_AgainstBlockedMutexTimedCancellableAndChannelWaits_ChangeNoOutcome() =>
        RemoteExecutor.Run(TimeSpan.FromMinutes(Adversity.Stress ? 30 : 2), StormInChild, (Adversity.Stress ? 120_000 : 2_000).ToString(CultureInfo.InvariantCulture));

    private static int Contend(string ledgerId, string mutexId)
    {
        using var ledger = SharedStruct<Ledger>.OpenById(int.Parse(ledgerId, CultureInfo.InvariantCulture));
        using var mutex = IpcMutex.OpenById(int.Parse(mutexId, CultureInfo.InvariantCulture));
        Console.WriteLine("contending");
        while (true)
        {
            using IpcMutexScope scope = mutex.Acquire(TimeSpan.FromSeconds(60));
            ledger.Value.Violations += Hold(ref ledger.Value, scope);
        }
    }

    /// <summary>One turn of the lock: returns 1 when the invariant was broken.</summary>
    private static long Hold(ref Ledger l, IpcMutexScope scope)
    {
        long violation = 0;
        if (scope.WasAbandoned)
        {
            l.Abandonments++;
            l.Shadow = l.Counter; // repair: the dead holder's half-done update
        }
        else if (l.Counter != l.Shadow)
        {
            violation = 1; // half-done and not reported abandoned: exclusion or the report failed
        }

        l.Acquisitions++;
        l.Counter++;
        Thread.SpinWait(Random.Shared.Next(0, 2000));
        l.Shadow++;
        return violation;
    }

    private static int StormInChild(string signalsText)
    {
        int signals = int.Parse(signalsText, CultureInfo.InvariantCulture);
        int handled = 0;
        using PosixSignalRegistration registration = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, c =>
        {
            Interlocked.Increment(ref handled);
            c.Cancel = true;
        });

        using var owner = IpcMutex.Create(IpcKey.Private, options: new() { RemoveOnDispose = true });
        using var waiterMutex = IpcMutex.OpenById(owner.Semaphores.Id);
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [0], options: new() { RemoveOnDispose = true });
        using var channel = SharedMemoryChannel.Create(IpcKey.Private, 64 * 1024, new() { RemoveOnDispose = true });
        using SharedMemoryChannelReader reader = channel.OpenReader();
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using var cancel = new CancellationTokenSource();
        IpcMutexScope held = owner.Acquire(TimeSpan.FromSeconds(10));

        var tids = new int[4];
        var results = new string?[4];
        var timedWait = Stopwatch.StartNew();
        TimeSpan timedTimeout = TimeSpan.FromSeconds(Math.Max(1.5, signals / 4000.0));
        Thread[] threads =
        [
            Waiter(0, () => { using IpcMutexScope s = waiterMutex.Acquire(); return s.WasAbandoned ? "abandoned?" : "acquired"; }),
            Waiter(1, () => set.TryWait(0, timedTimeout) ? "took a unit that was never released" : (timedWait.Elapsed >= timedTimeout ? "timed out" : $"timed out early, after {timedWait.Elapsed}")),
            Waiter(2, () =>
            {
                try
                {
                    set.TryWait(0, Timeout.InfiniteTimeSpan, cancellationToken: cancel.Token);
                    return "took a unit that was never released";
                }
                catch (OperationCanceledException)
                {
                    return "cancelled";
                }
            }),
            Waiter(3, () =>
            {
                var buffer = new byte[16];
                int length = reader.Read(buffer, TimeSpan.FromSeconds(120));
                return System.Text.Encoding.ASCII.GetString(buffer, 0, length);
            }),
        ];

        while (Array.IndexOf(tids, 0) >= 0)
        {
            Thread.Sleep(1);
        }

        for (int i = 0; i < signals; i++)
        {
            if (tgkill(Environment.ProcessId, tids[i % tids.Length], SIGWINCH) != 0)
            {
                throw new InvalidOperationException("tgkill failed");
            }

            if (i % 16 == 0)
            {
                Thread.Sleep(0);
            }
        }

        // Now the events each waiter waits for, after the storm.
        while (timedWait.Elapsed < timedTimeout)
        {
            Thread.Sleep(10);
        }

        cancel.Cancel();
        writer.Write("after the storm"u8, TimeSpan.FromSeconds(10));
        held.Dispose();
        foreach (Thread thread in threads)
        {
            if (!thread.Join(TimeSpan.FromSeconds(120)))
            {
                Console.WriteLine("a waiter hung");
                return 1;
            }
        }

        string[] expected = ["acquired", "timed out", "cancelled", "after the storm"];
        Console.WriteLine($"signal storm: {signals} signals sent, {handled} handled; outcomes: {string.Join(", ", results)}");
        return results.SequenceEqual(expected) && handled > 0 ? RemoteExecutor.SuccessExitCode : 1;

        Thread Waiter(int index, Func<string> wait)
        {
            var thread = new Thread(() =>
            {
                Volatile.Write(ref tids[index], gettid());
                try
                {
                    results[index] = wait();
                }
                catch (Exception e)
                {
                    results[index] = e.GetType().Name + ": " + e.Message;
                }
            });
            thread.Start();
            return thread;
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tgkill(int tgid, int tid, int sig);

    [LibraryImport("libc")]
    private static partial int gettid();
}
