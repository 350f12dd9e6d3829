namespace SysV.Ipc.Nats;

/// <summary>
/// The bridges' counters, on the meter <c>SysV.Ipc.Nats</c> (System.Diagnostics.Metrics: dotnet-counters,
/// OpenTelemetry). Every instrument is tagged with <c>direction</c> (out or in) and <c>queue</c> or
/// <c>channel</c> (the bridged object's key, 0x%08x).
/// </summary>
public sealed class BridgeMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "SysV.Ipc.Nats";

    private readonly Meter _meter;
    private readonly KeyValuePair<string, object?>[] _tags;
    private readonly Counter<long> _messages;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _redeliveries;
    private readonly Counter<long> _parked;
    private readonly Counter<long> _lost;
    private long _messageCount;
    private long _byteCount;
    private long _redeliveryCount;
    private long _parkedCount;
    private long _lostBytes;
    private long _lag;
    private long _fallbacks;

    /// <summary>Creates the instruments for one bridge.</summary>
    /// <param name="direction">The bridge's direction.</param>
    /// <param name="queueKey">The bridged queue's key.</param>
    /// <param name="meterFactory">The host's meter factory, or <see langword="null"/> for a meter of this object's own.</param>
    public BridgeMetrics(BridgeDirection direction, IpcKey queueKey, IMeterFactory? meterFactory = null)
        : this(direction, BridgedObject.Queue(queueKey), meterFactory)
    {
    }

    internal BridgeMetrics(BridgeDirection direction, BridgedObject target, IMeterFactory? meterFactory)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _tags =
        [
            new("direction", direction == BridgeDirection.Out ? "out" : "in"),
            new(target.Noun, target.KeyText),
        ];
        _messages = _meter.CreateCounter<long>("sysvipc.bridge.messages", "{message}", "Messages moved (published and acknowledged by JetStream, or put into the queue).");
        _bytes = _meter.CreateCounter<long>("sysvipc.bridge.bytes", "By", "Message body bytes moved.");
        _redeliveries = _meter.CreateCounter<long>("sysvipc.bridge.redeliveries", "{message}", "Messages seen again after a crash or reconnect: republished with their old id (out; JetStream drops the copy) or redelivered and skipped (in).");
        _parked = _meter.CreateCounter<long>("sysvipc.bridge.parked", "{message}", "Messages that cannot be delivered on this host (larger than MSGMAX, or without a valid type), set aside in the park directory.");
        _lost = _meter.CreateCounter<long>("sysvipc.bridge.lost", "By", "Broadcast channel out: bytes of messages the channel's writer overwrote before this bridge read them (it was down, or dropped as a slow reader), each told in an error log line.");
        _meter.CreateObservableGauge("sysvipc.bridge.lag", () => new Measurement<long>(Volatile.Read(ref _lag), _tags), "{message}", "Messages waiting: still in the queue (out) or still in the stream for this consumer (in).");
    }

    /// <summary>Messages moved so far.</summary>
    public long Messages => Volatile.Read(ref _messageCount);

    /// <summary>Body bytes moved so far.</summary>
    public long Bytes => Volatile.Read(ref _byteCount);

    /// <summary>Messages republished (out) or redelivered (in) after a crash or reconnect.</summary>
    public long Redeliveries => Volatile.Read(ref _redeliveryCount);

    /// <summary>Messages parked because they cannot be delivered on this host.</summary>
    public long Parked => Volatile.Read(ref _parkedCount);

    /// <summary>Bytes of a broadcast channel's messages the writer overwrote before the out bridge read them (never for queues and single-reader channels).</summary>
    public long LostBytes => Volatile.Read(ref _lostBytes);

    /// <summary>The last lag measured.</summary>
    public long Lag => Volatile.Read(ref _lag);

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();

    internal void Moved(int bytes)
    {
        Interlocked.Increment(ref _messageCount);
        Interlocked.Add(ref _byteCount, bytes);
        _messages.Add(1, _tags);
        _bytes.Add(bytes, _tags);
    }

    internal void Redelivered(int count = 1)
    {
        Interlocked.Add(ref _redeliveryCount, count);
        _redeliveries.Add(count, _tags);
    }

    internal void LostBytesAdd(long bytes)
    {
        Interlocked.Add(ref _lostBytes, bytes);
        _lost.Add(bytes, _tags);
    }

    internal void ParkedOne()
    {
        Interlocked.Increment(ref _parkedCount);
        _parked.Add(1, _tags);
    }

    /// <summary>Batches whose pipelined publication broke off (a reconnect, another publisher in between): the rest went one at a time.</summary>
    public long Fallbacks => Volatile.Read(ref _fallbacks);

    internal void Fallback() => Interlocked.Increment(ref _fallbacks);

    internal void SetLag(long lag) => Volatile.Write(ref _lag, lag);
}
