namespace SysV.Ipc;

/// <summary>
/// What a broadcast channel (mode 3, format version 3) adds to <see cref="ChannelLayout"/>: the policy fields of
/// the header, the published gate, the readers' cursor blocks and the 16-byte record header that carries the
/// record's position (docs/channel-format.md, section 11).
/// </summary>
/// <remarks>
/// <code>
/// 0      header block as in version 2 (mode 3, producer slots 1), then reader slots, policy, drop-after
/// 128    tail: the next position the writer writes (bytes, monotonic)
/// 256    gate: positions below it the writer may overwrite (published before it does)
/// 512    readers' wake word: data sequence (futex), some-reader-sleeping flag
/// 640    writer's wake word: space sequence (futex), sleeping writers
/// 768    slot 0: unused; slot 1: the writer's participant slot
/// 1024   reader blocks, 128 bytes each: owner, state, heartbeat, cursor, drop record
/// ring   at the next 4 KiB boundary
/// </code>
/// A record is 16-byte aligned: int32 frame (16 + payload length), int32 tag, int64 sequence = the record's
/// position + 1 (stored last, with release: the commit), then the payload.
/// </remarks>
internal static class BroadcastLayout
{
    internal const int Version = 3;

    // Header fields beyond version 2's (within the header block).
    internal const int ReaderSlotsField = 52;
    internal const int PolicyField = 56;      // 0 block, 1 drop after
    internal const int DropAfterField = 64;   // nanoseconds, > 0 with policy 1, 0 with policy 0

    internal const int GateOffset = 256;
    internal const int WriterSlot = 1;
    internal const int ReaderBlocksOffset = ChannelLayout.SlotsOffset + (2 * ChannelLayout.SlotSize);

    // Reader block fields.
    internal const int ReaderOwner = 0;        // ParticipantIdentity; 0 = free
    internal const int ReaderRole = 8;         // ChannelRole.Consumer
    internal const int ReaderState = 12;       // StateFree, StateActive, StateDropped
    internal const int ReaderHeartbeat = 16;
    internal const int ReaderCursor = 24;      // what this reader has read, as last published (the writer's gate)
    internal const int ReaderDroppedAt = 32;   // its cursor when the writer dropped it
    internal const int ReaderDroppedTail = 40; // the writer's tail then

    internal const int StateFree = 0;    // joining or leaving: the writer does not wait for it
    internal const int StateActive = 1;  // the writer does not overwrite what it has not read
    internal const int StateDropped = 2; // the writer gave up on it (drop-after policy)

    internal const int PolicyBlock = 0;
    internal const int PolicyDropAfter = 1;

    internal const int RecordHeaderSize = 16;
    internal const int SequenceField = 8;
    internal const int RecordAlignment = 16;

    internal const int MaxReaderSlots = 1024;

    internal static long RingOffset(int readers) =>
        ChannelLayout.AlignUp(ReaderBlocksOffset + ((long)ChannelLayout.SlotSize * readers), ChannelLayout.RingAlignment);

    internal static long ReaderBlockOffset(int reader) => ReaderBlocksOffset + ((long)ChannelLayout.SlotSize * reader);

    /// <summary>The ring bytes a message of this payload length occupies (header included, 16-aligned).</summary>
    internal static long RecordSize(int payloadLength) => ChannelLayout.AlignUp(RecordHeaderSize + (long)payloadLength, RecordAlignment);

    /// <summary>The largest payload a ring of this capacity takes: its record must fit in half the ring.</summary>
    internal static long LargestMessage(long capacity) => Math.Min((capacity / 2) - RecordHeaderSize, int.MaxValue - 31);
}
