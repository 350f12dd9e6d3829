using System.Buffers;

namespace SysV.Ipc.Nats;

/// <summary>
/// Moves the messages of a <see cref="SharedMemoryChannel"/> on this host to JetStream, as a hosted service
/// (the bridge is the channel's reader): at least once, nothing lost. Each message is looked at in place
/// (<see cref="SharedMemoryChannelReader.TryPeek"/>, no copy out of shared memory), published, and consumed
/// (<see cref="SharedMemoryChannelReader.Advance"/>) only after JetStream acknowledged it.
/// </summary>
/// <remarks>
/// The message id is made of host, channel key, the channel's identity (creator pid and creation time) and
/// the message's ring position (<see cref="SharedMemoryChannelReader.Position"/>), which names it for the
/// channel's life. A bridge that dies is replaced by one that resumes where the channel's last hand-back
/// was and reads the messages since then again, at the same positions: they are published again with the
/// same ids, and JetStream's duplicate window drops them. So no duplicate reaches a consumer unless the
/// bridge stays down longer than the duplicate window. Messages are published one at a time (the reader
/// can look at one message at a time), so this bridge's rate is one JetStream round trip per message.
/// <para>
/// A <see cref="ChannelMode.Broadcast"/> channel's bridge is one more reader (one of its reader places; the
/// other readers are not affected). It copies each message and publishes the copy once
/// <see cref="SharedMemoryChannelReader.Advance"/> found it intact, and records where it joined (as soon as
/// it joined) and then the position after each acknowledged message in a state segment; a bridge that replaces a dead one joins at the oldest message
/// the ring holds and skips what that record says was published. The broadcast writer frees a dead reader's
/// place when it needs the room, so what it overwrote while no bridge ran (or after dropping a slow bridge
/// under a drop-after policy) is lost to JetStream: logged as an error and counted
/// (<see cref="BridgeMetrics.LostBytes"/>), never silent. A bridge stopped cleanly leaves the broadcast; the
/// next one starts with the next message.
/// </para>
/// </remarks>
public sealed class ChannelBridgeOut : NatsBridge
{
    private readonly ChannelBridgeOutOptions _options;

