namespace SysV.Ipc.Nats;

/// <summary>
/// The out bridge's record of the batch it is publishing: an epoch (new for every new state, so ids never
/// repeat after the host's IPC objects are lost), the batch's first sequence number, and for each message
/// its type, length and hash, plus how many of them were already removed from the queue and whether a
/// removal was under way. A restarted bridge reads it to republish the same messages with the same ids
/// (JetStream drops what it already has) and never removes a message twice.
/// </summary>
/// <remarks>Layout (little-endian): magic u64 @0, queue key i32 @8, epoch u64 @16, first sequence u64 @24,
/// count u32 @32, progress u32 @36 (removed messages times 2, plus 1 while a removal is under way: one
/// store records both), then per message {type i64, hash u64, length u64} @48.</remarks>
internal sealed class OutboundState : IDisposable
{
    public const int MaxBatch = 128;
    private const ulong Magic = 0x3130_5455_4f42_5653; // "SVBOUT01"
    private const int EntriesOffset = 48;
    private const int EntrySize = 24;

    private readonly StateSegment _segment;

    private OutboundState(StateSegment segment) => _segment = segment;

    public ulong Epoch => _segment.ReadUInt64(16);

    public ulong FirstSequence => _segment.ReadUInt64(24);

    public int Count => (int)_segment.ReadUInt32(32);

    public int Removed => (int)(_segment.ReadUInt32(36) >> 1);

    public bool Removing => (_segment.ReadUInt32(36) & 1) != 0;

    public static OutboundState OpenOrCreate(IpcKey queueKey)
    {
        IpcKey key = BridgeKeys.For(BridgeDirection.Out, BridgedObject.Queue(queueKey));
        return StateSegment.OpenOrCreate(key, segment =>
        {
            ulong magic = segment.ReadUInt64(0);
            if (magic == 0 && segment.ReadUInt64(16) == 0)
            {
                // New (zero-filled): a fresh epoch, no batch.
                segment.Clear();
                segment.WriteInt64(8, queueKey.Value);
                segment.WriteUInt64(16, NewEpoch());
                segment.WriteUInt64(24, 1);
                segment.WriteUInt64(0, Magic);
            }
            else if (magic != Magic || (int)segment.ReadInt64(8) != queueKey.Value)
            {
                throw StateSegment.Foreign(key, $"an out bridge's state for queue {BridgeKeys.Describe(queueKey)}");
            }

            var state = new OutboundState(segment);
            state.Validate(key);
            return state;
        });
    }

    public (long Type, ulong Hash, int Length) Entry(int index)
    {
        int offset = EntriesOffset + (index * EntrySize);
        return (_segment.ReadInt64(offset), _segment.ReadUInt64(offset + 8), (int)_segment.ReadUInt64(offset + 16));
    }

    /// <summary>Records a new batch before any of it is published.</summary>
    public void BeginBatch(ulong firstSequence, ReadOnlySpan<PeekedMessage> messages)
    {
        // Count 0 first: a crash while the entries are written leaves "no batch", not a half-written one.
        _segment.WriteUInt32(32, 0);
        _segment.WriteUInt32(36, 0);
        for (int i = 0; i < messages.Length; i++)
        {
            int offset = EntriesOffset + (i * EntrySize);
            _segment.WriteInt64(offset, messages[i].Type);
            _segment.WriteUInt64(offset + 8, messages[i].Hash);
            _segment.WriteUInt64(offset + 16, (ulong)messages[i].Body.Length);
        }

        _segment.WriteUInt64(24, firstSequence);
        _segment.WriteUInt32(32, (uint)messages.Length);
    }

    /// <summary>Marks that message <paramref name="index"/> is about to be removed from the queue.</summary>
    public void BeginRemoval(int index) => _segment.WriteUInt32(36, ((uint)index << 1) | 1);

    /// <summary>Marks message <paramref name="index"/> removed.</summary>
    public void EndRemoval(int index) => _segment.WriteUInt32(36, (uint)(index + 1) << 1);

    /// <summary>The batch is done: the next one starts after it.</summary>
    public void EndBatch()
    {
        ulong next = FirstSequence + (ulong)Count;
        _segment.WriteUInt32(32, 0);
        _segment.WriteUInt32(36, 0);
        _segment.WriteUInt64(24, next);
    }

    public void Remove() => _segment.Remove();

    public void Dispose() => _segment.Dispose();

    private static ulong NewEpoch()
    {
        ulong epoch = (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        return epoch;
    }

    private void Validate(IpcKey key)
    {
        int count = Count;
        int removed = Removed;
        if (count < 0 || count > MaxBatch || removed < 0 || removed > count || Epoch == 0 || FirstSequence == 0 || (Removing && removed >= count))
        {
            throw new BridgeStateFormatException($"The out bridge's state in shared memory segment {BridgeKeys.Describe(key)} is damaged (batch of {count}, {removed} removed): remove it (sysvipc rm -M {BridgeKeys.Describe(key)}) and restart; messages still in the queue are then published again with new ids (duplicates, nothing lost).");
        }
    }
}
