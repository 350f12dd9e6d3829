using System.Globalization;
using System.Text.RegularExpressions;

namespace SysV.Ipc.Nats.Tests;

/// <summary>
/// Keeps bench/SysV.Ipc.NatsBench from rotting: the whole harness (its own nats-server, two IPC namespaces,
/// both bridges, the direct NATS.Net publisher and consumer) with tiny counts. It measures nothing worth
/// reading; the numbers in docs/bridge.md come from full runs.
/// </summary>
public sealed partial class NatsBenchSmokeTests
{
    [BridgeFact]
    public void The_benchmark_harness_measures_both_paths_and_leaves_nothing_behind()
    {
        string harness = Path.Combine(BridgeProcess.RepositoryRoot, "bench", "SysV.Ipc.NatsBench", "bin", AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release", "net10.0", "SysV.Ipc.NatsBench.dll");
        Assert.True(File.Exists(harness), "build bench/SysV.Ipc.NatsBench first: " + harness);
        // The harness's temporary files go to a directory of this test's own (TMPDIR): another run on the machine makes its own in /tmp.
        DirectoryInfo temp = Directory.CreateTempSubdirectory("sysvipc-natsbench-test-");
        try
        {
            RunSmall(harness, temp.FullName);
            Assert.Empty(temp.GetDirectories("sysvipc-natsbench-*")); // its server's store, removed when it ends
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    private static void RunSmall(string harness, string temp)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", ["exec", harness, "--count", "300", "--sizes", "64", "--repeats", "1", "--latency-count", "50", "--latency-interval-us", "2000"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["TMPDIR"] = temp;
        using var process = System.Diagnostics.Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        Task<string> standardOutput = process.StandardOutput.ReadToEndAsync();
        // Only a hung harness reaches the bound (its own waits for the server and each child are minutes long
        // so that a loaded machine is waited out): it is then killed with its server and children.
        if (!process.WaitForExit(TimeSpan.FromMinutes(20)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"the harness did not finish in 20 minutes; killed\n{standardOutput.Result}\n{error.Result}");
        }

        process.WaitForExit();
        string output = standardOutput.Result;
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{output}\n{error.Result}");
        foreach (string path in new[] { "direct NATS.Net", "bridge queue->queue" })
        {
            Match m = Regex.Match(output, $@"\| 64 B \| {Regex.Escape(path)} \| (\d+) \(\d+-\d+\) \| (\d+) \| (\d+) \|");
            Assert.True(m.Success, $"no summary row for '{path}' in:\n{output}");
            Assert.True(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) > 0);
        }

        Assert.Matches(@"\| [\d.]+x \|", output);
    }

    [BridgeFact]
    public void The_benchmark_harness_rejects_bad_arguments()
    {
        string harness = Path.Combine(BridgeProcess.RepositoryRoot, "bench", "SysV.Ipc.NatsBench", "bin", AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release", "net10.0", "SysV.Ipc.NatsBench.dll");
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet", ["exec", harness, "--sizes", "65536"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("usage", error, StringComparison.Ordinal);
    }
}
