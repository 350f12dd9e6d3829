using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace SysV.Ipc.Nats;

/// <summary>
/// Moves messages from JetStream into a System V queue on this host, as a hosted service: each message is
/// sent with msgsnd (its type restored from the <c>Sysv-Type</c> header) and acknowledged only after that
/// succeeded. A full queue is backpressure: the bridge holds the message and pulls nothing more until a
/// receiver makes room; nothing is dropped. A message this host cannot take (larger than its MSGMAX, or
/// with an invalid type) is parked in a file, logged and counted, and the bridge goes on.
/// </summary>
/// <remarks>
/// The bridge records the stream sequence of the last message it sent in a small shared memory segment of
/// the queue's IPC namespace, right after each msgsnd. A restarted bridge resumes after it (a message
/// redelivered by JetStream that is already in the queue is acknowledged, not sent again), so a crash
/// duplicates at most the one message sent in the instant before that record. The durable consumer is
/// recreated at each start, from that position or from its acknowledgment floor when the host lost the
/// record; JetStream keeps the messages until then.
/// </remarks>
public sealed class QueueBridgeIn : BackgroundService
{
    private readonly QueueBridgeInOptions _options;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _durable;
    private string _queueName = string.Empty;
    private int _limit;
    private long _limitRead;

    /// <summary>Creates the bridge; nothing happens until the host starts it.</summary>
    /// <param name="options">Subject, queue, server, consumer.</param>
    /// <param name="logger">Where it logs (none by default).</param>
    /// <param name="meterFactory">The host's meter factory for <see cref="Metrics"/>, or <see langword="null"/>.</param>
    public QueueBridgeIn(QueueBridgeInOptions options, ILogger<QueueBridgeIn>? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        NatsSubject.ValidateFilterSubject(options.Subject.Replace(NatsSubject.TypePlaceholder, "*", StringComparison.Ordinal));
        if (options.QueueKey.IsPrivate)
        {
            throw new ArgumentException("The in bridge needs the queue's key; IPC_PRIVATE (0) names no queue another process can find.", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.DefaultType, nameof(options.DefaultType));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize, nameof(options.BatchSize));
        _durable = options.Durable ?? DefaultDurable(options.HostId, options.QueueKey);
        if (_durable.Length == 0 || _durable.AsSpan().IndexOfAny(" \t\r\n.*>/\\") >= 0)
        {
            throw new ArgumentException($"'{_durable}' is not a valid durable consumer name: use letters, digits, '-' and '_' (no spaces, dots, '*', '>' or slashes).", nameof(options));
        }

        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Metrics = new BridgeMetrics(BridgeDirection.In, options.QueueKey, meterFactory);
    }

    /// <summary>The bridge's counters (also published on the meter <see cref="BridgeMetrics.MeterName"/>).</summary>
    public BridgeMetrics Metrics { get; }

    /// <summary>Completes when the bridge holds its lock, is connected and has its consumer; faults if it could not start.</summary>
    public Task Ready => _ready.Task;

    /// <summary>The durable consumer's name.</summary>
    public string Durable => _durable;

