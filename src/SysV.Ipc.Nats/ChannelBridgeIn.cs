namespace SysV.Ipc.Nats;

/// <summary>
/// Moves messages from JetStream into a <see cref="SharedMemoryChannel"/> on this host, as a hosted service
/// (the bridge is one of the channel's writers): each message is written to the ring and acknowledged only
/// after that succeeded. A full ring is backpressure: the bridge holds the message and pulls nothing more
/// until the reader makes room. A message longer than the channel's maximum is parked in a file, logged
/// and counted. The message type (<c>Sysv-Type</c>) does not carry over: a channel's messages have none.
/// </summary>
/// <remarks>
/// As for <see cref="QueueBridgeIn"/>, the stream sequence of the last message written is recorded in a
/// small shared memory segment right after each write, so a crash duplicates at most the one message
/// written in the instant before that record.
/// </remarks>
public sealed class ChannelBridgeIn : NatsBridge
{
    private readonly ChannelBridgeInOptions _options;
    private readonly InboundPump _pump;

    /// <summary>Creates the bridge; nothing happens until the host starts it.</summary>
    /// <param name="options">Subject, channel, server, consumer.</param>
    /// <param name="logger">Where it logs (none by default).</param>
    /// <param name="meterFactory">The host's meter factory for <see cref="NatsBridge.Metrics"/>, or <see langword="null"/>.</param>
    public ChannelBridgeIn(ChannelBridgeInOptions options, ILogger<ChannelBridgeIn>? logger = null, IMeterFactory? meterFactory = null)
        : base(BridgeDirection.In, BridgedObject.Channel(Validated(options).ChannelKey), logger, meterFactory)
    {
        _options = options;
        _pump = new InboundPump(options, Target, Metrics, Logger);
    }

    /// <summary>The durable consumer's name.</summary>
    public string Durable => _pump.Durable;

    private protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using SharedMemoryChannel channel = OpenChannel();
        using BridgeLock bridgeLock = AcquireLock();
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        await PumpAsync(_pump, bridgeLock, _options.Url, (msg, body, sequence, ct) => DeliverAsync(msg, body, sequence, writer, ct), stoppingToken).ConfigureAwait(false);
    }

    private static ChannelBridgeInOptions Validated(ChannelBridgeInOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ValidatedIn(options, options.ChannelKey, "channel");
    }

    private SharedMemoryChannel OpenChannel()
    {
        if (!_options.CreateChannel)
        {
            return SharedMemoryChannel.Open(_options.ChannelKey);
        }

        while (true)
        {
            if (SharedMemoryChannel.TryOpen(_options.ChannelKey, out SharedMemoryChannel? existing))
            {
                return existing;
            }

            try
            {
                return SharedMemoryChannel.Create(_options.ChannelKey, _options.ChannelCapacity, new SharedMemoryChannelOptions { Permissions = _options.ChannelPermissions });
            }
            catch (IpcObjectExistsException)
            {
                // Created meanwhile by someone else: open that one.
            }
        }
    }

    private async Task<bool> DeliverAsync(NatsJSMsg<byte[]> msg, byte[] body, ulong sequence, SharedMemoryChannelWriter writer, CancellationToken cancellationToken)
    {
        int limit = writer.Channel.MaxMessageSize;
        if (body.Length > limit)
        {
            string? type = msg.Headers is { } headers && headers.TryGetLastValue(BridgeHeaders.MessageType, out string? t) ? t : null;
            _pump.Park(msg, body, sequence, type, string.Create(CultureInfo.InvariantCulture, $"{body.Length} bytes is more than channel {Target.KeyText}'s largest message of {limit} bytes: create it with a larger capacity, or send smaller messages"));
            return true;
        }

        if (!writer.TryWrite(body))
        {
            await _pump.WaitForRoomAsync(msg, sequence, () => writer.TryWrite(body), cancellationToken).ConfigureAwait(false);
        }

        Metrics.Moved(body.Length);
        return true;
    }
}
