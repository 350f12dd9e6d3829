using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace SysV.Ipc.Nats.Tests;

/// <summary>
/// Two "hosts" (private IPC namespaces) joined by the bridges through a real nats-server: a C program
/// msgsnd's checksummed, numbered messages of random sizes up to MSGMAX and several types into a queue
/// in host A; 'sysvipc bridge out' publishes them; 'sysvipc bridge in' puts them into a queue in host B,
/// where a C program msgrcv's and checks every byte, the order per type, and the types.
/// </summary>
public sealed class TwoHostTests(ITestOutputHelper output)
{
    [BridgeFact]
    public void Every_message_arrives_in_order_per_type_with_its_type()
    {
        int count = Stress.Pick(4000, 100_000);
        using var scenario = Scenario.Start(output);
        ReceiveReport report = scenario.Run(count, _ => { });
        Assert.Equal(count, report.Unique);
        Assert.Equal(0, report.OrderErrors);
        Assert.Equal(0, report.Corrupt);
        Assert.Equal(0, report.Duplicates);
    }

    [BridgeFact]
    public void SIGKILL_of_either_bridge_at_random_moments_loses_nothing_and_duplicates_at_most_one_per_kill()
    {
        int count = Stress.Pick(4000, 200_000 /* long enough for 50 kills of each at about 3 s a kill and restart on a loaded machine */);
        int killsEach = Stress.Pick(3, 50);
        using var scenario = Scenario.Start(output);
        scenario.RunWithKills(count, killsEach);
    }

    [BridgeFact]
    public void A_nats_server_restart_mid_run_loses_nothing()
    {
        int count = Stress.Pick(3000, 100_000);
        using var scenario = Scenario.Start(output);
        int restarts = 0;
        ReceiveReport report = scenario.Run(count, receiver =>
        {
            for (int i = 0; i < Stress.Pick(1, 5) && !receiver.HasExited; i++)
            {
                Thread.Sleep(1500);
                scenario.Server.Restart(TimeSpan.FromMilliseconds(700));
                restarts++;
            }
        });
        output.WriteLine($"server restarts: {restarts}; {report}");
        Assert.True(restarts >= 1, "the run finished before the restart");
        Assert.Equal(count, report.Unique);
        Assert.Equal(0, report.OrderErrors);
        Assert.Equal(0, report.Corrupt);
    }
}
