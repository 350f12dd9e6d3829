namespace SysV.Ipc;

/// <summary>
/// The byte layout of a channel segment (format version 2; docs/channel-format.md). All integers are little-endian, in the
/// machine's native order; docs/channels.md draws the same map.
/// The normative description, shared with the C library (native/), is docs/channel-format.md: change
/// this layout or its ordering rules only together with that page and <see cref="Version"/>.
/// </summary>
/// <remarks>
/// <code>
/// 0      header block: magic, version, ring offset, capacity, max message size, mode, producer slots,
///        completion flag, creation epoch, creator pid
/// 128    tail: the next position producers write or claim (bytes, monotonic, never wraps)
/// 256    cached head: the last head a multi-producer writer read (spares the consumer's line)
/// 384    head: what the consumer has released; consumed position: what it has handed out
/// 512    consumer wake word: data sequence (futex), consumer-sleeping flag
/// 640    producer wake word: space sequence (futex), number of sleeping producers
/// 768    participant slots, 128 bytes each: slot 0 the consumer, then the producers
/// ring   at the next 4 KiB boundary: capacity bytes (a power of two) of records
/// </code>
/// A record is 8-byte aligned: int32 frame length (header included; 0 = nothing committed yet, negative =
/// claimed and being written by a multi-producer writer), int32 type tag, then the payload.
/// A padding record always runs exactly to the ring's end; a skip record is an aborted claim.
/// </remarks>
internal static class ChannelLayout
{
    internal const long Magic = 0x314E_4843_5653_5953; // "SYSVCHN1" in memory order
    internal const int Version = 2;

    internal const int BlockSize = 128;
    internal const int HeaderOffset = 0;
    internal const int TailOffset = 128;
    internal const int CachedHeadOffset = 256;
    internal const int HeadOffset = 384;
    internal const int ConsumedOffset = 384 + 8;
    internal const int DataSequenceOffset = 512;
    internal const int ConsumerSleepingOffset = 512 + 4;
    internal const int SpaceSequenceOffset = 640;
    internal const int ProducersSleepingOffset = 640 + 4;
    internal const int SlotsOffset = 768;
    internal const int SlotSize = 128;
    internal const int RingAlignment = 4096;

    // Header fields (within the header block).
    internal const int MagicField = 0;
    internal const int VersionField = 8;
    internal const int RingOffsetField = 12;
    internal const int CapacityField = 16;
    internal const int MaxMessageSizeField = 24;
    internal const int ModeField = 28;
    internal const int ProducerSlotsField = 32;
    internal const int CompletedField = 36;
    internal const int CreationEpochField = 40;
    internal const int CreatorPidField = 48;

    // Participant slot fields.
    internal const int SlotOwner = 0;       // ParticipantIdentity word (pid and start time); 0 = free
    internal const int SlotRole = 8;        // ChannelRole
    internal const int SlotSleeping = 12;   // 1 while this producer is counted in the sleeping producers
    internal const int SlotHeartbeat = 16;  // CLOCK_MONOTONIC milliseconds of its last slow-path visit
    internal const int SlotClaimPosition = 24; // multi-producer: start of its current or last claim
    internal const int SlotClaimSize = 32;     // multi-producer: bytes of that claim (padding included)

    // Record header.
    internal const int RecordHeaderSize = 8;
    internal const int DataTag = 0x4D53_4701;    // tags with many set bits, so stray bytes are rarely taken for a record
    internal const int PaddingTag = 0x4D53_4702; // runs exactly to the ring's end, never at offset 0
    internal const int SkipTag = 0x4D53_4703;    // an aborted multi-producer claim: a record without a message

    internal const long MinCapacity = 1024;
    internal const long MaxCapacity = 1L << 40;
    internal const int MaxProducerSlots = 1024;

    internal static long RingOffset(int producerSlots) =>
        AlignUp(SlotsOffset + ((long)SlotSize * (producerSlots + 1)), RingAlignment);

    internal static long SlotOffset(int slot) => SlotsOffset + ((long)SlotSize * slot);

    internal static long AlignUp(long value, long alignment) => (value + alignment - 1) & ~(alignment - 1);

    /// <summary>The ring bytes a message of this payload length occupies (header included, 8-aligned).</summary>
    internal static long RecordSize(int payloadLength) => AlignUp(RecordHeaderSize + (long)payloadLength, 8);
}
