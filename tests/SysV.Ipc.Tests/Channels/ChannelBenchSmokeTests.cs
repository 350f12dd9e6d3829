using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Channels;

/// <summary>
/// Runs the channel benchmark harness (bench/SysV.Ipc.ChannelBench) in its tiny smoke mode, so that it
/// cannot rot: every contender runs, the C baselines compile, the report and the charts are written.
/// The numbers of such a short run mean nothing and are not checked.
/// </summary>
public sealed class ChannelBenchSmokeTests : IpcLeakGuard
{
    [Fact]
    public void Harness_RunsEveryContender_AndWritesTheReport()
    {
        string output = Path.Combine(Path.GetTempPath(), $"channelbench-smoke-{Guid.NewGuid():N}");
        try
        {
            Shell.Result result = Shell.Run("dotnet", [HarnessPath(), "--smoke", "--output", output], TimeSpan.FromMinutes(5));
            Assert.True(result.ExitCode == 0, $"harness exited with {result.ExitCode}:\n{result.StandardOutput}\n{result.StandardError}");

            string report = File.ReadAllText(Path.Combine(output, "benchmarks.md"));
            Assert.Contains("## SharedMemoryChannel", report, StringComparison.Ordinal);
            foreach (string contender in new[]
            {
                "| SharedMemoryChannel, copying, spinning | ",
                "| SharedMemoryChannel, zero-copy, blocking | ",
                "| C SPSC ring in SysV shm",
                "| C futex ping-pong",
                "| SysV message queue (SysV.Ipc MessageQueue) | ",
                "| SysV message queue (C msgsnd/msgrcv) | ",
                "| anonymous pipe",
                "| Unix domain socket",
            })
            {
                Assert.Contains(contender, report, StringComparison.Ordinal);
            }

            Assert.Contains("| target | measured | met |", report, StringComparison.Ordinal);
            Assert.Contains("load average", report, StringComparison.Ordinal);
            Assert.True(new FileInfo(Path.Combine(output, "channel-charts", "benchmarks-channel-throughput.png")).Length > 1000);
            Assert.True(new FileInfo(Path.Combine(output, "channel-charts", "benchmarks-channel-latency.png")).Length > 1000);
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    /// <summary>The harness built beside this assembly's configuration (the test project builds it first).</summary>
    private static string HarnessPath() => RepositoryPaths.BuiltAssembly("bench/SysV.Ipc.ChannelBench", "SysV.Ipc.ChannelBench");
}