    /// <inheritdoc/>
    public override void Dispose()
    {
        base.Dispose();
        Metrics.Dispose();
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _ready.TrySetException(e);
            if (e is OperationCanceledException && stoppingToken.IsCancellationRequested)
            {
                return;
            }

            throw;
        }
    }

    private static string DefaultDurable(string host, IpcKey key)
    {
        var name = new System.Text.StringBuilder("sysvipc-");
        foreach (char c in host)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        }

        return name.Append('-').Append(((uint)key.Value).ToString("x8", CultureInfo.InvariantCulture)).ToString();
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        using MessageQueue queue = _options.CreateQueue ? MessageQueue.OpenOrCreate(_options.QueueKey, _options.QueuePermissions) : MessageQueue.Open(_options.QueueKey);
        _queueName = BridgeKeys.Describe(_options.QueueKey);
        using BridgeLock bridgeLock = BridgeLock.Acquire(BridgeDirection.In, _options.QueueKey);
        if (bridgeLock.AbandonedBy != 0)
        {
            Log.Abandoned(_logger, bridgeLock.AbandonedBy);
        }

        await using NatsConnection connection = await NatsConnector.ConnectAsync(_options.Url, "sysvipc-bridge-in " + _queueName, _logger, stoppingToken).ConfigureAwait(false);
        var js = new NatsJSContext(connection);
        string stream = await FindStreamAsync(js, stoppingToken).ConfigureAwait(false);
        using InboundState state = InboundState.OpenOrCreate(_options.QueueKey, stream);

        var backoff = new Backoff(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(15));
        bool started = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                INatsJSConsumer consumer = await ResetConsumerAsync(js, stream, state, logStart: !started, stoppingToken).ConfigureAwait(false);
                if (!started)
                {
                    started = true;
                    _ready.TrySetResult();
                }

                await PullAsync(consumer, queue, state, stoppingToken).ConfigureAwait(false);
                backoff.Reset();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NatsException or TimeoutException or OperationCanceledException)
            {
                TimeSpan delay = backoff.Next();
                Log.PullFailed(_logger, e.GetBaseException().Message, state.LastSequence, delay.TotalSeconds);
                try
                {
                    await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        // The acknowledgments sent so far reach the server before the ping's answer comes back.
        try
        {
            await connection.PingAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
            state.Remove();
        }
        catch (Exception e) when (e is NatsException or TimeoutException)
        {
            // Not flushed: keep the record, so the next bridge skips what is already in the queue.
        }

        bridgeLock.ReleaseAndRemove();
        Log.Stopped(_logger, "in", Metrics.Messages, Metrics.Bytes);
    }

    private async Task<string> FindStreamAsync(NatsJSContext js, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                await foreach (string name in js.ListStreamNamesAsync(_options.Subject, cancellationToken).ConfigureAwait(false))
                {
                    return name;
                }

                throw new InvalidOperationException($"No JetStream stream stores subject '{_options.Subject}': start the out bridge first (it creates the stream with --stream NAME), or create one with nats stream add.");
            }
            catch (NatsException e) when (e is not NatsJSApiException { Error.Code: not 503 })
            {
                TimeSpan delay = backoff.Next();
                Log.PullFailed(_logger, e.GetBaseException().Message, 0, delay.TotalSeconds);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Recreates the durable consumer to deliver from just after the last message this host has.</summary>
    private async Task<INatsJSConsumer> ResetConsumerAsync(NatsJSContext js, string stream, InboundState state, bool logStart, CancellationToken cancellationToken)
    {
        ulong ackFloor = 0;
        try
        {
            INatsJSConsumer existing = await js.GetConsumerAsync(stream, _durable, cancellationToken).ConfigureAwait(false);
            ackFloor = existing.Info.AckFloor?.StreamSeq ?? 0;
            await js.DeleteConsumerAsync(stream, _durable, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            // First start: no consumer yet.
        }

        ulong from = Math.Max(state.LastSequence, ackFloor) + 1;
        var config = new ConsumerConfig(_durable)
        {
            FilterSubject = _options.Subject,
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
            OptStartSeq = from,
            AckWait = TimeSpan.FromSeconds(60),
            MaxDeliver = -1,
            MaxAckPending = Math.Max(1000, _options.BatchSize * 4),
        };
        INatsJSConsumer consumer = await js.CreateOrUpdateConsumerAsync(stream, config, cancellationToken).ConfigureAwait(false);
        if (logStart)
        {
            Log.InStarted(_logger, _options.Subject, stream, _durable, _queueName, from);
        }

        return consumer;
    }

    private async Task PullAsync(INatsJSConsumer consumer, MessageQueue queue, InboundState state, CancellationToken cancellationToken)
    {
        ulong expectedDelivery = 1;
        var fetch = new NatsJSFetchOpts { MaxMsgs = _options.BatchSize, Expires = TimeSpan.FromSeconds(2) };
        while (!cancellationToken.IsCancellationRequested)
        {
            await foreach (NatsJSMsg<byte[]> msg in consumer.FetchAsync<byte[]>(fetch, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (msg.Metadata is not { } metadata)
                {
                    continue;
                }

                // Delivery numbers go up by one per delivery: a gap means deliveries were lost (a
                // reconnect); later ones must not be taken before them.
                ulong delivery = metadata.Sequence.Consumer;
                if (delivery != expectedDelivery)
                {
                    Log.DeliveryGap(_logger, expectedDelivery, delivery, state.LastSequence);
                    return;
                }

                expectedDelivery++;
                ulong sequence = metadata.Sequence.Stream;
                Metrics.SetLag((long)metadata.NumPending);
                if (sequence <= state.LastSequence)
                {
                    Log.SkippedRedelivery(_logger, sequence);
                    Metrics.Redelivered();
                    await msg.AckAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    continue;
                }

                byte[] body = msg.Data ?? [];
                if (!await DeliverAsync(msg, body, sequence, queue, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                state.Delivered(sequence);
                await msg.AckAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sends the message into the queue, waiting while it is full; parks what this host cannot take.</summary>
    private async Task<bool> DeliverAsync(NatsJSMsg<byte[]> msg, byte[] body, ulong sequence, MessageQueue queue, CancellationToken cancellationToken)
    {
        string? typeText = null;
        long type = _options.DefaultType;
        if (msg.Headers is { } headers && headers.TryGetLastValue(BridgeHeaders.MessageType, out typeText))
        {
            if (!long.TryParse(typeText, NumberStyles.None, CultureInfo.InvariantCulture, out type) || type <= 0)
            {
                Park(msg, body, sequence, typeText, $"its {BridgeHeaders.MessageType} header '{typeText}' is not a positive message type");
                return true;
            }
        }

        int limit = MessageLimit(queue);
        if (body.Length > limit)
        {
            Park(msg, body, sequence, type.ToString(CultureInfo.InvariantCulture), $"{body.Length} bytes is more than this host's MSGMAX of {limit} bytes (/proc/sys/kernel/msgmax): raise it here, or send smaller messages");
            return true;
        }

        if (queue.TrySend(type, body))
        {
            Metrics.Moved(body.Length);
            return true;
        }

        // Only a wait a person would notice is worth a warning; the short ones are normal flow control.
        bool warned = false;
        long waitStart = Stopwatch.GetTimestamp();
        long lastProgress = waitStart;
        var backoff = new Backoff(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(50));
        while (true)
        {
            await Task.Delay(backoff.Next(), cancellationToken).ConfigureAwait(false);
            if (queue.TrySend(type, body))
            {
                Metrics.Moved(body.Length);
                if (warned)
                {
                    Log.QueueRoom(_logger, _queueName, Stopwatch.GetElapsedTime(waitStart).TotalSeconds);
                }

                return true;
            }

            if (!warned && Stopwatch.GetElapsedTime(waitStart) > TimeSpan.FromSeconds(2))
            {
                warned = true;
                Log.QueueFull(_logger, _queueName, sequence);
            }

            if (Stopwatch.GetElapsedTime(lastProgress) > TimeSpan.FromSeconds(15))
            {
                // Still working on it: JetStream must not hand it (and what follows) out again meanwhile.
                lastProgress = Stopwatch.GetTimestamp();
                await msg.AckProgressAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>MSGMAX, read from /proc at most once a second (an administrator may change it while the bridge runs).</summary>
    private int MessageLimit(MessageQueue queue)
    {
        if (_limit == 0 || Stopwatch.GetElapsedTime(_limitRead) > TimeSpan.FromSeconds(1))
        {
            _limit = queue.MaxMessageSize;
            _limitRead = Stopwatch.GetTimestamp();
        }

        return _limit;
    }

    private void Park(NatsJSMsg<byte[]> msg, byte[] body, ulong sequence, string? type, string reason)
    {
        Directory.CreateDirectory(_options.ParkDirectory);
        string path = Path.Combine(_options.ParkDirectory, string.Create(CultureInfo.InvariantCulture, $"{_durable}-{sequence}.msg"));
        File.WriteAllBytes(path, body);
        File.WriteAllText(path + ".txt", string.Create(CultureInfo.InvariantCulture, $"subject={msg.Subject}\nstream-sequence={sequence}\ntype={type}\nlength={body.Length}\nreason={reason}\n"));
        Metrics.ParkedOne();
        Log.Parked(_logger, sequence, msg.Subject, type ?? "(none)", body.Length, reason, path);
    }
}
