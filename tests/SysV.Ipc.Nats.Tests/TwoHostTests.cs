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
    private const int Types = 4;
    private const int QueueMaxSize = 8192; // MSGMAX of a new IPC namespace
    private const int ChannelMaxSize = 32768; // beyond what a queue can carry
    private static readonly IpcKey s_targetKey = new(0x00b21d9e);

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
        int count = Stress.Pick(4000, 100_000);
        int killsEach = Stress.Pick(3, 50);
        using var scenario = Scenario.Start(output);
        int outKills = 0, inKills = 0;
        var random = new Random();
        ReceiveReport report = scenario.Run(count, receiver =>
        {
            while (!receiver.HasExited && (outKills < killsEach || inKills < killsEach))
            {
                Thread.Sleep(Stress.On ? random.Next(20, 300) : random.Next(100, 700));
                bool killOut = outKills < killsEach && (inKills >= killsEach || random.Next(2) == 0);
                if (killOut)
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

    /// <summary>Server, two hosts, a queue (or a channel) in A, both bridges running.</summary>
    internal sealed class Scenario : IDisposable
    {
        private readonly ITestOutputHelper _output;
        private readonly List<BridgeProcess> _dead = [];
        private readonly bool _channel;

        private Scenario(ITestOutputHelper output, NatsServer server, IpcHost a, IpcHost b, bool channel)
        {
            _output = output;
            Server = server;
            A = a;
            B = b;
            _channel = channel;
        }

        public NatsServer Server { get; }

        public IpcHost A { get; }

        public IpcHost B { get; }

        public IpcKey SourceKey { get; private set; }

        public BridgeProcess Out { get; private set; } = null!;

        public BridgeProcess In { get; private set; } = null!;

        public string Stream { get; } = "T" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

        public string Subject => Stream.ToLowerInvariant() + ".{type}";

        /// <summary>Messages of at most this many bytes (a queue's are limited by MSGMAX; a channel's go beyond).</summary>
        public int MaxSize => _channel ? ChannelMaxSize : QueueMaxSize;

        /// <summary>Starts the scenario; <paramref name="channel"/>: SharedMemoryChannels in both hosts (C libsysvipc writer in A, reader in B) instead of queues.</summary>
        public static Scenario Start(ITestOutputHelper output, NatsServer? server = null, bool channel = false, int replicas = 1, string urls = "")
        {
            server ??= NatsServer.Start();
            var scenario = new Scenario(output, server, IpcHost.Create("A"), IpcHost.Create("B"), channel) { Replicas = replicas, Urls = urls };
            try
            {
                scenario.SourceKey = channel ? scenario.A.MakeChannel(1 << 20) : scenario.A.MakeQueue();
                scenario.Out = scenario.StartOut();
                scenario.Out.WaitFor("Bridge out started");
                scenario.In = scenario.StartIn();
                scenario.In.WaitFor("Bridge in started");
                return scenario;
            }
            catch
            {
                scenario.Dispose();
                throw;
            }
        }

        public int Replicas { get; private init; } = 1;

        public string Urls { get; private init; } = string.Empty;

        private string Url => Urls.Length > 0 ? Urls : Server.Url;

        public BridgeProcess StartOut() => BridgeProcess.Start(A, "out", _channel ? "--channel" : "--queue", SourceKey.ToString(), "--subject", Subject, "--stream", Stream, "--replicas", Replicas.ToString(CultureInfo.InvariantCulture), "--nats", Url, "--host-id", "hostA");

        public BridgeProcess StartIn() => _channel
            ? BridgeProcess.Start(B, "in", "--subject", Stream.ToLowerInvariant() + ".*", "--channel", s_targetKey.ToString(), "--create", "--capacity", "1M", "--nats", Url, "--host-id", "hostB")
            : BridgeProcess.Start(B, "in", "--subject", Stream.ToLowerInvariant() + ".*", "--queue", s_targetKey.ToString(), "--create", "--nats", Url, "--host-id", "hostB");

        public void KillAndRestartOut()
        {
            Out.Kill();
            _dead.Add(Out);
            Out = StartOut();
            Out.WaitFor("Bridge out started");
        }

        public void KillAndRestartIn()
        {
            In.Kill();
            _dead.Add(In);
            In = StartIn();
            In.WaitFor("Bridge in started");
        }

        /// <summary>Sends count messages in A while <paramref name="during"/> runs (given the receiver, which runs until all arrived), receives them in B; returns what B saw.</summary>
        public ReceiveReport Run(int count, Action<Process> during)
        {
            var clock = Stopwatch.StartNew();
            string n = count.ToString(CultureInfo.InvariantCulture);
            string seed = Random.Shared.Next().ToString(CultureInfo.InvariantCulture);
            Process sender = _channel
                ? A.Start(NativeProgram.Build("bridge_chan"), "send", SourceKey.ToString(), n, MaxSize.ToString(CultureInfo.InvariantCulture), seed)
                : A.Start(NativeProgram.Build("bridge_send"), SourceKey.ToString(), n, Types.ToString(CultureInfo.InvariantCulture), MaxSize.ToString(CultureInfo.InvariantCulture), seed);
            Process receiver = _channel
                ? B.Start(NativeProgram.Build("bridge_chan"), "recv", s_targetKey.ToString(), n, "30")
                : B.Start(NativeProgram.Build("bridge_recv"), s_targetKey.ToString(), n, "30");
            Task<string> received = receiver.StandardOutput.ReadToEndAsync();
            Task<string> receiverErrors = receiver.StandardError.ReadToEndAsync();
            Task<string> sent = sender.StandardOutput.ReadToEndAsync();
            try
            {
                during(receiver);
                Assert.True(receiver.WaitForExit(TimeSpan.FromSeconds(Stress.On ? 1800 : 240)), "the receiver did not finish");
                receiver.WaitForExit();
                _output.WriteLine($"{count} messages in {clock.Elapsed.TotalSeconds:0.0} s; sender: {sent.Result.Split('\n')[0]}; receiver: {received.Result.Trim()} {receiverErrors.Result.Trim()}");
                return ReceiveReport.Parse(received.Result);
            }
            catch
            {
                _output.WriteLine("out bridge log:\n" + Out.Log + "\nin bridge log:\n" + In.Log + "\nserver log:\n" + Server.Log);
                throw;
            }
        }

        public void Dispose()
        {
            Out?.Dispose();
            In?.Dispose();
            foreach (BridgeProcess p in _dead)
            {
                p.Dispose();
            }

            A.Dispose();
            B.Dispose();
            Server.Dispose();
        }
    }
}
