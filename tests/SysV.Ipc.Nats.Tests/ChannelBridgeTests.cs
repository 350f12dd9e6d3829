using Xunit.Abstractions;
using static SysV.Ipc.Nats.Tests.TwoHostTests;

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
        Assert.True(scenario.Out.WaitForExit(TimeSpan.FromSeconds(20)), "the out bridge did not stop on SIGTERM:\n" + scenario.Out.Log);
        Assert.True(scenario.Out.ExitCode == 0, $"exit code {scenario.Out.ExitCode}:\n{scenario.Out.Log}");
        Assert.Contains($"Bridge out stopped: {count} message(s)", scenario.Out.Log, StringComparison.Ordinal);
    }

    [BridgeFact]
    public void SIGKILL_of_either_channel_bridge_loses_nothing_and_duplicates_at_most_one_per_kill()
    {
        int count = Stress.Pick(3000, 100_000);
        int killsEach = Stress.Pick(3, 50);
        using var scenario = Scenario.Start(output, channel: true);
        int outKills = 0, inKills = 0;
        var random = new Random();
        ReceiveReport report = scenario.Run(count, receiver =>
        {
            while (!receiver.HasExited && (outKills < killsEach || inKills < killsEach))
            {
                Thread.Sleep(Stress.On ? random.Next(20, 300) : random.Next(100, 700));
                if (outKills < killsEach && (inKills >= killsEach || random.Next(2) == 0))
                {
                    scenario.KillAndRestartOut();
                    outKills++;
                }
                else
                {
                    scenario.KillAndRestartIn();
                    inKills++;
                }
            }
        });
        output.WriteLine($"kills: out {outKills}, in {inKills}; {report}");
        Assert.Equal(count, report.Unique);
        Assert.Equal(0, report.OrderErrors);
        Assert.Equal(0, report.Corrupt);
        Assert.True(report.Duplicates <= outKills + inKills, $"{report.Duplicates} duplicates after {outKills + inKills} kills");
        Assert.True(outKills + inKills >= Math.Min(2, 2 * killsEach), "the run finished before the kills could happen");
    }
}
