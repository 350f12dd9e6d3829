using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace SysV.Ipc.Nats.Tests;

/// <summary>What a person sees when something is wrong: a clear line saying what, to which object, and what to do; never a crash loop, never a silent drop.</summary>
public sealed partial class BadInputTests(ITestOutputHelper output)
{
    [BridgeFact]
    public void An_unreachable_server_is_reported_and_retried_with_growing_delays_without_spinning()
    {
        using IpcHost a = IpcHost.Create("A");
        IpcKey key = a.MakeQueue();
        int port = NatsServer.FreePort(); // nothing listens there
        using BridgeProcess bridge = BridgeProcess.Start(a, "out", "--queue", key.ToString(), "--subject", "orders", "--stream", "ORDERS", "--nats", $"nats://127.0.0.1:{port}");
        bridge.WaitFor("Cannot reach NATS");
        TimeSpan cpuAtFirst = bridge.CpuTime;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (bridge.Lines.Count(l => l.Contains("Cannot reach NATS", StringComparison.Ordinal)) < 3 && clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            Thread.Sleep(100);
        }

        TimeSpan wall = clock.Elapsed;
        TimeSpan cpu = bridge.CpuTime - cpuAtFirst;
        output.WriteLine(bridge.Log);
        double[] delays = [.. bridge.Lines.Where(l => l.Contains("Cannot reach NATS", StringComparison.Ordinal)).Select(l => double.Parse(RetryDelay().Match(l).Groups[1].Value, CultureInfo.InvariantCulture))];
        Assert.True(delays.Length >= 3, "fewer than three attempts were logged");
        Assert.Contains($"nats://127.0.0.1:{port}", bridge.Lines.First(l => l.Contains("Cannot reach NATS", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.True(delays[2] > delays[0], $"the delays do not grow: {string.Join(", ", delays)}");
        Assert.False(bridge.HasExited, "the bridge gave up instead of retrying");
        Assert.True(cpu < wall * 0.5, $"the bridge used {cpu.TotalSeconds:0.00} s of CPU in {wall.TotalSeconds:0.00} s of retrying: a busy loop");

        bridge.Terminate();
        Assert.True(bridge.WaitForExit(BridgeProcess.StopBound), "SIGTERM did not stop the retrying bridge");
        Assert.Equal(0, bridge.ExitCode);
    }

    [BridgeFact]
    public void An_invalid_subject_is_refused_before_anything_else()
    {
        using IpcHost a = IpcHost.Create("A");
        foreach ((string subject, string expected) in new[]
        {
            ("orders..eu", "it has an empty token"),
            ("orders.*", "the wildcard '*' cannot be published to"),
            ("orders eu", "the token 'orders eu' contains 'U+0020'"),
            ("", "it is empty"),
        })
        {
            var (code, _, error) = a.Run("dotnet", [BridgeProcess.CliPath, "bridge", "out", "--queue", "0x1234", "--subject", subject, "--nats", "nats://127.0.0.1:1"]);
            output.WriteLine(error);
            Assert.Equal(1, code);
            Assert.Contains($"sysvipc: bridge out: '{subject}' is not a valid NATS subject: {expected}", error, StringComparison.Ordinal);
            Assert.DoesNotContain("Parameter", error, StringComparison.Ordinal);
        }

        var (inCode, _, inError) = a.Run("dotnet", [BridgeProcess.CliPath, "bridge", "in", "--subject", "orders.>.eu", "--queue", "0x1234", "--nats", "nats://127.0.0.1:1"]);
        Assert.Equal(1, inCode);
        Assert.Contains("'>' may only be the last token", inError, StringComparison.Ordinal);
    }

    [BridgeFact]
    public void A_queue_the_user_may_not_read_is_refused_with_what_to_do()
    {
        using NatsServer server = NatsServer.Start();
        using IpcHost a = IpcHost.Create("A");
        IpcKey key = a.MakeQueue("0600"); // root's, nobody may read it
        var (code, _, error) = a.Run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "env", "--chdir=/tmp", "HOME=/tmp", "DOTNET_CLI_HOME=/tmp", "dotnet", "exec", ReadableCli.Path, "bridge", "out", "--queue", key.ToString(), "--subject", "orders", "--stream", "ORDERS", "--nats", server.Url]);
        output.WriteLine(error);
        Assert.Equal(1, code);
        Assert.Contains("sysvipc: bridge out: Permission denied on", error, StringComparison.Ordinal);
        Assert.Contains(key.ToString(), error, StringComparison.Ordinal);
        Assert.Contains("euid 65534", error, StringComparison.Ordinal);
    }

    [BridgeFact]
    public void A_second_bridge_for_the_same_queue_and_direction_is_refused()
    {
        using var scenario = Scenario.Start(output);
        using BridgeProcess second = scenario.StartOut();
        Assert.True(second.WaitForExit(TimeSpan.FromMinutes(5)), "the second out bridge kept running");
        Assert.Equal(1, second.ExitCode);
        Assert.Contains($"Another bridge already moves messages out of queue {scenario.SourceKey} on this host (pid ", second.Log, StringComparison.Ordinal);

        using BridgeProcess secondIn = scenario.StartIn();
        Assert.True(secondIn.WaitForExit(TimeSpan.FromMinutes(5)), "the second in bridge kept running");
        Assert.Equal(1, secondIn.ExitCode);
        Assert.Contains("Another bridge already moves messages into queue", secondIn.Log, StringComparison.Ordinal);
        Assert.False(scenario.Out.HasExited);
        Assert.False(scenario.In.HasExited);
    }

    [BridgeFact]
    public void Messages_above_the_target_hosts_MSGMAX_are_parked_logged_and_counted_and_the_rest_flows()
    {
        const int count = 300;
        const int targetMax = 2048;
        using NatsServer server = NatsServer.Start();
        using IpcHost a = IpcHost.Create("A");
        using IpcHost b = IpcHost.Create("B");
        b.SetTunable("msgmax", targetMax.ToString(CultureInfo.InvariantCulture));
        string park = Directory.CreateTempSubdirectory("sysvipc-parked-").FullName;
        try
        {
            IpcKey source = a.MakeQueue();
            var target = new IpcKey(0x00b21d9f);
            using BridgeProcess bridgeOut = BridgeProcess.Start(a, "out", "--queue", source.ToString(), "--subject", "big.{type}", "--stream", "BIG", "--nats", server.Url);
            bridgeOut.WaitFor("Bridge out started");
            using BridgeProcess bridgeIn = BridgeProcess.Start(b, "in", "--subject", "big.*", "--queue", target.ToString(), "--create", "--park-dir", park, "--nats", server.Url);
            bridgeIn.WaitFor("Bridge in started");

            a.Check(NativeProgram.Build("bridge_send"), source.ToString(), count.ToString(CultureInfo.InvariantCulture), "3", "8192", "7");
            // The receiver cannot get all 300 (the parked ones never come): it is stopped once every message is
            // accounted for, received or parked (the bridge logs a parking after writing its files), and reports.
            using Receiver receiver = Receiver.ForQueue(b, target, count);
            Func<long> parkedLogged = () => bridgeIn.Lines.Count(l => l.Contains("Parked stream message", StringComparison.Ordinal));
            ReceiveReport report = receiver.WaitUntil(() => receiver.Unique + parkedLogged() >= count, parkedLogged);
            string[] parked = Directory.GetFiles(park, "*.msg");
            output.WriteLine($"{receiver}; parked {parked.Length}\nin bridge log:\n{bridgeIn.Log}");
            Assert.Equal(0, report.Corrupt);
            Assert.Equal(0, report.Duplicates);
            Assert.True(parked.Length > 0, "nothing was parked (the sizes were meant to exceed the target's MSGMAX)");
            Assert.Equal(count, report.Unique + parked.Length);
            Assert.All(parked, p => Assert.True(new FileInfo(p).Length > targetMax));
            Assert.Equal(parked.Length, bridgeIn.Lines.Count(l => l.Contains("Parked stream message", StringComparison.Ordinal) && l.Contains($"more than this host's MSGMAX of {targetMax} bytes", StringComparison.Ordinal)));
            Assert.False(bridgeIn.HasExited, "the in bridge stopped");

            bridgeIn.Terminate();
            Assert.True(bridgeIn.WaitForExit(BridgeProcess.StopBound));
            Assert.Equal(0, bridgeIn.ExitCode);
            Assert.Contains($"Bridge in stopped: {report.Unique} message(s)", bridgeIn.Log, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(park, recursive: true);
        }
    }

    [BridgeFact]
    public void SIGTERM_stops_both_bridges_cleanly_and_leaves_only_the_queues()
    {
        using var scenario = Scenario.Start(output);
        ReceiveReport report = scenario.Run(200, _ => { });
        Assert.Equal(200, report.Unique);
        foreach (BridgeProcess bridge in new[] { scenario.Out, scenario.In })
        {
            bridge.Terminate();
            Assert.True(bridge.WaitForExit(BridgeProcess.StopBound), "SIGTERM did not stop the bridge");
            Assert.Equal(0, bridge.ExitCode);
            Assert.Contains("stopped: 200 message(s)", bridge.Log, StringComparison.Ordinal);
        }

        // The lock (a semaphore set) and the state (a segment) are gone: only each host's queue is left.
        foreach (IpcHost host in new[] { scenario.A, scenario.B })
        {
            string[] objects = [.. host.Check("ipcs").Split('\n').Where(l => l.StartsWith("0x", StringComparison.Ordinal))];
            Assert.True(objects.Length == 1, $"{host.Name} has {string.Join(" | ", objects)}");
        }
    }

    [GeneratedRegex(@"Trying again in ([0-9.]+) s")]
    private static partial Regex RetryDelay();
}
