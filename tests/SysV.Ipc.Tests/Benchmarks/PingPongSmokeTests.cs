using System.Globalization;
using System.Text.RegularExpressions;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Benchmarks;

/// <summary>
/// Keeps bench/SysV.Ipc.PingPong from rotting: runs the whole harness (gcc builds of the C baselines,
/// child processes, every measurement) with a tiny iteration count. It measures nothing worth reading;
/// the numbers in docs/benchmarks.md come from full runs.
/// </summary>
public sealed partial class PingPongSmokeTests : IpcLeakGuard
{
    [Fact]
    public void Harness_RunsEveryMeasurement_AndLeavesNothingBehind()
    {
        string harness = Path.Combine(AppContext.BaseDirectory, "SysV.Ipc.PingPong.dll");
        // The harness's work directory goes into a temporary folder of this test's own, so another run of the
        // suite on the same machine (whose harness works in /tmp at the same time) cannot look like a leftover.
        string temp = Directory.CreateTempSubdirectory("sysvipc-pingpong-test-").FullName;
        try
        {
            Shell.Result result = Shell.Run(
                "dotnet",
                ["exec", harness, "--iterations", "300", "--warmup", "100", "--rounds", "2"],
                TimeSpan.FromMinutes(3),
                new Dictionary<string, string> { ["TMPDIR"] = temp });
            CheckOutput(result);
            Assert.Empty(Directory.GetDirectories(temp, "sysvipc-pingpong-*"));
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    private static void CheckOutput(Shell.Result result)
    {
        Assert.True(result.ExitCode == 0, $"exit code {result.ExitCode}\n{result.StandardOutput}\n{result.StandardError}");

        string output = result.StandardOutput;
        Assert.Contains("nproc", output, StringComparison.Ordinal);
        foreach (string row in new[] { "message queue ping-pong", "semaphore ping-pong", "msgsnd + msgrcv" })
        {
            Match m = Regex.Match(output, $@"\| {Regex.Escape(row)}[^|]* \| (\d+) \| (\d+) \| ([\d.]+) \|");
            Assert.True(m.Success, $"no summary row for '{row}' in:\n{output}");
            Assert.True(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) > 0);
            Assert.True(double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) > 0);
        }

        Assert.Equal(2, RoundRow().Matches(output).Count);
    }

    [Fact]
    public void Harness_RejectsBadArguments()
    {
        string harness = Path.Combine(AppContext.BaseDirectory, "SysV.Ipc.PingPong.dll");
        Shell.Result result = Shell.Run("dotnet", ["exec", harness, "--iterations", "zero"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("usage", result.StandardError, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"(?m)^\| \d+ \|( \d+ \|){6}$")]
    private static partial Regex RoundRow();
}
