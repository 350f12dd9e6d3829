using System.Diagnostics;
using System.Globalization;
using SysV.Ipc.Interop;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Semaphores;

/// <summary>
/// The classic race: a process opening a set between its creator's semget and SETALL sees zeros. Open
/// waits for sem_otime, which a creator following the protocol sets only after SETALL.
/// </summary>
public sealed class SemaphoreInitializationTests : IpcLeakGuard
{
    private const int Openers = 4;

    [Fact]
    public void ConcurrentOpeners_NeverSeeUninitializedValues_WhileASlowCreatorInitializes()
    {
        IpcKey key = TestKeys.Unique();
        string keyText = key.Value.ToString(CultureInfo.InvariantCulture);
        var children = new List<RemoteProcess>();
        int? id = null;
        try
        {
            // Openers first, polling for the key, so they find the set inside the creator's window.
            for (int i = 0; i < Openers; i++)
            {
                children.Add(RemoteExecutor.Start(OpenAsSoonAsItExists, keyText, "3,7,0"));
            }

            foreach (RemoteProcess child in children)
            {
                child.WaitForOutput("polling", TimeSpan.FromSeconds(60));
            }

            using RemoteProcess creator = NativeProgram.Start("sem_create_slow", keyText, "800", "3", "7", "0");
            creator.WaitForOutput("created", TimeSpan.FromSeconds(30));
            id = int.Parse(creator.StandardOutput.Split(' ', '\n')[1], CultureInfo.InvariantCulture);
            creator.AssertExit(0, TimeSpan.FromSeconds(30));

            foreach (RemoteProcess child in children)
            {
                child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));
            }

