using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Xunit.Abstractions;

namespace SysV.Ipc.Nats.Tests;

/// <summary>
/// How a user scales the bridge: a three-node nats-server cluster on loopback (random ports, a temporary
/// store each), the stream replicated three times (--replicas 3), the bridges given all three URLs. The node
/// leading the stream is killed mid-run: the others elect a new leader and the bridges go on; nothing lost.
/// </summary>
public sealed class ClusterTests(ITestOutputHelper output)
{
    [BridgeFact]
    public async Task Stopping_the_stream_leader_of_a_three_node_cluster_mid_run_loses_nothing()
    {
        int count = Stress.Pick(3000, 100_000);
        NatsServer[] nodes = StartCluster();
        try
        {
            using var scenario = Scenario.Start(output, nodes[0], replicas: 3, urls: string.Join(',', nodes.Select(n => n.Url)));
            string? stopped = null;
            ReceiveReport report = scenario.Run(count, _ =>
            {
                Thread.Sleep(1500);
                string leader = StreamLeader(nodes[1].Url, scenario.Stream).GetAwaiter().GetResult();
                NatsServer node = nodes[int.Parse(leader["node".Length..], CultureInfo.InvariantCulture)];
                node.Kill();
                stopped = leader;
            });
            output.WriteLine($"stopped {stopped} (the stream's leader) mid-run; {report}");
            Assert.NotNull(stopped);
            Assert.Equal(count, report.Unique);
            Assert.Equal(0, report.OrderErrors);
            Assert.Equal(0, report.Corrupt);
            Assert.Equal(0, report.Duplicates);
        }
        finally
        {
            foreach (NatsServer node in nodes)
            {
                node.Dispose();
            }
        }
    }

    /// <summary>Three nodes, named node0..node2, routes to each other on 127.0.0.1, JetStream clustered.</summary>
    private static NatsServer[] StartCluster()
    {
        int[] clientPorts = [.. Enumerable.Range(0, 3).Select(_ => NatsServer.FreePort())];
        int[] routePorts = [.. Enumerable.Range(0, 3).Select(_ => NatsServer.FreePort())];
        string routes = string.Join(',', routePorts.Select(p => $"nats://127.0.0.1:{p}"));
        var nodes = new List<NatsServer>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                string store = Directory.CreateTempSubdirectory("sysvipc-nats-cluster-").FullName;
                nodes.Add(NatsServer.StartNoWait(["-n", $"node{i}", "--cluster_name", "sysvipc-test", "--cluster", $"nats://127.0.0.1:{routePorts[i]}", "--routes", routes], clientPorts[i], store));
            }

            foreach (NatsServer node in nodes)
            {
                node.WaitReady();
            }

            return [.. nodes];
        }
        catch
        {
            foreach (NatsServer node in nodes)
            {
                node.Dispose();
            }

            throw;
        }
    }

    private static async Task<string> StreamLeader(string url, string stream)
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = url });
        var js = new NatsJSContext(connection);
        INatsJSStream info = await js.GetStreamAsync(stream);
        return info.Info.Cluster?.Leader ?? throw new InvalidOperationException($"stream {stream} has no cluster leader");
    }
}
