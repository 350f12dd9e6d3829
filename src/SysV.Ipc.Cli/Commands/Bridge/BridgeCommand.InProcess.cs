using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SysV.Ipc.Nats;

namespace SysV.Ipc.Cli.Commands.Bridge;

/// <summary>
/// The bridge run in this process: the library's <see cref="QueueBridgeOut"/>, <see cref="QueueBridgeIn"/>,
/// <see cref="ChannelBridgeOut"/> and <see cref="ChannelBridgeIn"/>, configured from the options.
/// </summary>
internal static partial class BridgeCommand
{
    private static partial Task<int> RunOutAsync(ParseResult result) =>
        RunBridgeAsync(result, "out", (key, isChannel, logger) =>
        {
            if (isChannel)
            {
                if (result.GetValue(s_types) is not null)
                {
                    throw new CliUsageException("--types selects message types of a queue; a channel's messages have none (give the type they get with --type).");
                }

                var options = new ChannelBridgeOutOptions { ChannelKey = key, Type = result.GetValue(s_type) };
                SetOut(options, result);
                return new ChannelBridgeOut(options, logger.For<ChannelBridgeOut>());
            }
            else
            {
                var options = new QueueBridgeOutOptions { QueueKey = key, Types = ParseTypes(result.GetValue(s_types)) };
                SetOut(options, result);
                return new QueueBridgeOut(options, logger.For<QueueBridgeOut>());
            }
        });

    private static partial Task<int> RunInAsync(ParseResult result) =>
        RunBridgeAsync(result, "in", (key, isChannel, logger) =>
        {
            string? mode = result.GetValue(s_mode);
            UnixFileMode permissions = mode is null ? UnixFileMode.UserRead | UnixFileMode.UserWrite : ArgumentParsers.ParseMode(mode);
            if (isChannel)
            {
                var options = new ChannelBridgeInOptions { ChannelKey = key, CreateChannel = result.GetValue(s_create), ChannelPermissions = permissions };
                if (result.GetValue(s_capacity) is { } capacity)
                {
                    options.ChannelCapacity = ArgumentParsers.ParseSize(capacity);
                }

                SetIn(options, result);
                return new ChannelBridgeIn(options, logger.For<ChannelBridgeIn>());
            }
            else
            {
                if (result.GetValue(s_capacity) is not null)
                {
                    throw new CliUsageException("--capacity is the size of a channel the bridge creates; a queue's size is set by the kernel (msgmnb).");
                }

                var options = new QueueBridgeInOptions { QueueKey = key, CreateQueue = result.GetValue(s_create), QueuePermissions = permissions };
                SetIn(options, result);
                return new QueueBridgeIn(options, logger.For<QueueBridgeIn>());
            }
        });

    /// <summary>
    /// Builds the bridge of one direction for the --queue or --channel target, then runs it; options the
    /// library refuses end the command with its message, prefixed with the verb.
    /// </summary>
    private static Task<int> RunBridgeAsync(ParseResult result, string direction, Func<IpcKey, bool, BridgeLogging, NatsBridge> create)
    {
        NatsBridge bridge;
        try
        {
            (IpcKey key, bool isChannel) = Target(result);
            bridge = create(key, isChannel, new BridgeLogging(CommandOutput.Error(result), SysvIpcCli.Name + " bridge " + direction, Level(result)));
        }
        catch (ArgumentException e)
        {
            CommandOutput.Fail(result, "bridge " + direction + ": " + Plain(e));
            return Task.FromResult(1);
        }

        return RunAsync(result, bridge, direction);
    }

    /// <summary>Where a bridge's log lines go: the error output, under the verb's name, from debug up with --verbose.</summary>
    private readonly record struct BridgeLogging(TextWriter Error, string Name, LogLevel Level)
    {
        public LineLogger<T> For<T>() => new(Error, Name, Level);
    }

    /// <summary>The --queue or --channel key (exactly one of them).</summary>
    private static (IpcKey Key, bool IsChannel) Target(ParseResult result)
    {
        string? queue = result.GetValue(s_queue);
        string? channel = result.GetValue(s_channel);
        return (queue, channel) switch
        {
            (null, null) => throw new CliUsageException("Give the queue (--queue KEY) or the channel (--channel KEY) to bridge."),
            ({ }, { }) => throw new CliUsageException("Give either --queue or --channel, not both: one bridge serves one queue or one channel."),
            ({ } q, null) => (ArgumentParsers.ParseKey(q), false),
            (null, { } c) => (ArgumentParsers.ParseKey(c), true),
        };
    }

    private static void SetOut(NatsBridgeOutOptions options, ParseResult result)
    {
        options.Subject = result.GetValue(s_subject)!;
        options.Url = result.GetValue(s_nats)!;
        options.Stream = result.GetValue(s_stream);
        options.StreamReplicas = result.GetValue(s_replicas);
        options.HostId = result.GetValue(s_hostId) ?? Environment.MachineName;
    }

    private static void SetIn(NatsBridgeInOptions options, ParseResult result)
    {
        options.Subject = result.GetValue(s_subject)!;
        options.Url = result.GetValue(s_nats)!;
        options.Durable = result.GetValue(s_durable);
        options.ParkDirectory = result.GetValue(s_parkDirectory) ?? "/var/tmp/sysvipc-bridge/parked";
        options.HostId = result.GetValue(s_hostId) ?? Environment.MachineName;
    }

    /// <summary>Starts the service, waits for it to end or for SIGTERM/SIGINT, stops it; 1 when it failed.</summary>
    private static async Task<int> RunAsync(ParseResult result, NatsBridge bridge, string verb)
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
