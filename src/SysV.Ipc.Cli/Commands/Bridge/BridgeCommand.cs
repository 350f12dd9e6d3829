using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SysV.Ipc.Cli.Parsing;
using SysV.Ipc.Nats;

namespace SysV.Ipc.Cli.Commands.Bridge;

/// <summary>
/// <c>sysvipc bridge out|in</c>: runs one queue bridge to or from NATS JetStream in the foreground until
/// SIGTERM or SIGINT (then stops cleanly: the batch in flight is finished, the lock released). Meant to be
/// run by systemd or a terminal; the library's <see cref="QueueBridgeOut"/> and <see cref="QueueBridgeIn"/>
/// do the work.
/// </summary>
internal static class BridgeCommand
{
    private static readonly Option<string> s_queue = new("--queue", "-q") { Description = "The System V queue's key (0x... or decimal).", Required = true, HelpName = "KEY" };
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
        var output = new Command("out", "Publish the messages of a System V queue on this host to JetStream: at least once, nothing lost; each leaves the queue only after JetStream acknowledged it.")
        {
            s_queue, s_subject, s_nats, s_stream, s_types, s_replicas, s_hostId, s_verbose,
        };
        output.SetAction((result, cancellationToken) => RunOutAsync(result));
        var input = new Command("in", "Send the messages of a JetStream subject into a System V queue on this host (msgsnd), type restored; acknowledged only after msgsnd succeeded; a full queue holds the consumer back.")
        {
            s_subject, s_queue, s_nats, s_durable, s_create, s_mode, s_parkDirectory, s_hostId, s_verbose,
        };
        input.SetAction((result, cancellationToken) => RunInAsync(result));
        var command = new Command("bridge", "Mirror System V message queues across hosts through NATS JetStream (see docs/bridge.md).") { output, input };
        HelpExamples.Register(command, """
              sysvipc bridge out --queue 0x1234 --subject 'orders.{type}' --stream ORDERS --nats nats://10.0.0.5:4222
              sysvipc bridge in  --subject 'orders.*' --queue 0x1234 --create --nats nats://10.0.0.5:4222
            """);
        return command;
    }

    private static Task<int> RunOutAsync(ParseResult result)
    {
        TextWriter error = CommandOutput.Error(result);
        QueueBridgeOut bridge;
        try
        {
            var options = new QueueBridgeOutOptions
            {
                QueueKey = ArgumentParsers.ParseKey(result.GetValue(s_queue)!),
                Subject = result.GetValue(s_subject)!,
                Url = result.GetValue(s_nats)!,
                Stream = result.GetValue(s_stream),
                StreamReplicas = result.GetValue(s_replicas),
                Types = ParseTypes(result.GetValue(s_types)),
                HostId = result.GetValue(s_hostId) ?? Environment.MachineName,
            };
            bridge = new QueueBridgeOut(options, new LineLogger<QueueBridgeOut>(error, SysvIpcCli.Name + " bridge out", Level(result)));
        }
        catch (ArgumentException e)
        {
            CommandOutput.Fail(result, "bridge out: " + Plain(e));
            return Task.FromResult(1);
        }

        return RunAsync(result, bridge, "out");
    }

    private static Task<int> RunInAsync(ParseResult result)
    {
        TextWriter error = CommandOutput.Error(result);
        QueueBridgeIn bridge;
        try
        {
            string? mode = result.GetValue(s_mode);
            var options = new QueueBridgeInOptions
            {
                QueueKey = ArgumentParsers.ParseKey(result.GetValue(s_queue)!),
                Subject = result.GetValue(s_subject)!,
                Url = result.GetValue(s_nats)!,
                Durable = result.GetValue(s_durable),
                CreateQueue = result.GetValue(s_create),
                QueuePermissions = mode is null ? UnixFileMode.UserRead | UnixFileMode.UserWrite : ArgumentParsers.ParseMode(mode),
                ParkDirectory = result.GetValue(s_parkDirectory) ?? "/var/tmp/sysvipc-bridge/parked",
                HostId = result.GetValue(s_hostId) ?? Environment.MachineName,
            };
            bridge = new QueueBridgeIn(options, new LineLogger<QueueBridgeIn>(error, SysvIpcCli.Name + " bridge in", Level(result)));
        }
        catch (ArgumentException e)
        {
            CommandOutput.Fail(result, "bridge in: " + Plain(e));
            return Task.FromResult(1);
        }

        return RunAsync(result, bridge, "in");
    }

    /// <summary>Starts the service, waits for it to end or for SIGTERM/SIGINT, stops it; 1 when it failed.</summary>
    private static async Task<int> RunAsync(ParseResult result, BackgroundService bridge, string verb)
    {
        using (bridge)
        {
            var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnSignal(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.TrySetResult();
            }

            using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            await bridge.StartAsync(CancellationToken.None).ConfigureAwait(false);
            Task running = bridge.ExecuteTask ?? Task.CompletedTask;
            await Task.WhenAny(running, stop.Task).ConfigureAwait(false);
            using var shutdown = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await bridge.StopAsync(shutdown.Token).ConfigureAwait(false);
                await running.ConfigureAwait(false);
                return 0;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                CommandOutput.Fail(result, $"bridge {verb}: {Plain(e)}");
                return 1;
            }
        }
    }

    private static LogLevel Level(ParseResult result) => result.GetValue(s_verbose) ? LogLevel.Debug : LogLevel.Information;

    private static long[] ParseTypes(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        return [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(t =>
            long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out long type) && type > 0
                ? type
                : throw new CliUsageException($"'{t}' in --types is not a message type: give positive whole numbers separated by commas (--types 1,2,5)."))];
    }

    /// <summary>An exception's message without the "(Parameter 'x')" that ArgumentException appends.</summary>
    private static string Plain(Exception e)
    {
        string message = (e is AggregateException { InnerException: { } inner } ? inner : e).Message;
        int parameter = message.LastIndexOf(" (Parameter '", StringComparison.Ordinal);
        return (parameter > 0 ? message[..parameter] : message).ReplaceLineEndings(" ");
    }
}
