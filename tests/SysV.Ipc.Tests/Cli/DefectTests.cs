using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Cli;

/// <summary>
/// The defects a new user found in the tool (issue 13), each run as the built tool in its own process
/// against real objects; every command is scoped with --key to the test's own objects.
/// </summary>
public sealed class DefectTests : IpcLeakGuard
{
    [Fact]
    [Trait("Category", CrossUser.Trait)]
    public void DryRunOfAll_AsAnOrdinaryUser_ListsExactlyWhatTheRealRunRemoves()
    {
        using var roots = SharedMemorySegment.Create(TestKeys.Unique(), 100, options: new() { RemoveOnDispose = true });
        Shell.Check("setpriv", [.. CliRunner.AsNobody, "ipcmk", "-Q", "-p", "0600"]); // a random key: find it by owner below
        MessageQueueInfo nobodys = IpcSystem.ListMessageQueues().Single(q => q.OwnerUserId == 65534);
        try
        {
            string[] scope = ["--key", roots.Key.ToString(), "--key", nobodys.Key.ToString()];
            CliRunner.Result dryRun = CliRunner.RunAsNobody(["rm", "--all", "--dry-run", .. scope]);
            Assert.Equal((0, ""), (dryRun.ExitCode, dryRun.Error));
            Assert.Equal($"would remove message queue id `{nobodys.Id}' (key {nobodys.Key})\n", dryRun.Output);

            CliRunner.Result real = CliRunner.RunAsNobody(["rm", "--all", "-v", .. scope]);
            Assert.Equal((0, ""), (real.ExitCode, real.Error));
            Assert.Equal($"removing message queue id `{nobodys.Id}'\n", real.Output);
            Assert.DoesNotContain(IpcSystem.ListMessageQueues(), q => q.Id == nobodys.Id);
            Assert.Contains(IpcSystem.ListSharedMemory(), s => s.Id == roots.Id);

            // Named explicitly, root's segment is refused by both runs alike, with the kind and whose it is.
            string id = roots.Id.ToString(CultureInfo.InvariantCulture);
            CliRunner.Result namedDry = CliRunner.RunAsNobody("rm", "-m", id, "--dry-run");
            CliRunner.Result named = CliRunner.RunAsNobody("rm", "-m", id);
            Assert.Equal(1, namedDry.ExitCode);
            Assert.Equal(named.Error, namedDry.Error);
            Assert.Equal($"sysvipc: permission denied for id ({id}): shared memory segment {id}: it belongs to root (uid 0), created by root (uid 0), and you are nobody (uid 65534); only its owner, its creator or root (CAP_SYS_ADMIN) may remove it\n", named.Error);
        }
        finally
        {
            MessageQueue.TryRemove(nobodys.Id);
        }
    }

