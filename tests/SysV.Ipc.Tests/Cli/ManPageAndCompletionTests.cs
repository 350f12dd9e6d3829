using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Cli;

/// <summary>docs/sysvipc.1 is what the tool generates from its help, and Tab completion answers from System.CommandLine's completions.</summary>
public sealed class ManPageAndCompletionTests : IpcLeakGuard
{
    [Fact]
    public void ManPage_InTheRepository_IsWhatTheHelpGenerates()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "SysVIpc.slnx")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        Assert.NotNull(dir);
        CliRunner.Result generated = CliRunner.RunProcess(null, "__man");
        Assert.Equal(0, generated.ExitCode);
        Assert.True(
            File.ReadAllText(Path.Combine(dir, "docs", "sysvipc.1")) == generated.Output,
            "docs/sysvipc.1 is stale: regenerate it with 'dotnet run --project src/SysV.Ipc.Cli -- __man > docs/sysvipc.1'");
        foreach (string verb in new[] { "ls", "lsipc", "show", "rm", "mk", "key", "demo", "peek", "dump", "chmod", "chown", "top", "completion" })
        {
            Assert.Contains($".SS \"sysvipc {verb}", generated.Output, StringComparison.Ordinal);
        }

        // man itself renders it without complaint.
        Shell.Result man = Shell.Run("man", ["--warnings", "-l", "-P", "cat", Path.Combine(dir, "docs", "sysvipc.1")], environment: new Dictionary<string, string> { ["MANWIDTH"] = "100" });
        Assert.Equal(0, man.ExitCode);
        Assert.Contains("sysvipc lsipc", man.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("", man.StandardError);
    }

    [Fact]
    public void Completion_OffersVerbsOptionsAndValues_AndTheScriptsCallIt()
    {
        CliRunner.Result verbs = CliRunner.RunProcess(null, "__complete", "ch");
        Assert.Equal(["chmod", "chown"], verbs.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(w => w.StartsWith("ch", StringComparison.Ordinal)));
        Assert.Contains("--include-nonempty", CliRunner.RunProcess(null, "__complete", "rm", "--inc").Output.Split('\n'));
        string[] shells = CliRunner.RunProcess(null, "__complete", "completion", "").Output.Split('\n');
        Assert.Contains("bash", shells);
        Assert.Contains("zsh", shells);
        Assert.Contains("fish", shells);

        string bash = CliRunner.RunProcess(null, "completion", "bash").Output;
        Assert.Contains("complete -o default -F _sysvipc sysvipc", bash, StringComparison.Ordinal);
        Assert.Contains("sysvipc __complete \"$line\"", bash, StringComparison.Ordinal);
        Assert.Equal(0, Shell.Run("bash", ["-n", "-c", bash]).ExitCode);
    }
}
