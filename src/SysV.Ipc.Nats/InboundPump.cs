using System.Diagnostics;

namespace SysV.Ipc.Nats;

/// <summary>
/// The consuming half both in bridges share: the durable consumer (recreated at each start from just after
/// the last message this host has), the pull loop that hands each message to the bridge's delivery and
/// acknowledges it only after that succeeded, the record of the last delivered stream sequence, waiting
/// for room as backpressure, and parking what this host cannot take.
/// </summary>
internal sealed class InboundPump
{
    private readonly NatsBridgeInOptions _options;
    private readonly BridgedObject _target;
    private readonly BridgeMetrics _metrics;
    private readonly ILogger _logger;

    /// <summary>The pump of an in bridge; the durable consumer's name is the options' or the default one, and is checked here.</summary>
    public InboundPump(NatsBridgeInOptions options, BridgedObject target, BridgeMetrics metrics, ILogger logger)
    {
        Durable = options.Durable ?? DefaultDurable(options.HostId, target);
        NatsBridge.ValidateName(Durable, "durable consumer", nameof(options));
        _options = options;
        _target = target;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Delivers one message (body, stream sequence) into the target; false to stop this pull and start again after the last one delivered.</summary>
    public delegate Task<bool> Delivery(NatsJSMsg<byte[]> message, byte[] body, ulong sequence, CancellationToken cancellationToken);

    /// <summary>The durable consumer's name.</summary>
    public string Durable { get; }

    /// <summary>The default durable name: <c>sysvipc-HOST-KEY</c> for a queue (as before channels existed), <c>sysvipc-HOST-chan-KEY</c> for a channel.</summary>
    private static string DefaultDurable(string host, BridgedObject target)
    {
        var name = new System.Text.StringBuilder("sysvipc-");
        foreach (char c in host)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        }

        name.Append(target.Kind == BridgedObjectKind.Channel ? "-chan-" : "-");
        return name.Append(((uint)target.Key.Value).ToString("x8", CultureInfo.InvariantCulture)).ToString();
    }

    /// <summary>Finds the stream, then consumes until stopped, reconnecting and recreating the consumer after failures.</summary>
    public async Task RunAsync(NatsConnection connection, Delivery deliver, Action started, CancellationToken stoppingToken)
    {
        var js = new NatsJSContext(connection);
        string stream = await StreamBinding.FindAsync(js, _options.Subject, _logger, stoppingToken).ConfigureAwait(false);
        using InboundState state = InboundState.OpenOrCreate(_target, stream);

        var backoff = new Backoff(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(15));
        bool isStarted = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                INatsJSConsumer consumer = await ResetConsumerAsync(js, stream, state, logStart: !isStarted, stoppingToken).ConfigureAwait(false);
                if (!isStarted)
                {
                    isStarted = true;
                    started();
                }

                await PullAsync(consumer, state, deliver, stoppingToken).ConfigureAwait(false);
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
            // Not flushed: keep the record, so the next bridge skips what is already delivered.
        }
    }

    /// <summary>
    /// Tries <paramref name="trySend"/> until it succeeds: a full target is backpressure (the bridge holds
    /// this message and pulls nothing more), never a drop. Tells JetStream it is still working on the
    /// message so it is not handed out again meanwhile.
    /// </summary>
    public async Task WaitForRoomAsync(NatsJSMsg<byte[]> msg, ulong sequence, Func<bool> trySend, CancellationToken cancellationToken)
    {
        // Only a wait a person would notice is worth a warning; the short ones are normal flow control.
        bool warned = false;
        long waitStart = Stopwatch.GetTimestamp();
        long lastProgress = waitStart;
        var backoff = new Backoff(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(50));
        while (true)
        {
            await Task.Delay(backoff.Next(), cancellationToken).ConfigureAwait(false);
            if (trySend())
            {
                if (warned)
                {
                    Log.QueueRoom(_logger, _target.ToString(), Stopwatch.GetElapsedTime(waitStart).TotalSeconds);
                }

                return;
            }

            if (!warned && Stopwatch.GetElapsedTime(waitStart) > TimeSpan.FromSeconds(2))
            {
                warned = true;
                Log.QueueFull(_logger, _target.ToString(), sequence);
            }

            if (Stopwatch.GetElapsedTime(lastProgress) > TimeSpan.FromSeconds(15))
            {
                lastProgress = Stopwatch.GetTimestamp();
                await msg.AckProgressAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sets aside a message this host cannot take, in a file with a description beside it; logged and counted.</summary>
    public void Park(NatsJSMsg<byte[]> msg, byte[] body, ulong sequence, string? type, string reason)
    {
        Directory.CreateDirectory(_options.ParkDirectory);
        string path = Path.Combine(_options.ParkDirectory, string.Create(CultureInfo.InvariantCulture, $"{Durable}-{sequence}.msg"));
        File.WriteAllBytes(path, body);
        File.WriteAllText(path + ".txt", string.Create(CultureInfo.InvariantCulture, $"subject={msg.Subject}\nstream-sequence={sequence}\ntype={type}\nlength={body.Length}\nreason={reason}\n"));
        _metrics.ParkedOne();
        Log.Parked(_logger, sequence, msg.Subject, type ?? "(none)", body.Length, reason, path);
    }

    /// <summary>Recreates the durable consumer to deliver from just after the last message this host has.</summary>
    private async Task<INatsJSConsumer> ResetConsumerAsync(NatsJSContext js, string stream, InboundState state, bool logStart, CancellationToken cancellationToken)
    {
        ulong ackFloor = 0;
        try
        {
            INatsJSConsumer existing = await js.GetConsumerAsync(stream, Durable, cancellationToken).ConfigureAwait(false);
            ackFloor = existing.Info.AckFloor?.StreamSeq ?? 0;
            await js.DeleteConsumerAsync(stream, Durable, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            // First start: no consumer yet.
        }

        ulong from = Math.Max(state.LastSequence, ackFloor) + 1;
        var config = new ConsumerConfig(Durable)
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
            Log.InStarted(_logger, _options.Subject, stream, Durable, _target.ToString(), from);
        }

        return consumer;
    }

    private async Task PullAsync(INatsJSConsumer consumer, InboundState state, Delivery deliver, CancellationToken cancellationToken)
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
                _metrics.SetLag((long)metadata.NumPending);
                if (sequence <= state.LastSequence)
                {
                    Log.SkippedRedelivery(_logger, sequence);
                    _metrics.Redelivered();
                    await msg.AckAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (!await deliver(msg, msg.Data ?? [], sequence, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                state.Delivered(sequence);
                await msg.AckAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
