namespace SysV.Ipc;

/// <summary>
/// How writers claim and commit records in the ring: one implementation per channel algorithm
/// (<see cref="SingleProducerRing"/>, <see cref="MultiProducerRing"/>, <see cref="BroadcastRing"/>).
/// Implemented by structs and used through generic methods constrained to them, so the JIT compiles one
/// copy of the writer's fast path per algorithm with these calls inlined: no interface dispatch per message.
/// </summary>
internal unsafe interface IProducerRing
{
    /// <summary>The bytes of a record's header in this algorithm's format (8, or 16 for broadcast records that carry their sequence).</summary>
    static abstract int HeaderSize { get; }

    /// <summary>The ring bytes a record of <paramref name="length"/> payload bytes occupies, header and alignment included.</summary>
    static abstract long RecordSize(int length);

    /// <summary>Reserves <paramref name="size"/> ring bytes (a record of <paramref name="length"/> payload bytes) if there is room now; returns the record's address.</summary>
    bool TryClaim(int length, long size, out byte* record);

    /// <summary>Makes the claimed record visible to the reader (the store of its frame length).</summary>
    void Commit(byte* record, int frame, long size);

    /// <summary>Gives the claimed record back without a message.</summary>
    void Abort(byte* record, long size);

    /// <summary>Whether a record of <paramref name="size"/> bytes would fit now (a fresh look at the reader's head).</summary>
    bool HasRoom(long size);

    /// <summary>Dispose's clean-up, through the channel's mapping (<paramref name="control"/>) and from what the segment says; the writer's own mapping is already replaced.</summary>
    void Leave(ChannelMemory control, int slot);
}