    /// <summary>Creates the bridge; nothing happens until the host starts it.</summary>
    /// <param name="options">Channel, subject, server.</param>
    /// <param name="logger">Where it logs (none by default).</param>
    /// <param name="meterFactory">The host's meter factory for <see cref="NatsBridge.Metrics"/>, or <see langword="null"/>.</param>
    public ChannelBridgeOut(ChannelBridgeOutOptions options, ILogger<ChannelBridgeOut>? logger = null, IMeterFactory? meterFactory = null)
        : base(BridgeDirection.Out, BridgedObject.Channel(Validated(options).ChannelKey), logger, meterFactory)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Type, nameof(options.Type));
        _options = options;
    }

    private static ChannelBridgeOutOptions Validated(ChannelBridgeOutOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ValidatedOut(options, options.ChannelKey, "channel");
    }

    private protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Open(_options.ChannelKey);
        using BridgeLock bridgeLock = AcquireLock();
        bool broadcast = channel.Mode == ChannelMode.Broadcast;
        using BroadcastOutState? broadcastState = broadcast ? BroadcastOutState.OpenOrCreate(Target, channel) : null;
        // A broadcast reader that died lost its place: its successor joins at the oldest message still held
        // and skips what the record says was published. A first bridge is a new subscriber (next message).
        long skipBelow = broadcastState?.ResumeAt ?? -1;
        using SharedMemoryChannelReader reader = skipBelow >= 0 ? channel.OpenReader(ReaderStart.Oldest) : channel.OpenReader();
        if (broadcastState is not null)
        {
            JoinBroadcast(reader, skipBelow);
            // The record says where this bridge joined before it publishes anything: a bridge killed before its
            // first acknowledgement leaves its successor that place, not "none" (which would make the successor a
            // new subscriber, at the next message, and lose everything written since this one joined). Only a
            // SIGKILL between opening the reader and this write (no publication possible yet) still leaves none.
            // After a loss the record moves up to the oldest held message, so the loss is told once.
            broadcastState.Published(Math.Max(skipBelow, reader.Position));
        }

        // A broadcast writer may overwrite a peeked message (a drop-after policy, or old records while a reader
        // that joined at the oldest catches up): copy it, and publish the copy only when Advance found it intact.
        bool copy = broadcast;
        await using NatsConnection connection = await ConnectAsync(_options.Url, stoppingToken).ConfigureAwait(false);
        var js = new NatsJSContext(connection);
        string subject = NatsSubject.ForType(_options.Subject, _options.Type);
        string stream = await StreamBinding.EnsureAsync(js, _options, subject, Logger, stoppingToken).ConfigureAwait(false);

        string idPrefix = string.Create(CultureInfo.InvariantCulture, $"{_options.HostId}.{Target.KeyText}.{channel.CreatorProcessId:x}-{channel.CreatedAt.ToUnixTimeMilliseconds():x}.");
        var headers = new NatsHeaders
        {
            [BridgeHeaders.MessageType] = _options.Type.ToString(CultureInfo.InvariantCulture),
            [BridgeHeaders.Host] = _options.HostId,
            [BridgeHeaders.Channel] = Target.KeyText,
        };
        Log.OutStarted(Logger, Target.ToString(), _options.Subject, stream, idPrefix);
        SetReady();

        // A message in flight is finished even when a stop is asked meanwhile, unless that takes 5 s.
        using var publishStop = new CancellationTokenSource();
        using CancellationTokenRegistration stopRegistration = stoppingToken.Register(() => publishStop.CancelAfter(TimeSpan.FromSeconds(5)));
        while (!stoppingToken.IsCancellationRequested)
        {
            bool duplicate;
            int length;
            try
            {
                if (!reader.TryPeek(out ReadOnlySpan<byte> message))
                {
                    if (!await WaitAsync(reader, stoppingToken).ConfigureAwait(false))
                    {
                        Log.ChannelCompleted(Logger);
                        break;
                    }

                    continue;
                }

                long position = reader.Position;
                if (position < skipBelow)
                {
                    reader.Advance(); // a previous bridge's, acknowledged by JetStream
                    Metrics.Redelivered();
                    continue;
                }

                string id = idPrefix + position.ToString(CultureInfo.InvariantCulture);
                length = message.Length;
                if (copy)
                {
                    byte[] body = message.ToArray();
                    reader.Advance(); // throws if the writer overwrote the message meanwhile; the copy is then discarded
                    duplicate = await PublishAsync(js, subject, body, id, headers, publishStop.Token).ConfigureAwait(false);
                }
                else
                {
                    // The bytes stay in shared memory, mapped and unchanged by the protocol, until Advance: no copy.
                    using var memory = new UnmanagedMemory(message);
                    duplicate = await PublishAsync(js, subject, memory.Memory, id, headers, publishStop.Token).ConfigureAwait(false);
                    reader.Advance();
                }
            }
            catch (ChannelReaderDroppedException dropped)
            {
                Metrics.LostBytesAdd(dropped.BytesBehind);
                Log.BroadcastLost(Logger, Target.KeyText, dropped.BytesBehind, "dropped as a slow reader, or overwritten while it caught up on old messages; it reads on from the newest");
                continue;
            }

            broadcastState?.Published(reader.Position);
            if (duplicate)
            {
                Metrics.Redelivered();
            }
            else
            {
                Metrics.Moved(length);
            }
        }

        bridgeLock.ReleaseAndRemove();
        broadcastState?.Remove(); // a stopped bridge leaves the broadcast: a new one starts at the next message
        LogStopped();
    }

    /// <summary>Says where the broadcast reader starts, and tells the messages overwritten since the previous bridge's last publication.</summary>
    private void JoinBroadcast(SharedMemoryChannelReader reader, long resumeAt)
    {
        if (resumeAt < 0)
        {
            Log.BroadcastJoined(Logger, $"a new reader from the next message (position {reader.Position})");
            return;
        }

        Log.BroadcastJoined(Logger, $"resuming after the previous bridge's last published message (position {resumeAt}), from the oldest message held (position {reader.Position})");
        if (reader.Position > resumeAt)
        {
            Metrics.LostBytesAdd(reader.Position - resumeAt);
            Log.BroadcastLost(Logger, Target.KeyText, reader.Position - resumeAt, "no bridge was reading while the writer needed the room");
        }
    }

    /// <summary>Waits for a message; false when the channel was completed and is drained. A writer that died is waited out.</summary>
    private static async Task<bool> WaitAsync(SharedMemoryChannelReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await Task.Run(() => reader.WaitToRead(TimeSpan.FromSeconds(1), cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return true; // the loop sees the stop
        }
        catch (ChannelPeerDiedException)
        {
            // Every writer died with the ring empty: another may open the channel; look again soon.
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
            return true;
        }
    }

    /// <summary>Publishes until JetStream acknowledges (retrying with backoff); true when it said it already had the id.</summary>
    private async Task<bool> PublishAsync(NatsJSContext js, string subject, ReadOnlyMemory<byte> body, string id, NatsHeaders headers, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));
        while (true)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.AckTimeout);
                PubAckResponse ack = await js.PublishAsync(subject, body, opts: new NatsJSPubOpts { MsgId = id }, headers: headers, cancellationToken: timeout.Token).ConfigureAwait(false);
                if (ack.Error is { } error)
                {
                    throw new NatsJSException($"JetStream refused the message: {error.Description} ({error.ErrCode})");
                }

                return ack.Duplicate;
            }
            catch (NatsJSDuplicateMessageException)
            {
                return true;
            }
            catch (Exception e) when (e is NatsException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                TimeSpan delay = backoff.Next();
                Log.PublishFailed(Logger, e.GetBaseException().Message, 1, delay.TotalSeconds);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A <see cref="Memory{T}"/> over bytes in shared memory (not the GC heap, so never moved) that stay mapped while it is used.</summary>
    private sealed unsafe class UnmanagedMemory : MemoryManager<byte>
    {
        private readonly byte* _pointer;
        private readonly int _length;

        public UnmanagedMemory(ReadOnlySpan<byte> bytes)
        {
            fixed (byte* pointer = bytes)
            {
                _pointer = pointer;
            }

            _length = bytes.Length;
        }

        public override Span<byte> GetSpan() => new(_pointer, _length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
