namespace SysV.Ipc.Cli.Commands.Bridge;

/// <summary>
/// <c>sysvipc bridge out|in</c>: runs one queue or channel bridge to or from NATS JetStream in the
/// foreground until SIGTERM or SIGINT (then stops cleanly: what is in flight is finished, the lock
/// released). Meant to be run by systemd or a terminal; SysV.Ipc.Nats's bridges do the work.
/// </summary>
/// <remarks>
/// This part is the command (options, texts, examples) and builds everywhere. What runs it is the build's:
/// BridgeCommand.InProcess.cs runs the bridge in this process (the framework-dependent tool, the tests, and
/// the native companion executable sysvipc-bridge); BridgeCommand.Companion.cs, in the native sysvipc only,
/// replaces the process with sysvipc-bridge, so that the NATS client, networking and TLS code stay out of
/// the native tool's other verbs (docs/cli.md, "Start-up").
/// </remarks>
internal static partial class BridgeCommand
{
    private static readonly Option<string?> s_queue = new("--queue", "-q") { Description = "The System V queue's key (0x... or decimal); or --channel.", HelpName = "KEY" };
    private static readonly Option<string?> s_channel = new("--channel", "-c") { Description = "A SharedMemoryChannel's key instead of a queue (out: the bridge is its reader, or one more reader of a broadcast channel; in: a writer).", HelpName = "KEY" };
    private static readonly Option<long> s_type = new("--type") { Description = "Channel out: the message type sent in the Sysv-Type header and put for {type} in the subject (default 1).", HelpName = "TYPE", DefaultValueFactory = _ => 1 };
    private static readonly Option<string?> s_capacity = new("--capacity") { Description = "Channel in with --create: the ring's size in bytes, a power of two (default 1M; messages up to half of it).", HelpName = "BYTES" };
    private static readonly Option<string> s_subject = new("--subject", "-s") { Description = "The NATS subject; out: may contain {type} (orders.{type}); in: a filter (orders.*, orders.>).", Required = true, HelpName = "SUBJECT" };
    private static readonly Option<string> s_nats = new("--nats") { Description = "The NATS server URL(s), comma-separated (default nats://127.0.0.1:4222).", HelpName = "URL", DefaultValueFactory = _ => "nats://127.0.0.1:4222" };
    private static readonly Option<string?> s_stream = new("--stream") { Description = "Create this JetStream stream for the subject if no stream stores it yet.", HelpName = "NAME" };
    private static readonly Option<string?> s_types = new("--types") { Description = "Only take these message types (comma-separated); the others stay in the queue.", HelpName = "LIST" };
    private static readonly Option<int> s_replicas = new("--replicas") { Description = "Replicas of a stream the bridge creates (3 on a three-node cluster).", DefaultValueFactory = _ => 1 };
    private static readonly Option<string?> s_durable = new("--durable") { Description = "The durable consumer's name (default sysvipc-HOST-KEY); one per host and queue.", HelpName = "NAME" };
    private static readonly Option<bool> s_create = new("--create") { Description = "Create the queue if it does not exist (mode 0600, or --mode)." };
    private static readonly Option<string?> s_mode = new("--mode") { Description = "Permissions of a queue created with --create (octal, default 600).", HelpName = "MODE" };
    private static readonly Option<string?> s_parkDirectory = new("--park-dir") { Description = "Where messages this host cannot take are kept (default /var/tmp/sysvipc-bridge/parked).", HelpName = "DIR" };
    private static readonly Option<string?> s_hostId = new("--host-id") { Description = "This host's name in message ids and headers (default: the host name); unique per host.", HelpName = "NAME" };
    private static readonly Option<bool> s_verbose = new("--verbose", "-v") { Description = "Log every redelivery and recovery step too (debug level)." };

    public static Command Create()
    {
        var output = new Command("out", "Publish the messages of a System V queue (or a channel) on this host to JetStream: at least once, nothing lost; each leaves the queue only after JetStream acknowledged it.")
        {
            s_queue, s_channel, s_subject, s_nats, s_stream, s_types, s_type, s_replicas, s_hostId, s_verbose,
        };
        output.SetAction((result, cancellationToken) => RunOutAsync(result));
        var input = new Command("in", "Send the messages of a JetStream subject into a System V queue (or a channel) on this host, type restored; acknowledged only after msgsnd succeeded; a full queue holds the consumer back.")
        {
            s_subject, s_queue, s_channel, s_nats, s_durable, s_create, s_mode, s_capacity, s_parkDirectory, s_hostId, s_verbose,
        };
        input.SetAction((result, cancellationToken) => RunInAsync(result));
        var command = new Command("bridge", "Mirror System V message queues and shared memory channels across hosts through NATS JetStream (see docs/bridge.md).") { output, input };
        HelpExamples.Register(command, """
              sysvipc bridge out --queue 0x1234 --subject 'orders.{type}' --stream ORDERS --nats nats://10.0.0.5:4222
              sysvipc bridge in  --subject 'orders.*' --queue 0x1234 --create --nats nats://10.0.0.5:4222
              sysvipc bridge out --channel 0x4321 --subject ticks --stream TICKS --nats nats://10.0.0.5:4222
              sysvipc bridge in  --subject ticks --channel 0x4321 --create --capacity 4M --nats nats://10.0.0.5:4222
            """);
        return command;
    }

    /// <summary>Runs <c>bridge out</c> as parsed.</summary>
    private static partial Task<int> RunOutAsync(ParseResult result);

    /// <summary>Runs <c>bridge in</c> as parsed.</summary>
    private static partial Task<int> RunInAsync(ParseResult result);
}
