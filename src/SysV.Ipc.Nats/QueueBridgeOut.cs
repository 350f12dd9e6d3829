namespace SysV.Ipc.Nats;

/// <summary>
/// Moves the messages of a System V queue on this host to JetStream, as a hosted service: at least once,
/// nothing lost. A message leaves the queue only after JetStream acknowledged it: the bridge copies the
/// head of the queue with MSG_COPY, publishes it with a message id made of host, queue, epoch and sequence,
/// awaits the acknowledgment, then removes it. A crash in between republishes the same ids, which
/// JetStream's duplicate window drops. The bridge must be the queue's only receiver (of the types it takes).
/// </summary>
/// <remarks>
/// Batches of up to <see cref="QueueBridgeOutOptions.BatchSize"/> messages are published back to back,
/// each but the first with <c>Nats-Expected-Last-Msg-Id</c> naming the one before it, so the stream keeps
/// their order even when a connection drops mid-batch; on any failure the rest of the batch is published
/// one message at a time. The bridge's state (the batch in flight) lives in a small shared memory segment
/// of the queue's IPC namespace; its lock is a semaphore with SEM_UNDO (see docs/bridge.md).
/// </remarks>
public sealed class QueueBridgeOut : NatsBridge
{
    private readonly QueueBridgeOutOptions _options;
    private readonly HashSet<long> _types;
    private readonly string _queueName;

