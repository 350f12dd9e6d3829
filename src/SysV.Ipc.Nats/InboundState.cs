namespace SysV.Ipc.Nats;

/// <summary>
/// The in bridge's record, in its host's IPC namespace: the stream and the stream sequence of the last
/// message it put into the queue (or channel). Written right after each msgsnd (or channel write), so a restarted bridge skips what it
/// already delivered (a redelivery is acknowledged, not sent twice).
/// </summary>
/// <remarks>Layout: magic u64 @0, queue or channel key i64 @8, stream name hash u64 @16, last stream sequence u64 @24.</remarks>
internal sealed class InboundState : IDisposable
{
    private const ulong Magic = 0x3130_4e49_4942_5653; // "SVBIIN01"
    private readonly StateSegment _segment;

    private InboundState(StateSegment segment) => _segment = segment;

    public ulong LastSequence => _segment.ReadUInt64(24);

    public static InboundState OpenOrCreate(BridgedObject target, string stream)
    {
        IpcKey queueKey = target.Key;
        IpcKey key = BridgeKeys.For(BridgeDirection.In, target);
        return StateSegment.OpenOrCreate(key, segment =>
        {
            ulong streamHash = BridgeKeys.HashName(stream);
            ulong magic = segment.ReadUInt64(0);
            if (magic == 0)
            {
                segment.Clear();
                segment.WriteInt64(8, queueKey.Value);
                segment.WriteUInt64(16, streamHash);
                segment.WriteUInt64(0, Magic);
            }
            else if (magic != Magic || (int)segment.ReadInt64(8) != queueKey.Value)
            {
                throw StateSegment.Foreign(key, $"an in bridge's state for {target}");
            }
            else if (segment.ReadUInt64(16) != streamHash)
            {
                // Another stream: its sequence numbers mean nothing here.
                segment.WriteUInt64(24, 0);
                segment.WriteUInt64(16, streamHash);
            }

            return new InboundState(segment);
        });
    }

    public void Delivered(ulong streamSequence) => _segment.WriteUInt64(24, streamSequence);

    public void Remove() => _segment.Remove();

    public void Dispose() => _segment.Dispose();
}
