using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Cli;

/// <summary><c>sysvipc demo</c>, the README's first command, run as the built tool: real server and client processes.</summary>
public sealed class DemoCommandTests : IpcLeakGuard
{
    [Fact]
    public void Demo_RunsServerAndClientsAsProcesses_AndLeavesNothing()
    {
        string keyFile = Path.Combine(Path.GetTempPath(), "sysvipc-demo-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            CliRunner.Result result = CliRunner.RunProcess(null, "demo", "--key-file", keyFile, "--clients", "2");
            Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Output}\n{result.Error}");
            Assert.Contains("[server] C# server", result.Output, StringComparison.Ordinal);
            Assert.Contains("[client 1]", result.Output, StringComparison.Ordinal);
            Assert.Contains("[client 2]", result.Output, StringComparison.Ordinal);
            Assert.Contains("MESG_ADD 2 40 -> MESG_OK \"42\"", result.Output, StringComparison.Ordinal);
            Assert.Contains("Nothing left behind", result.Output, StringComparison.Ordinal);
            IpcKey key = IpcKey.FromFile(keyFile, 1);
            Assert.DoesNotContain(IpcSystem.ListAll(), o => o.Key == key);
        }
        finally
        {
            File.Delete(keyFile);
        }
    }

    [Fact]
    public void Demo_RejectsAClientCountOutsideOneToThree()
    {
        CliRunner.Result result = CliRunner.Run("demo", "--clients", "9");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("sysvipc: --clients takes 1 to 3, not 9\n", result.Error);
    }
}
