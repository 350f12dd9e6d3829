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
        foreach (string verb in new[] { "ipcs, ls ", "show <ID> ", "rm ", "mk ", "key <PATH> " })
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
    public void BuiltTool_Help_ExitsZero()
    {
        CliRunner.Result result = CliRunner.RunProcess(null, "rm", "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--orphans", result.Output, StringComparison.Ordinal);
    }
}
