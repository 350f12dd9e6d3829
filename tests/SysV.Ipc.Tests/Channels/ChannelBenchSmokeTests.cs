using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Channels;

/// <summary>
/// Runs the channel benchmark harness (bench/SysV.Ipc.ChannelBench) in its tiny smoke mode, so that it
/// cannot rot: every contender runs pinned (the channel's two sides as child processes, through the same
/// roles the Native AOT peer runs), the C baselines compile, the report, results.json and the charts are
/// written, and two runs can be put side by side (--compose). The numbers of such a short run mean
/// nothing and are not checked.
/// </summary>
public sealed class ChannelBenchSmokeTests : IpcLeakGuard
{
    [Fact]
    public void Harness_RunsEveryContender_AndWritesTheReport()
    {
        string output = Path.Combine(Path.GetTempPath(), $"channelbench-smoke-{Guid.NewGuid():N}");
        string composed = output + "-composed";
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
                "| SharedMemoryChannel broadcast, 1 reader, copying, spinning | ",
                "| SharedMemoryChannel broadcast, 4 readers, copying, blocking | ",
                "| C SPSC ring in SysV shm",
                "| C SPSC ring, head per batch",
                "| SharedMemoryChannel, C to C through libsysvipc (gcc -O2), copying, spinning | ",
                "| SharedMemoryChannel, C writer (libsysvipc) to .NET reader, copying, spinning | ",
                "| the limit: bare cache-line ping-pong (C) | ",
                "| the limit: single-thread memcpy, same block (C) | ",
                "| the limit: zero-copy exchange across the two CPUs, fill + sum in place (C SPSC ring) | ",
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
            Assert.Contains("| 64 B throughput, libsysvipc C to C / C SPSC ring (within 1.1x: >= 0.91x) | ", report, StringComparison.Ordinal);
            Assert.Contains("| 64 B spinning ping-pong p50, C to .NET / .NET to .NET (<= 1.2x) | ", report, StringComparison.Ordinal);
            string[] libsysvipcTargets = [.. report.Split('\n').Where(l => l.Contains("libsysvipc C to C /", StringComparison.Ordinal) || l.Contains(" .NET / .NET to .NET", StringComparison.Ordinal) || l.Contains("C writer to .NET reader /", StringComparison.Ordinal))];
            Assert.Equal(4, libsysvipcTargets.Length);
            Assert.All(libsysvipcTargets, l => Assert.DoesNotContain("not measured", l, StringComparison.Ordinal));
            Assert.Contains("load average", report, StringComparison.Ordinal);
            Assert.Contains("Cache-line round trip between the two CPUs, measured (2,000 rounds) before each repeat", report, StringComparison.Ordinal);
            if (Environment.ProcessorCount >= 2)
            {
                Assert.Contains("Pinned: every contender's two processes on CPUs ", report, StringComparison.Ordinal);
            }

            Assert.True(File.Exists(Path.Combine(output, "results.json")));

            // Two runs side by side (the same one twice here): every target with its spread over the runs.
            Shell.Result compose = Shell.Run("dotnet", [HarnessPath(), "--compose", output, output, "--output", composed], TimeSpan.FromMinutes(2));
            Assert.True(compose.ExitCode == 0, $"--compose exited with {compose.ExitCode}:\n{compose.StandardOutput}\n{compose.StandardError}");
            string side = File.ReadAllText(Path.Combine(composed, "benchmarks.md"));
            Assert.Contains("### The targets, run by run", side, StringComparison.Ordinal);
            Assert.Contains("| target | run 1 | run 2 | max/min | met |", side, StringComparison.Ordinal);
            Assert.Contains("<details><summary>Run 2: every table", side, StringComparison.Ordinal);
            Assert.True(new FileInfo(Path.Combine(composed, "channel-charts", "benchmarks-channel-latency.png")).Length > 1000);
            Assert.True(new FileInfo(Path.Combine(output, "channel-charts", "benchmarks-channel-throughput.png")).Length > 1000);
            Assert.True(new FileInfo(Path.Combine(output, "channel-charts", "benchmarks-channel-latency.png")).Length > 1000);
        }
        finally
        {
            foreach (string directory in new[] { output, composed })
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        }
    }

    /// <summary>The harness built beside this assembly's configuration (the test project builds it first).</summary>
    private static string HarnessPath() => RepositoryPaths.BuiltAssembly("bench/SysV.Ipc.ChannelBench", "SysV.Ipc.ChannelBench");
}
