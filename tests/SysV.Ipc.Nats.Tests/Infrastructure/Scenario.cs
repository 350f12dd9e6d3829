using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace SysV.Ipc.Nats.Tests.Infrastructure;

/// <summary>Server, two hosts, a queue (or a channel) in A, both bridges running.</summary>
public sealed class Scenario : IDisposable
{
    private const int Types = 4;
    private const int QueueMaxSize = 8192; // MSGMAX of a new IPC namespace
    private const int ChannelMaxSize = 32768; // beyond what a queue can carry
    private static readonly IpcKey s_targetKey = new(0x00b21d9e);
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

    /// <summary>The key of the queue or channel the in bridge makes in B.</summary>
    public static IpcKey TargetKey => s_targetKey;

    /// <summary>
    /// Starts the scenario; <paramref name="channel"/>: SharedMemoryChannels in both hosts (C libsysvipc writer in A, reader in B) instead of queues.
    /// <paramref name="hostA"/> and <paramref name="sourceKey"/>: a host A and a channel in it the test made itself (A is then not made here).
    /// </summary>
    public static Scenario Start(ITestOutputHelper output, NatsServer? server = null, bool channel = false, int replicas = 1, string urls = "", IpcHost? hostA = null, IpcKey? sourceKey = null)
    {
        server ??= NatsServer.Start();
        var scenario = new Scenario(output, server, hostA ?? IpcHost.Create("A"), IpcHost.Create("B"), channel) { Replicas = replicas, Urls = urls };
        try
        {
            scenario.SourceKey = sourceKey ?? (channel ? scenario.A.MakeChannel(1 << 20) : scenario.A.MakeQueue());
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

    /// <summary>
    /// SIGKILLs the out or the in bridge (chosen at random) at random moments, each restarted at once, until
    /// each was killed <paramref name="killsEach"/> times or the receiver has everything (or the run stalled); returns the kills.
    /// </summary>
    public (int Out, int In) KillBridgesAtRandom(Receiver receiver, int killsEach)
    {
        int outKills = 0, inKills = 0;
        var random = new Random();
        while (receiver.IsRunning && (outKills < killsEach || inKills < killsEach))
        {
            Thread.Sleep(Stress.On ? random.Next(20, 300) : random.Next(100, 700));
            if (outKills < killsEach && (inKills >= killsEach || random.Next(2) == 0))
            {
                KillAndRestartOut();
                outKills++;
            }
            else
            {
                KillAndRestartIn();
                inKills++;
            }
        }

        return (outKills, inKills);
    }

    /// <summary>
    /// Runs <paramref name="count"/> messages while both bridges are SIGKILLed at random moments
    /// (<see cref="KillBridgesAtRandom"/>) and checks the guarantee: every message arrives, in order, intact,
    /// duplicates at most one per kill; under the stress switch, at least <paramref name="killsEach"/> kills of each.
    /// </summary>
    public void RunWithKills(int count, int killsEach)
    {
        (int Out, int In) kills = (0, 0);
        ReceiveReport report = Run(count, receiver => kills = KillBridgesAtRandom(receiver, killsEach));
        _output.WriteLine($"kills: out {kills.Out}, in {kills.In}; {report}");
        Assert.Equal(count, report.Unique);
        Assert.Equal(0, report.OrderErrors);
        Assert.Equal(0, report.Corrupt);
        Assert.True(report.Duplicates <= kills.Out + kills.In, $"{report.Duplicates} duplicates after {kills.Out + kills.In} kills");
        Assert.True(kills.Out + kills.In >= Math.Min(2, 2 * killsEach), "the run finished before the kills could happen");
        if (Stress.On)
        {
            Assert.True(kills.Out >= killsEach && kills.In >= killsEach, $"the receiver had everything after {kills.Out} kills of the out bridge and {kills.In} of the in bridge, fewer than {killsEach} each: raise the stress count");
        }
    }

    /// <summary>
    /// Sends count messages in A while <paramref name="during"/> runs (given the receiver, which runs until all
    /// arrived), receives them in B; returns what B saw: everything, or what it had when no new message came for
    /// <see cref="Receiver.NoProgressLimit"/> (the run stalled; there is no budget for the run as a whole).
    /// </summary>
    public ReceiveReport Run(int count, Action<Receiver> during)
    {
        var clock = Stopwatch.StartNew();
        string n = count.ToString(CultureInfo.InvariantCulture);
        string seed = Random.Shared.Next().ToString(CultureInfo.InvariantCulture);
        Process sender = _channel
            ? A.Start(NativeProgram.Build("bridge_chan"), "send", SourceKey.ToString(), n, MaxSize.ToString(CultureInfo.InvariantCulture), seed)
            : A.Start(NativeProgram.Build("bridge_send"), SourceKey.ToString(), n, Types.ToString(CultureInfo.InvariantCulture), MaxSize.ToString(CultureInfo.InvariantCulture), seed);
        using Receiver receiver = _channel ? Receiver.ForChannel(B, s_targetKey, count) : Receiver.ForQueue(B, s_targetKey, count);
        Task<string> sent = sender.StandardOutput.ReadToEndAsync();
        try
        {
            during(receiver);
            ReceiveReport report = receiver.WaitForAll();
            _output.WriteLine($"{count} messages in {clock.Elapsed.TotalSeconds:0.0} s; sender: {(sender.HasExited ? sent.Result.Split('\n')[0] : "still sending")}; receiver: {receiver}");
            if (report.Unique != count)
            {
                _output.WriteLine("out bridge log:\n" + Out.Log + "\nin bridge log:\n" + In.Log + "\nserver log:\n" + Server.Log);
            }

            return report;
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