            // The test is only meaningful if openers really arrived during the window and saw zeros there.
            int early = children.Count(c => c.StandardOutput.Contains("found uninitialized: 0,0,0", StringComparison.Ordinal));
            Assert.True(early > 0, "No opener found the set before its initialization; outputs:\n" + string.Join("\n", children.Select(c => c.StandardOutput)));
            Assert.All(children, c => Assert.Contains("opened: 3,7,0", c.StandardOutput, StringComparison.Ordinal));
        }
        finally
        {
            foreach (RemoteProcess child in children)
            {
                child.Dispose();
            }

            if (id is { } created)
            {
                SemaphoreSet.TryRemove(created);
            }
        }
    }

    private static unsafe int OpenAsSoonAsItExists(string keyText, string expected)
    {
        var key = new IpcKey(int.Parse(keyText, CultureInfo.InvariantCulture));
        Console.WriteLine("polling");
        var watch = Stopwatch.StartNew();
        int id;
        while ((id = Libc.semget(key.Value, 0, 0)) < 0)
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(60))
            {
                Console.Error.WriteLine("the set never appeared");
                return 1;
            }

            Thread.Sleep(1);
        }

        // What a careless opener would use right now (raw calls, bypassing the protocol).
        SemaphoreSetStatus.TryStat(id, out SemaphoreSetInfo? raw);
        if (raw!.LastOperationTime is null)
        {
            var values = new short[raw.Count];
            fixed (short* p = values)
            {
                _ = Libc.semctl(id, 0, Libc.GETALL, (nint)p);
            }

            Console.WriteLine("found uninitialized: " + string.Join(',', values));
        }

        using var set = SemaphoreSet.Open(key);
        string seen = string.Join(',', set.GetValues());
        Console.WriteLine("opened: " + seen);
        return seen == expected ? RemoteExecutor.SuccessExitCode : 1;
    }

    [Fact]
    public void ConcurrentOpenOrCreate_ExactlyOneCreates_AllSeeItsValues()
    {
        IpcKey key = TestKeys.Unique();
        string keyText = key.Value.ToString(CultureInfo.InvariantCulture);
        using var gate = SemaphoreSet.Create(IpcKey.Private, 1, [0], options: new() { RemoveOnDispose = true });
        string gateId = gate.Id.ToString(CultureInfo.InvariantCulture);
        var children = new List<RemoteProcess>();
        try
        {
            for (int i = 0; i < Openers; i++)
            {
                children.Add(RemoteExecutor.Start(OpenOrCreateAtTheGate, gateId, keyText, (i + 1).ToString(CultureInfo.InvariantCulture)));
            }

            SemaphoreBlockingTests.WaitUntil(() => gate.GetWaitingCount(0) == Openers);
            gate.Release(0, Openers); // all at once

            foreach (RemoteProcess child in children)
            {
                child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));
            }

            RemoteProcess creator = Assert.Single(children, c => c.StandardOutput.Contains("created", StringComparison.Ordinal));
            string values = creator.StandardOutput.Split(' ', '\n')[1].Trim();
            Assert.All(children, c => Assert.Contains(" " + values, c.StandardOutput, StringComparison.Ordinal));
        }
        finally
        {
            foreach (RemoteProcess child in children)
            {
                child.Dispose();
            }

            int leftover = Interop.Libc.semget(key.Value, 0, 0);
            if (leftover >= 0)
            {
                SemaphoreSet.TryRemove(leftover);
            }
        }
    }

    private static int OpenOrCreateAtTheGate(string gateId, string keyText, string seed)
    {
        using (var gate = SemaphoreSet.OpenById(int.Parse(gateId, CultureInfo.InvariantCulture)))
        {
            gate.Wait(0);
        }

        // Each contender would initialize differently; whoever creates decides, everyone sees that.
        short value = short.Parse(seed, CultureInfo.InvariantCulture);
        using var set = SemaphoreSet.OpenOrCreate(new IpcKey(int.Parse(keyText, CultureInfo.InvariantCulture)), 2, [value, (short)(value * 10)]);
        Console.WriteLine((set.WasCreated ? "created " : "opened ") + string.Join(',', set.GetValues()));
        return RemoteExecutor.SuccessExitCode;
    }

    [Fact]
    public void Open_WaitsForASlowCreator_InThisProcess()
    {
        IpcKey key = TestKeys.Unique();
        using RemoteProcess creator = NativeProgram.Start("sem_create_slow", key.Value.ToString(CultureInfo.InvariantCulture), "400", "5");
        creator.WaitForOutput("created", TimeSpan.FromSeconds(30));
        int id = int.Parse(creator.StandardOutput.Split(' ', '\n')[1], CultureInfo.InvariantCulture);
        try
        {
            using var set = SemaphoreSet.Open(key);
            Assert.Equal(5, set.GetValue(0));
            using var again = SemaphoreSet.OpenOrCreate(key, 1, [9]);
            Assert.False(again.WasCreated);
            Assert.Equal(5, again.GetValue(0));
            creator.AssertExit(0, TimeSpan.FromSeconds(30));
        }
        finally
        {
            SemaphoreSet.TryRemove(id);
        }
    }

    [Fact]
    public void Open_NeverInitialized_TimesOutWithAClearError()
    {
        IpcKey key = TestKeys.Unique();
        int id = Libc.semget(key.Value, 2, Libc.IPC_CREAT | Libc.IPC_EXCL | 0x180); // what ipcmk -S does: no semop
        Assert.True(id >= 0);
        try
        {
            var watch = Stopwatch.StartNew();
            var e = Assert.Throws<TimeoutException>(() => SemaphoreSet.Open(key, new() { InitializationTimeout = TimeSpan.FromMilliseconds(300) }));
            Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(300));
            Assert.Contains($"semaphore set with key {key} (id {id}) exists but was not initialized within 00:00:00.3", e.Message, StringComparison.Ordinal);
            Assert.Contains("sem_otime", e.Message, StringComparison.Ordinal);
            Assert.Contains($"ipcrm -s {id}", e.Message, StringComparison.Ordinal);
            Assert.Contains("WaitForInitialization = false", e.Message, StringComparison.Ordinal);

            Assert.Throws<TimeoutException>(() => SemaphoreSet.OpenOrCreate(key, 2, [1, 1], openOptions: new() { InitializationTimeout = TimeSpan.Zero }));
            Assert.Throws<TimeoutException>(() => SemaphoreSet.OpenById(id, new() { InitializationTimeout = TimeSpan.FromMilliseconds(50) }));

            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            Assert.ThrowsAny<OperationCanceledException>(() => SemaphoreSet.Open(key, new() { InitializationTimeout = Timeout.InfiniteTimeSpan }, cts.Token));

            // Without waiting (sets made by tools), and by id (the default), it opens at once.
            using var noWait = SemaphoreSet.Open(key, new() { WaitForInitialization = false });
            Assert.Equal(2, noWait.Count);
            using var byId = SemaphoreSet.OpenById(id);
            Assert.Null(byId.GetInfo().LastOperationTime);

            // Once anyone operates, sem_otime is set and Open proceeds.
            byId.Release(0);
            using var opened = SemaphoreSet.Open(key, new() { InitializationTimeout = TimeSpan.Zero });
            Assert.Equal(1, opened.GetValue(0));
        }
        finally
        {
            Assert.True(SemaphoreSet.TryRemove(id));
        }
    }
}
