using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Cli;

/// <summary>--help on every verb, and the built tool run as a real process.</summary>
public sealed class HelpAndProcessTests : IpcLeakGuard
{
    [Theory]
    [InlineData("ls")]
    [InlineData("ipcs")]
    [InlineData("show")]
    [InlineData("rm")]
    [InlineData("mk")]
    [InlineData("key")]
    [InlineData("demo")]
    public void EveryVerb_HasHelpWithExamples(string verb)
    {
        CliRunner.Result result = CliRunner.Run(verb, "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Output, StringComparison.Ordinal);
        Assert.Contains("Examples:\n  sysvipc ", result.Output, StringComparison.Ordinal);
        Assert.Equal("", result.Error);
    }

    [Fact]
    public void RootHelp_ListsTheVerbs()
    {
        string help = CliRunner.Run("--help").Output;
        Assert.Contains("Usage:\n  sysvipc [command] [options]", help, StringComparison.Ordinal);
        foreach (string verb in new[] { "ipcs, ls ", "show <ID> ", "rm ", "mk ", "key <PATH> ", "demo " })
        {
            Assert.Contains("\n  " + verb, help, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void BuiltTool_MakesListsAndRemoves_AsARealProcess()
    {
        IpcKey key = TestKeys.Unique();
        CliRunner.Result made = CliRunner.RunProcess(null, "mk", "-M", "4K", "--key", key.ToString());
        Assert.Equal(0, made.ExitCode);
        int id = int.Parse(made.Output.Split(' ')[3], CultureInfo.InvariantCulture);
        try
        {
            CliRunner.Result listed = CliRunner.RunProcess(null, "ipcs", "-m", "--key", key.ToString());
            Assert.Equal(0, listed.ExitCode);
            Assert.Equal(
                IpcsText.Rows(Shell.Check("ipcs", "-m"), "------ Shared")[id],
                IpcsText.Rows(listed.Output, "------ Shared")[id]);

            CliRunner.Result bad = CliRunner.RunProcess(null, "rm", "-M", "notakey", "-M", key.ToString());
            Assert.Equal(1, bad.ExitCode);
            Assert.Equal("sysvipc: failed to parse argument: 'notakey'\n", bad.Error);
            Assert.False(IpcsText.Rows(Shell.Check("ipcs", "-m"), "------ Shared").ContainsKey(id));
        }
        finally
        {
            SharedMemorySegment.TryRemove(id);
        }
    }

    [Fact]
    [Trait("Category", CrossUser.Trait)]
    public void BuiltTool_AsAnotherUser_IsRefusedWithIpcrmsMessage_AndRemovesNothing()
    {
        // Root-owned 0600 objects, then the tool run as 'nobody' (setpriv): the kernel says EPERM/EACCES.
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 10, options: new() { RemoveOnDispose = true });
        using var set = SemaphoreSet.Create(TestKeys.Unique(), 1, [0], options: new() { RemoveOnDispose = true });
        string id = segment.Id.ToString(CultureInfo.InvariantCulture);

        Shell.Result ipcrm = Shell.Run("setpriv", [.. AsNobody, "ipcrm", "-m", id]);
        CliRunner.Result ours = RunAsNobody("rm", "-m", id, "-M", segment.Key.ToString());
        Assert.Equal(1, ours.ExitCode);
        Assert.StartsWith(ipcrm.StandardError.Replace("ipcrm: ", "sysvipc: ", StringComparison.Ordinal).TrimEnd('\n') + ": shared memory segment " + id + ": it belongs to root", ours.ErrorLines[0], StringComparison.Ordinal);
        Assert.StartsWith($"sysvipc: permission denied for key ({segment.Key}): shared memory segment {id}: ", ours.ErrorLines[1], StringComparison.Ordinal);
        Assert.True(IpcsText.Rows(Shell.Check("ipcs", "-m"), "------ Shared").ContainsKey(segment.Id));

        CliRunner.Result show = RunAsNobody("show", "-s", set.Id.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(1, show.ExitCode);
        Assert.StartsWith($"sysvipc: permission denied on semaphore set {set.Id} (key {set.Key}): ", Assert.Single(show.ErrorLines), StringComparison.Ordinal);
    }

    private static readonly string[] AsNobody = CliRunner.AsNobody;

    private static CliRunner.Result RunAsNobody(params string[] args) => CliRunner.RunAsNobody(args);

    [Fact]
    public void BuiltTool_Help_ExitsZero()
    {
        CliRunner.Result result = CliRunner.RunProcess(null, "rm", "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--orphans", result.Output, StringComparison.Ordinal);
    }
}
