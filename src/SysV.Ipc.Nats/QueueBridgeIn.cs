using System.Diagnostics;

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
public sealed class QueueBridgeIn : NatsBridge
{
    private readonly QueueBridgeInOptions _options;
    private readonly InboundPump _pump;
    private int _limit;
    private long _limitRead;

    /// <summary>Creates the bridge; nothing happens until the host starts it.</summary>
    /// <param name="options">Subject, queue, server, consumer.</param>
    /// <param name="logger">Where it logs (none by default).</param>
    /// <param name="meterFactory">The host's meter factory for <see cref="NatsBridge.Metrics"/>, or <see langword="null"/>.</param>
    public QueueBridgeIn(QueueBridgeInOptions options, ILogger<QueueBridgeIn>? logger = null, IMeterFactory? meterFactory = null)
        : base(BridgeDirection.In, BridgedObject.Queue(Validated(options).QueueKey), logger, meterFactory)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.DefaultType, nameof(options.DefaultType));
        _options = options;
        _pump = new InboundPump(options, Target, Metrics, Logger);
    }

    /// <summary>The durable consumer's name.</summary>
    public string Durable => _pump.Durable;

    private protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using MessageQueue queue = _options.CreateQueue ? MessageQueue.OpenOrCreate(_options.QueueKey, new MessageQueueCreateOptions { Permissions = _options.QueuePermissions }) : MessageQueue.Open(_options.QueueKey);
        using BridgeLock bridgeLock = AcquireLock();
        await PumpAsync(_pump, bridgeLock, _options.Url, (msg, body, sequence, ct) => DeliverAsync(msg, body, sequence, queue, ct), stoppingToken).ConfigureAwait(false);
    }

    private static QueueBridgeInOptions Validated(QueueBridgeInOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ValidatedIn(options, options.QueueKey, "queue");
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
                _pump.Park(msg, body, sequence, typeText, $"its {BridgeHeaders.MessageType} header '{typeText}' is not a positive message type");
                return true;
            }
        }

        int limit = MessageLimit(queue);
        if (body.Length > limit)
        {
            _pump.Park(msg, body, sequence, type.ToString(CultureInfo.InvariantCulture), $"{body.Length} bytes is more than this host's MSGMAX of {limit} bytes (/proc/sys/kernel/msgmax): raise it here, or send smaller messages");
            return true;
        }

        if (!queue.TrySend(type, body))
        {
            await _pump.WaitForRoomAsync(msg, sequence, () => queue.TrySend(type, body), cancellationToken).ConfigureAwait(false);
        }

        Metrics.Moved(body.Length);
        return true;
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
}
