using Xunit.Abstractions;

namespace SysV.Ipc.Nats.Tests;

/// <summary>
/// The channel bridges across two "hosts" (private IPC namespaces): a C program (libsysvipc) writes
/// checksummed, numbered messages of random sizes up to 32 KiB, beyond a queue's 8 KiB, into a
/// SharedMemoryChannel in host A; 'sysvipc bridge out --channel' publishes them; 'sysvipc bridge in
/// --channel' writes them into a channel it creates in host B, where a C program reads and checks them.
/// </summary>
public sealed class ChannelBridgeTests(ITestOutputHelper output)
{
    [BridgeFact]
    public void Every_message_of_a_channel_arrives_in_order_in_the_other_hosts_channel()
    {
        int count = Stress.Pick(2000, 100_000);
        using var scenario = Scenario.Start(output, channel: true);
        ReceiveReport report = scenario.Run(count, _ => { });
        Assert.Equal(count, report.Unique);
        Assert.Equal(0, report.OrderErrors);
        Assert.Equal(0, report.Corrupt);
        Assert.Equal(0, report.Duplicates);
        scenario.Out.Terminate();
        Assert.True(scenario.Out.WaitForExit(BridgeProcess.StopBound), "the out bridge did not stop on SIGTERM:\n" + scenario.Out.Log);
        Assert.True(scenario.Out.ExitCode == 0, $"exit code {scenario.Out.ExitCode}:\n{scenario.Out.Log}");
        Assert.Contains($"Bridge out stopped: {count} message(s)", scenario.Out.Log, StringComparison.Ordinal);
    }

    [BridgeFact]
    public void SIGKILL_of_either_channel_bridge_loses_nothing_and_duplicates_at_most_one_per_kill()
    {
        int count = Stress.Pick(3000, 200_000 /* long enough for 50 kills of each at about 3 s a kill and restart on a loaded machine */);
        int killsEach = Stress.Pick(3, 50);
        using var scenario = Scenario.Start(output, channel: true);
        scenario.RunWithKills(count, killsEach);
    }
}
