namespace SysV.Ipc;

/// <summary>
/// Several writers (in the model of Agrona's ManyToOneRingBuffer): each claims space with a
/// compare-and-swap on the shared tail, after recording the claim in its participant slot (so the reader
/// can skip it if the writer dies before committing); records commit out of order, the reader consumes
/// them in order and zeroes what it consumed (docs/channel-format.md, section 4.2).
/// </summary>
internal unsafe struct MultiProducerRing : IProducerRing
{
    private readonly ChannelMemory _m;
    private readonly byte* _ring;
    private readonly long _mask;
    private readonly long _capacity;
    private readonly byte* _slot;
    private long _claimPosition; // the position of the record this writer last claimed; -1 before the first

    internal MultiProducerRing(ChannelMemory m, int slot)
    {
        _m = m;
        _ring = m.Ring;
        _mask = m.Mask;
        _capacity = m.Capacity;
        _slot = m.Slot(slot);
        _claimPosition = -1;
    }

    public static int HeaderSize => ChannelLayout.RecordHeaderSize;

    public static long RecordSize(int length) => ChannelLayout.RecordSize(length);

    public bool TryClaim(int length, long size, out byte* record)
    {
        while (true)
        {
            long tail = Volatile.Read(ref *_m.Tail);
            _m.CheckTail(tail);
            long head = Volatile.Read(ref *_m.CachedHead);
            long index = tail & _mask;
            long room = _capacity - index;
            long needed = size <= room ? size : room + size;
            if (head > tail || tail + needed - head > _capacity)
            {
                head = _m.ReadHead(tail);
                if (head < 0)
                {
                    continue; // another writer moved the tail, and the reader followed
                }

                if (head > Volatile.Read(ref *_m.CachedHead))
                {
                    Volatile.Write(ref *_m.CachedHead, head);
                }

                if (tail + needed - head > _capacity)
                {
                    record = null;
                    return false;
                }
            }

            // Say what we are about to claim before claiming it (the CAS is a full fence): the reader uses
            // this to skip the claim if this process dies before committing, and never while it lives.
            ParticipantTable.RecordClaim(_slot, tail, needed);
            if (Interlocked.CompareExchange(ref *_m.Tail, tail + needed, tail) != tail)
            {
                continue;
            }

            if (size > room)
            {
                byte* padding = _ring + index;
                *(int*)(padding + 4) = ChannelLayout.PaddingTag;
                Volatile.Write(ref *(int*)padding, (int)room);
                index = 0;
            }

            record = _ring + index;
            *(int*)(record + 4) = ChannelLayout.DataTag;
            *(int*)record = -(int)size; // claimed, being written
            _claimPosition = tail + (needed - size);
            return true;
        }
    }

    public readonly void Commit(byte* record, int frame, long size) => Volatile.Write(ref *(int*)record, frame);

    public readonly void Abort(byte* record, long size)
    {
        // The space is claimed for good: turn it into a skip record (padding only ever runs to the ring's end).
        *(int*)(record + 4) = ChannelLayout.SkipTag;
        Volatile.Write(ref *(int*)record, (int)size);
    }

    public readonly bool HasRoom(long size)
    {
        long tail, head;
        do
        {
            tail = Volatile.Read(ref *_m.Tail);
            _m.CheckTail(tail);
            head = _m.ReadHead(tail);
        }
        while (head < 0);

        long room = _capacity - (tail & _mask);
        long needed = size <= room ? size : room + size;
        return tail + needed - head <= _capacity;
    }

    /// <summary>
    /// The claim this writer last made, if the reader has not passed it and it is still marked as being
    /// written, becomes a skip record, so the reader goes on at once. Only the segment's state decides
    /// (this writer's fields may be changing under a racing call): a claim the reader passed may belong to
    /// another writer by now, and a committed one is left alone. Then the slot is freed, or, while the
    /// last claim it records is still ahead of the reader, left <see cref="ParticipantIdentity.Released"/>:
    /// a racing call may have claimed space this Dispose cannot see, and the reader's dead-claim recovery
    /// skips such a claim of a released slot.
    /// </summary>
    public readonly void Leave(ChannelMemory control, int slot)
    {
        long position = Volatile.Read(ref System.Runtime.CompilerServices.Unsafe.AsRef(in _claimPosition));
        if (position >= 0 && Volatile.Read(ref *control.Head) <= position)
        {
            byte* record = control.Ring + (position & _mask);
            int frame = Volatile.Read(ref *(int*)record);
            if (frame < 0 && -(long)frame <= _capacity / 2 && (frame & 7) == 0 && -(long)frame <= _capacity - (position & _mask))
            {
                *(int*)(record + 4) = ChannelLayout.SkipTag;
                Volatile.Write(ref *(int*)record, -frame);
                AsymmetricFence.Light();
                if (Volatile.Read(ref *control.ConsumerSleeping) != 0)
                {
                    control.WakeConsumer();
                }
            }
        }

        ParticipantTable.Leave(control, slot, ParticipantTable.ClaimIsPassed(control, slot) ? 0 : ParticipantIdentity.Released);
    }
}
