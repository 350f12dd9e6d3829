using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Cli;

/// <summary>'sysvipc rm': removes for real (checked with ipcs), with ipcrm's messages and exit codes.</summary>
public sealed class RemoveTests : IpcLeakGuard
{
    [Fact]
    public void SegmentById_IsGone_FromIpcs()
    {
        int id = TestObjects.Ipcmk("-M", "4096");
        try
        {
            CliRunner.Result result = CliRunner.Run("rm", "-m", Text(id));
            Assert.Equal((0, "", ""), (result.ExitCode, result.Output, result.Error));
            Assert.False(IpcsText.Rows(Shell.Check("ipcs", "-m"), "------ Shared").ContainsKey(id));
        }
        finally
        {
            Shell.Run("ipcrm", ["-m", Text(id)]);
        }
    }

    [Fact]
    public void SegmentsByKey_Repeated_AreGone_AndVerboseSaysWhatLikeIpcrm()
    {
        using var first = SharedMemorySegment.Create(TestKeys.Unique(), 100, options: new() { RemoveOnDispose = true });
        using var second = SharedMemorySegment.Create(TestKeys.Unique(), 100, options: new() { RemoveOnDispose = true });

        CliRunner.Result result = CliRunner.Run("rm", "-v", "-M", first.Key.ToString(), "--shmem-key", second.Key.ToString());

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"removing shared memory segment id `{first.Id}'\nremoving shared memory segment id `{second.Id}'\n", result.Output);
        var rows = IpcsText.Rows(Shell.Check("ipcs", "-m"), "------ Shared");
        Assert.False(rows.ContainsKey(first.Id));
        Assert.False(rows.ContainsKey(second.Id));
    }

    [Fact]
    public void DryRun_RemovesNothing_AndSaysWhatItWouldRemove()
    {
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 100, options: new() { RemoveOnDispose = true });
        CliRunner.Result result = CliRunner.Run("rm", "--dry-run", "-m", Text(segment.Id));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"would remove shared memory segment id `{segment.Id}' (key {segment.Key})\n", result.Output);
        Assert.True(IpcsText.Rows(Shell.Check("ipcs", "-m"), "------ Shared").ContainsKey(segment.Id));
    }

    [Fact]
    public void AllOfOneKind_ScopedByKey_RemovesOnlyThose()
    {
        using var a = SharedMemorySegment.Create(TestKeys.Unique(), 100, options: new() { RemoveOnDispose = true });
        using var b = SharedMemorySegment.Create(TestKeys.Unique(), 100, options: new() { RemoveOnDispose = true });
        using var untouched = SharedMemorySegment.Create(TestKeys.Unique(), 100, options: new() { RemoveOnDispose = true });

        CliRunner.Result result = CliRunner.Run("rm", "--all=shm", "--key", a.Key.ToString(), "--key", b.Key.ToString());

        Assert.Equal(0, result.ExitCode);
        var rows = IpcsText.Rows(Shell.Check("ipcs", "-m"), "------ Shared");
        Assert.False(rows.ContainsKey(a.Id));
        Assert.False(rows.ContainsKey(b.Id));
        Assert.True(rows.ContainsKey(untouched.Id));
    }

    [Fact]
    public void BadArguments_GiveIpcrmsMessages_Exit1_AndTheOthersAreStillRemoved()
    {
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 100, options: new() { RemoveOnDispose = true });
        int missingId = IpcSystem.ListSharedMemory().Select(s => s.Id).DefaultIfEmpty(0).Max() + 1000;
        IpcKey missingKey = TestKeys.Unique();
        string[] args =
        [
            "-m", Text(missingId), "-M", missingKey.ToString(), "-M", "0", "-m", "notakey", "-M", "notakey",
            "-m", "99999999999", "-m", Text(segment.Id),
        ];

        CliRunner.Result ours = CliRunner.Run(["rm", .. args]);

        Assert.Equal(1, ours.ExitCode);
        Assert.Equal(
            [
                $"sysvipc: invalid id ({missingId})",
                $"sysvipc: no shared memory segment has key {missingKey} ('sysvipc ls -m' lists them)",
                "sysvipc: illegal key (0)",
                "sysvipc: failed to parse argument: 'notakey'",
                "sysvipc: failed to parse argument: 'notakey'",
                "sysvipc: failed to parse argument: '99999999999': Numerical result out of range",
            ],
            ours.ErrorLines);
        Assert.False(IpcsText.Rows(Shell.Check("ipcs", "-m"), "------ Shared").ContainsKey(segment.Id));

        // Each message is ipcrm's own, word for word (ipcrm stops at a parse error, so ask it one at a time),
        // except a well-formed key nothing has: ipcrm's "invalid key" reads as if the key were malformed.
        foreach (string[] one in new[]
        {
            new[] { "-m", Text(missingId) }, ["-M", "0"], ["-m", "notakey"], ["-M", "notakey"], ["-m", "99999999999"],
        })
        {
            Shell.Result ipcrm = Shell.Run("ipcrm", one);
            CliRunner.Result mine = CliRunner.Run(["rm", .. one]);
            Assert.Equal(ipcrm.ExitCode, mine.ExitCode);
            Assert.Equal(ipcrm.StandardError.Replace("ipcrm: ", "sysvipc: ", StringComparison.Ordinal), mine.Error);
        }
    }

    [Theory]
    [InlineData(new[] { "rm" }, "nothing to remove")]
    [InlineData(new[] { "rm", "--all=foo" }, "unknown argument: foo")]
    [InlineData(new[] { "rm", "-m" }, "Required argument missing for option: '-m'")]
    [InlineData(new[] { "rm", "--bogus" }, "Unrecognized command or argument '--bogus'")]
    [InlineData(new[] { "rm", "--orphans", "--key", "nokey" }, "failed to parse argument: 'nokey'")]
    [InlineData(new[] { "rm", "--orphans", "--idle", "-5" }, "invalid --idle value -5")]
    public void UsageErrors_AreOneLine_Exit1(string[] args, string message)
    {
        CliRunner.Result result = CliRunner.Run(args);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Output);
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("sysvipc: ", line, StringComparison.Ordinal);
        Assert.Contains(message, line, StringComparison.Ordinal);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