    [Fact]
    public void Orphans_NeverProposeWhatHoldsData_ButReportIt_UnlessIncludeNonEmpty()
    {
        string[] keys = [.. Enumerable.Range(0, 6).Select(_ => TestKeys.Unique().ToString())];
        RemoteExecutor.Run(LeaveObjectsBehind, keys);
        List<IpcObjectInfo> left = [.. IpcSystem.ListAll().Where(o => keys.Contains(o.Key.ToString()))];
        try
        {
            Assert.Equal(6, left.Count);
            int Id(int i) => left.Single(o => o.Key.ToString() == keys[i]).Id;
            string[] scope = ["--idle", "0", .. keys.SelectMany(k => new[] { "--key", k })];

            CliRunner.Result dryRun = CliRunner.RunProcess(null, ["rm", "--orphans", "--dry-run", .. scope]);
            Assert.Equal((0, ""), (dryRun.ExitCode, dryRun.Error));
            string[] lines = dryRun.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(6, lines.Length);
            Assert.Contains($"would remove shared memory segment id `{Id(0)}' (key {keys[0]})", lines);
            Assert.Contains(lines, l => l.StartsWith($"keeping shared memory segment id `{Id(1)}' (key {keys[1]}): it holds a SharedStruct area (struct(16){{", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith($"keeping shared memory segment id `{Id(2)}' (key {keys[2]}): it holds a channel with 1 unread message", StringComparison.Ordinal));
            Assert.Contains($"keeping message queue id `{Id(3)}' (key {keys[3]}): it holds 1 unread message (7 bytes) (--include-nonempty removes it)", lines);
            Assert.Contains($"keeping semaphore set id `{Id(4)}' (key {keys[4]}): it holds what looks like an IpcMutex's lock and owned flag (values 1,0) (--include-nonempty removes it)", lines);
            Assert.Contains($"would remove message queue id `{Id(5)}' (key {keys[5]})", lines);

            CliRunner.Result listed = CliRunner.RunProcess(null, ["ls", "--orphans", "--json", .. scope]);
            Assert.Contains($"\"id\": {Id(0)},", listed.Output, StringComparison.Ordinal);
            Assert.DoesNotContain($"\"key_hex\": \"{keys[1]}\"", listed.Output, StringComparison.Ordinal);

            CliRunner.Result all = CliRunner.RunProcess(null, ["rm", "--orphans", "--include-nonempty", "-v", .. scope]);
            Assert.Equal((0, ""), (all.ExitCode, all.Error));
            Assert.Equal(6, all.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.DoesNotContain(IpcSystem.ListAll(), o => keys.Contains(o.Key.ToString()));
        }
        finally
        {
            foreach (IpcObjectInfo o in left)
            {
                _ = o.Kind switch
                {
                    IpcObjectKind.SharedMemory => SharedMemorySegment.TryRemove(o.Id),
                    IpcObjectKind.MessageQueue => MessageQueue.TryRemove(o.Id),
                    _ => SemaphoreSet.TryRemove(o.Id),
                };
            }
        }
    }

    private struct Pair
    {
        public long A;
        public long B;
    }

    /// <summary>Left behind on purpose (the test removes them): a plain segment never written, an area, a channel holding a message, a queue holding one, an IpcMutex, an empty queue.</summary>
    private static int LeaveObjectsBehind(string k0, string k1, string k2, string k3, string k4, string k5)
    {
        SharedMemorySegment.Create(IpcKey.Parse(k0), 4096).Dispose();
        SharedStruct<Pair>.Create(IpcKey.Parse(k1), (ref Pair p) => (p.A, p.B) = (7, 8)).Dispose();
        using (var channel = SharedMemoryChannel.Create(IpcKey.Parse(k2), 4096))
        using (SharedMemoryChannelWriter writer = channel.OpenWriter())
        {
            writer.Write("waiting"u8);
        }

        using (var queue = MessageQueue.Create(IpcKey.Parse(k3)))
        {
            queue.Send(1, "unread!"u8);
        }

        IpcMutex.Create(IpcKey.Parse(k4)).Dispose();
        MessageQueue.Create(IpcKey.Parse(k5)).Dispose();
        return RemoteExecutor.SuccessExitCode;
    }

    [Fact]
    public void CommandColumn_EscapesControlCharacters_AsLsipcDoes()
    {
        IpcKey key = TestKeys.Unique();
        using RemoteProcess creator = RemoteExecutor.Start(CreateSegmentAndWait, key.ToString(), "first\nsecond");
        creator.WaitForOutput("ready", TimeSpan.FromSeconds(30));
        int id = IpcSystem.ListSharedMemory().Single(s => s.Key == key).Id;
        try
        {
            CliRunner.Result listed = CliRunner.RunProcess(null, "ls", "-m", "--command", "--key", key.ToString());
            Assert.Equal(0, listed.ExitCode);
            string row = Assert.Single(listed.Output.Split('\n'), l => l.StartsWith(key.ToString(), StringComparison.Ordinal));
            Assert.EndsWith(@" first\x0asecond", row, StringComparison.Ordinal);
            Assert.DoesNotContain(listed.Output.Split('\n'), l => l == "second");

            string lsipc = Shell.Check("lsipc", "-m", "-r", "--notruncate", "-o", "ID,COMMAND");
            Assert.Contains(@"\x20first\x0asecond", lsipc, StringComparison.Ordinal);
        }
        finally
        {
            SharedMemorySegment.TryRemove(id);
        }
    }

    private static int CreateSegmentAndWait(string key, string label)
    {
        using var segment = SharedMemorySegment.Create(IpcKey.Parse(key), 4096, options: new() { RemoveOnDispose = true });
        Console.WriteLine("ready " + label.Length);
        Thread.Sleep(TimeSpan.FromSeconds(60)); // killed by the test
        return RemoteExecutor.SuccessExitCode;
    }

    [Theory]
    [InlineData(new string[0], "sysvipc: no verb given; usage: sysvipc <")]
    [InlineData(new[] { "list" }, "sysvipc: unknown verb 'list'; did you mean 'ls'? (see 'sysvipc --help')")]
    [InlineData(new[] { "remove", "-m", "1" }, "sysvipc: unknown verb 'remove'; did you mean 'rm'?")]
    [InlineData(new[] { "frobnicate" }, "sysvipc: unknown verb 'frobnicate' (see 'sysvipc --help')")]
    public void NoVerbOrAnUnknownOne_IsOneClearLine(string[] args, string expected)
    {
        CliRunner.Result result = CliRunner.RunProcess(null, args);
        Assert.Equal((1, ""), (result.ExitCode, result.Output));
        Assert.StartsWith(expected, Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void DashCapitalV_PrintsTheVersion_OnOneLine()
    {
        CliRunner.Result result = CliRunner.RunProcess(null, "-V");
        Assert.Equal((0, ""), (result.ExitCode, result.Error));
        Assert.Matches(@"^\d+\.\d+\.\d+\S*\n$", result.Output);
        Assert.Equal(result.Output, CliRunner.RunProcess(null, "--version").Output);
    }

    [Fact]
    [Trait("Category", CrossUser.Trait)]
    public void ErrorMessages_AreForPeople()
    {
        // SEMMSL: no "(Parameter 'count')" nor "Actual value was".
        CliRunner.Result semaphores = CliRunner.RunProcess(null, "mk", "-S", "40000");
        Assert.Equal(1, semaphores.ExitCode);
        Assert.Equal($"sysvipc: cannot create a set of 40000 semaphores: this system allows at most {IpcSystem.GetLimits().MaxSemaphoresPerSet} per set (SEMMSL, the first field of /proc/sys/kernel/sem; sysctl kernel.sem)\n", semaphores.Error);

        // More memory than the machine has: memory is the limit (shmall is 2^64 here), and no key the user never chose.
        CliRunner.Result huge = CliRunner.RunProcess(null, "mk", "-M", "1P");
        Assert.Equal(1, huge.ExitCode);
        string line = Assert.Single(huge.ErrorLines);
        Assert.StartsWith("sysvipc: cannot create a shared memory segment of 1P (1125899906842624 bytes): the kernel has not enough memory to reserve it", line, StringComparison.Ordinal);
        Assert.DoesNotContain("shmall", line, StringComparison.Ordinal);
        Assert.DoesNotContain("key", line, StringComparison.Ordinal);

        // A key nothing has.
        IpcKey missing = TestKeys.Unique();
        CliRunner.Result noKey = CliRunner.RunProcess(null, "rm", "-M", missing.ToString());
        Assert.Equal($"sysvipc: no shared memory segment has key {missing} ('sysvipc ls -m' lists them)\n", noKey.Error);

        // Permission: the literal id, the kind, whose it is, and advice that works for this user.
        using var set = SemaphoreSet.Create(TestKeys.Unique(), 1, [0], options: new() { RemoveOnDispose = true });
        CliRunner.Result denied = CliRunner.RunAsNobody("show", "-s", set.Id.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(1, denied.ExitCode);
        string message = Assert.Single(denied.ErrorLines);
        Assert.StartsWith($"sysvipc: permission denied on semaphore set {set.Id} (key {set.Key}): it belongs to root (uid 0) with mode 0600, which does not let you (nobody (uid 65534)) do this.", message, StringComparison.Ordinal);
        Assert.DoesNotContain("SetPermissions", message, StringComparison.Ordinal);
        Assert.DoesNotContain(" ID", message, StringComparison.Ordinal);
        string advice = $"sysvipc ls -s --key {set.Key}";
        Assert.Contains($"'{advice}' shows it", message, StringComparison.Ordinal);
        CliRunner.Result followed = CliRunner.RunAsNobody(advice.Split(' ')[1..]);
        Assert.Equal(0, followed.ExitCode);
        Assert.Contains(set.Key.ToString(), followed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_OnATakenKey_FailsOnStderr_WithARemovalCommandThatWorks()
    {
        string keyFile = Path.Combine(Path.GetTempPath(), "sysvipc-demo-taken-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(keyFile, "");
        IpcKey key = IpcKey.FromFile(keyFile, 1);
        var squatter = SharedMemorySegment.Create(key, 64);
        try
        {
            CliRunner.Result result = CliRunner.RunProcess(null, "demo", "--key-file", keyFile);
            Assert.Equal((1, ""), (result.ExitCode, result.Output));
            string line = Assert.Single(result.ErrorLines);
            Assert.Contains($"already exists with key {key}", line, StringComparison.Ordinal);
            string command = line.Split("remove it with '")[1].Split('\'')[0];
            Assert.Equal($"sysvipc rm -M {key}", command);

            CliRunner.Result removed = CliRunner.RunProcess(null, command.Split(' ')[1..]);
            Assert.Equal((0, ""), (removed.ExitCode, removed.Error));
            Assert.DoesNotContain(IpcSystem.ListAll(), o => o.Key == key);
        }
        finally
        {
            SharedMemorySegment.TryRemove(squatter.Id);
            squatter.Dispose();
            File.Delete(keyFile);
        }
    }

    [Fact]
    public void HelpTexts_SayWhatEachVerbTakes()
    {
        Assert.DoesNotContain("--file", CliRunner.RunProcess(null, "key", "--help").Output, StringComparison.Ordinal);
        string rm = CliRunner.RunProcess(null, "rm", "--help").Output;
        Assert.Contains("-a, --all[=shm|msg|sem]  ", rm, StringComparison.Ordinal);
        Assert.Contains("--include-nonempty", rm, StringComparison.Ordinal);
        Assert.Contains("a semaphore set with a value other than 0 (an IpcMutex)", rm, StringComparison.Ordinal);
        Assert.DoesNotContain("--idle", CliRunner.RunProcess(null, "show", "--help").Output, StringComparison.Ordinal);

        CliRunner.Result zero = CliRunner.RunProcess(null, "key", "/tmp", "--proj", "0");
        Assert.Equal(0, zero.ExitCode);
        Assert.Equal(IpcKey.FromFile("/tmp", 0) + "\n", zero.Output);
        Assert.StartsWith("sysvipc: warning: --proj 0: ftok(3) requires a nonzero project id", zero.Error, StringComparison.Ordinal);
    }
}