    /// <summary>Creates the bridge; nothing happens until the host starts it.</summary>
    /// <param name="options">Queue, subject, server.</param>
    /// <param name="logger">Where it logs (none by default).</param>
    /// <param name="meterFactory">The host's meter factory for <see cref="NatsBridge.Metrics"/>, or <see langword="null"/>.</param>
    public QueueBridgeOut(QueueBridgeOutOptions options, ILogger<QueueBridgeOut>? logger = null, IMeterFactory? meterFactory = null)
        : base(BridgeDirection.Out, BridgedObject.Queue(Validated(options).QueueKey), logger, meterFactory)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options.BatchSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.BatchSize, OutboundState.MaxBatch, nameof(options.BatchSize));
        foreach (long type in options.Types)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(type, "types");
        }

        _options = options;
        _types = [.. options.Types];
        _queueName = Target.KeyText;
    }

    private static QueueBridgeOutOptions Validated(QueueBridgeOutOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ValidatedOut(options, options.QueueKey, "queue");
    }

    private protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using MessageQueue queue = MessageQueue.Open(_options.QueueKey);
        byte[] buffer = new byte[Math.Max(queue.MaxMessageSize, 1)];

        // Fails now, with the library's message, if this user may not read the queue.
        queue.TryPeek(0, buffer, out _, out _);

        using BridgeLock bridgeLock = AcquireLock();
        using OutboundState state = OutboundState.OpenOrCreate(_options.QueueKey);
        await using NatsConnection connection = await ConnectAsync(_options.Url, stoppingToken).ConfigureAwait(false);
        var js = new NatsJSContext(connection);
        string stream = await StreamBinding.EnsureAsync(js, _options, NatsSubject.ForType(_options.Subject, 1), Logger, stoppingToken).ConfigureAwait(false);

        string idPrefix = string.Create(CultureInfo.InvariantCulture, $"{_options.HostId}.{_queueName}.{state.Epoch:x16}.");
        Log.OutStarted(Logger, Target.ToString(), _options.Subject, stream, idPrefix);
        SetReady();

        // A batch in flight is finished even when a stop is asked meanwhile (its acknowledgments come in
        // milliseconds), unless the host's own shutdown timeout runs out first.
        using var publishStop = new CancellationTokenSource();
        using CancellationTokenRegistration stopRegistration = stoppingToken.Register(() => publishStop.CancelAfter(TimeSpan.FromSeconds(5)));
        var context = new BatchContext(queue, state, connection, js, idPrefix, buffer);
        await RecoverAsync(context, publishStop.Token).ConfigureAwait(false);

        var idle = new Backoff(TimeSpan.FromTicks(1000), _options.MaxPollInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            List<PeekedMessage> batch = Collect(context, _options.BatchSize);
            UpdateLag(queue);
            if (batch.Count == 0)
            {
                try
                {
                    await Task.Delay(idle.Next(), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                continue;
            }

            idle.Reset();
            state.BeginBatch(state.FirstSequence, batch.ToArray());
            await PublishAsync(context, batch, 0, publishStop.Token).ConfigureAwait(false);
            Remove(context, batch, 0);
            state.EndBatch();
        }

        if (state.Count == 0)
        {
            state.Remove();
        }

        bridgeLock.ReleaseAndRemove();
        LogStopped();
    }

    /// <summary>After a crash: publish again what the last batch left in the queue, with its old ids, and remove it.</summary>
    private async Task RecoverAsync(BatchContext context, CancellationToken cancellationToken)
    {
        OutboundState state = context.State;
        int count = state.Count;
        if (count == 0)
        {
            return;
        }

        int removed = state.Removed;
        List<PeekedMessage> head = Collect(context, count - removed);
        if (state.Removing)
        {
            // The bridge died in msgrcv: the head is that message (not removed) or the next one of the
            // batch. Only when it is recognizably the former does it count as not removed; otherwise it
            // counts as removed, and if it was not, it is published again with a new id later (one
            // duplicate), where the other guess could take an identical next message for it and lose it.
            bool headIsIt = head.Count > 0 && Matches(state.Entry(removed), head[0]);
            bool headIsNext = head.Count > 0 && removed + 1 < count && Matches(state.Entry(removed + 1), head[0]);
            if (!(headIsIt && !headIsNext && removed + 1 < count))
            {
                removed++;
            }
        }

        int matched = 0;
        while (matched < head.Count && matched < count - removed && Matches(state.Entry(removed + matched), head[matched]))
        {
            matched++;
        }

        if (matched < count - removed && removed < count)
        {
            Log.BatchGone(Logger, count - removed - matched, _queueName);
        }

        if (matched > 0)
        {
            Log.Republishing(Logger, matched);
            Metrics.Redelivered(matched);
            List<PeekedMessage> rest = head.GetRange(0, matched);

            // The rest keeps the batch's numbering: entry index = removed + position in rest.
            var padded = new List<PeekedMessage>(removed + matched);
            for (int i = 0; i < removed; i++)
            {
                padded.Add(default);
            }

            padded.AddRange(rest);
            await PublishAsync(context, padded, removed, cancellationToken).ConfigureAwait(false);
            Remove(context, padded, removed);
        }

        state.EndBatch();
    }

    private static bool Matches((long Type, ulong Hash, int Length) entry, PeekedMessage m) =>
        m.Type == entry.Type && m.Hash == entry.Hash && m.Body.Length == entry.Length;

    private List<PeekedMessage> Collect(BatchContext context, int max)
    {
        var batch = new List<PeekedMessage>(Math.Min(max, 16));
        long bytes = 0;
        for (long position = 0; batch.Count < max && bytes < 1 << 20; position++)
        {
            bool found;
            long type;
            int length;
            try
            {
                found = context.Queue.TryPeek(position, context.Buffer, out type, out length);
            }
            catch (MessageBufferTooSmallException)
            {
                // MSGMAX was raised since the bridge started: grow and look again.
                context.Buffer = new byte[Math.Max(context.Queue.MaxMessageSize, context.Buffer.Length * 2)];
                position--;
                continue;
            }

            if (!found)
            {
                break;
            }

            if (_types.Count != 0 && !_types.Contains(type))
            {
                continue;
            }

            batch.Add(PeekedMessage.Create(type, context.Buffer.AsSpan(0, length)));
            bytes += length;
        }

        return batch;
    }

    /// <summary>Publishes batch[start..] and returns when JetStream acknowledged all of it (retrying as long as it takes).</summary>
    private async Task PublishAsync(BatchContext context, List<PeekedMessage> batch, int start, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));
        int next = await PublishPipelinedAsync(context, batch, start, cancellationToken).ConfigureAwait(false);
        while (next < batch.Count)
        {
            // One at a time from the first message not acknowledged: order is kept without any guard.
            try
            {
                PeekedMessage m = batch[next];
                PubAckResponse ack = await context.Js.PublishAsync(
                    NatsSubject.ForType(_options.Subject, m.Type),
                    m.Body,
                    opts: new NatsJSPubOpts { MsgId = MessageId(context, next) },
                    headers: Headers(m, context, next, chainAfter: null),
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                if (ack.Error is { } error)
                {
                    throw new NatsJSException($"JetStream refused the message: {error.Description} ({error.ErrCode})");
                }

                Acknowledged(m, ack.Duplicate);
                next++;
                backoff.Reset();
            }
            catch (Exception e) when (e is NatsException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                TimeSpan delay = backoff.Next();
                Log.PublishFailed(Logger, e.GetBaseException().Message, batch.Count - next, delay.TotalSeconds);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Publishes batch[start..] back to back, chained; returns the index of the first message not acknowledged.</summary>
    private async Task<int> PublishPipelinedAsync(BatchContext context, List<PeekedMessage> batch, int start, CancellationToken cancellationToken)
    {
        if (context.Connection.ConnectionState != NatsConnectionState.Open)
        {
            return start;
        }

        var waits = new Task<PubAckResponse>[batch.Count - start];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.AckTimeout);
        for (int i = start; i < batch.Count; i++)
        {
            PeekedMessage m = batch[i];
            waits[i - start] = context.Js.PublishAsync(
                NatsSubject.ForType(_options.Subject, m.Type),
                m.Body,
                opts: new NatsJSPubOpts { MsgId = MessageId(context, i), RetryAttempts = 1 },
                headers: Headers(m, context, i, chainAfter: i > start ? MessageId(context, i - 1) : null),
                cancellationToken: timeout.Token).AsTask();
        }

        try
        {
            await Task.WhenAll(waits).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Looked at one by one below.
        }

        cancellationToken.ThrowIfCancellationRequested();
        for (int i = start; i < batch.Count; i++)
        {
            Task<PubAckResponse> wait = waits[i - start];
            if (!wait.IsCompletedSuccessfully || wait.Result.Error is not null)
            {
                string reason = wait.IsCompletedSuccessfully ? wait.Result.Error!.Description ?? "refused"
                    : wait.Exception?.GetBaseException() is NatsJSDuplicateMessageException ? "duplicate"
                    : wait.Exception?.GetBaseException().Message ?? $"no acknowledgment within {_options.AckTimeout.TotalSeconds:0.#} s";
                if (reason == "duplicate")
                {
                    Acknowledged(batch[i], duplicate: true);
                    continue;
                }

                Log.ChainBroken(Logger, reason, batch.Count - i);
                Metrics.Fallback();
                return i;
            }

            Acknowledged(batch[i], wait.Result.Duplicate);
        }

        return batch.Count;
    }

    private void Acknowledged(PeekedMessage m, bool duplicate)
    {
        if (!duplicate)
        {
            Metrics.Moved(m.Body.Length);
        }
    }

    /// <summary>Removes batch[start..] from the queue, recording each removal before and after.</summary>
    private void Remove(BatchContext context, List<PeekedMessage> batch, int start)
    {
        for (int i = start; i < batch.Count; i++)
        {
            PeekedMessage m = batch[i];
            context.State.BeginRemoval(i);
            bool received = context.Queue.TryReceive(context.Buffer, out long type, out int length, MessageSelector.OfType(m.Type));
            context.State.EndRemoval(i);
            if (received && PeekedMessage.HashOf(type, context.Buffer.AsSpan(0, length)) != m.Hash)
            {
                Log.Stolen(Logger, _queueName, type);
                PublishStolen(context, type, context.Buffer.AsSpan(0, length).ToArray());
            }
        }
    }

    private void PublishStolen(BatchContext context, long type, byte[] body)
    {
        PeekedMessage m = PeekedMessage.Create(type, body);
        string id = context.IdPrefix + "x" + Guid.NewGuid().ToString("N");
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));
        while (true)
        {
            try
            {
                context.Js.PublishAsync(NatsSubject.ForType(_options.Subject, type), body, opts: new NatsJSPubOpts { MsgId = id }, headers: Headers(m, context, -1, null))
                    .AsTask().GetAwaiter().GetResult();
                Metrics.Moved(body.Length);
                return;
            }
            catch (NatsException e)
            {
                TimeSpan delay = backoff.Next();
                Log.PublishFailed(Logger, e.GetBaseException().Message, 1, delay.TotalSeconds);
                Thread.Sleep(delay);
            }
        }
    }

    private NatsHeaders Headers(PeekedMessage m, BatchContext context, int index, string? chainAfter)
    {
        var headers = new NatsHeaders
        {
            [BridgeHeaders.MessageType] = m.Type.ToString(CultureInfo.InvariantCulture),
            [BridgeHeaders.Host] = _options.HostId,
            [BridgeHeaders.QueueKey] = _queueName,
        };
        if (index >= 0)
        {
            headers[BridgeHeaders.MessageId] = MessageId(context, index);
        }

        if (chainAfter is not null)
        {
            headers["Nats-Expected-Last-Msg-Id"] = chainAfter;
        }

        return headers;
    }

    private static string MessageId(BatchContext context, int index) =>
        context.IdPrefix + (context.State.FirstSequence + (ulong)index).ToString(CultureInfo.InvariantCulture);

    private void UpdateLag(MessageQueue queue)
    {
        try
        {
            Metrics.SetLag(queue.GetInfo().MessageCount);
        }
        catch (IpcException)
        {
            // The queue went away: the next peek reports it.
        }
    }

    private sealed class BatchContext(MessageQueue queue, OutboundState state, NatsConnection connection, NatsJSContext js, string idPrefix, byte[] buffer)
    {
        public MessageQueue Queue { get; } = queue;

        public OutboundState State { get; } = state;

        public NatsConnection Connection { get; } = connection;

        public NatsJSContext Js { get; } = js;

        public string IdPrefix { get; } = idPrefix;

        public byte[] Buffer { get; set; } = buffer;
    }
}
