namespace SysV.Ipc;

/// <summary>
/// One writer (in the model of Agrona's OneToOneRingBuffer): it keeps the tail and a cached head in its
/// own memory, so a write reads no shared word unless the ring looks full, and needs no atomic
/// read-modify-write. Clears the header after each record before committing it, so the reader never
/// zeroes (docs/channel-format.md, section 4.1).
/// </summary>
internal unsafe struct SingleProducerRing : IProducerRing
{
    private readonly ChannelMemory _m;
    private readonly byte* _ring;
    private readonly long _mask;
    private readonly long _capacity;
    private long _tail;      // the next position to write (the shared tail mirrors it after each commit)
    private long _headCache; // the last head read

    /// <summary>Takes up where the previous writer stopped (repairing what a dead one may have left when <paramref name="tookOver"/>).</summary>
    internal SingleProducerRing(ChannelMemory m, bool tookOver)
    {
        _m = m;
        _ring = m.Ring;
        _mask = m.Mask;
        _capacity = m.Capacity;
        Resume(tookOver);
    }

    public static int HeaderSize => ChannelLayout.RecordHeaderSize;

    public static long RecordSize(int length) => ChannelLayout.RecordSize(length);

    public bool TryClaim(int length, long size, out byte* record)
    {
        long tail = _tail;
        long index = tail & _mask;
        long room = _capacity - index;
        long needed = size <= room ? size : room + size;
        // Strictly less than the capacity: the record header after the new tail must stay free (see Commit).
        if (tail + needed - _headCache >= _capacity)
        {
            _headCache = _m.ReadHead(tail);
            if (tail + needed - _headCache >= _capacity)
            {
                record = null;
                return false;
            }
        }

        if (size > room)
        {
            // Not enough room before the ring's end: pad exactly to the end, and start the record at offset 0.
            byte* padding = _ring + index;
            *(int*)(padding + 4) = ChannelLayout.PaddingTag;
            *(long*)_ring = 0; // the header the reader looks at after the padding
            Volatile.Write(ref *(int*)padding, (int)room);
            _tail = tail += room;
            index = 0;
        }

        record = _ring + index;
        *(int*)(record + 4) = ChannelLayout.DataTag;
        return true;
    }

    public void Commit(byte* record, int frame, long size)
    {
        // Clear the header right after this record before committing it, so the reader, having seen this
        // record, finds zero (or the next commit) there, never bytes of an earlier lap. This is what lets
        // a single-producer reader skip zeroing what it consumed.
        *(long*)(_ring + ((record - _ring + size) & _mask)) = 0;
        Volatile.Write(ref *(int*)record, frame);
        _tail += size;
        Volatile.Write(ref *_m.Tail, _tail);
    }

    public void Abort(byte* record, long size)
    {
        // Nothing was published: clear what the caller may have written, so no stray byte is ever taken for a record.
        System.Runtime.CompilerServices.Unsafe.InitBlockUnaligned(record, 0, (uint)size);
        Volatile.Write(ref *_m.Tail, _tail); // past a padding record this claim wrote
    }

    public bool HasRoom(long size)
    {
        long tail = _tail;
        _m.CheckTail(tail);
        long head = _m.ReadHead(tail);
        long room = _capacity - (tail & _mask);
        long needed = size <= room ? size : room + size;
        _headCache = head;
        return tail + needed - head < _capacity;
    }

    /// <summary>A padding record this writer committed for a claim it never committed must still be passed by the tail.</summary>
    public readonly void Leave(ChannelMemory control, int slot)
    {
        long tail = Volatile.Read(ref System.Runtime.CompilerServices.Unsafe.AsRef(in _tail));
        long shared = Volatile.Read(ref *control.Tail);
        long head = Volatile.Read(ref *control.Head);
        if (tail > shared && (tail & 7) == 0 && head >= 0 && tail - head <= _capacity)
        {
            Volatile.Write(ref *control.Tail, tail);
        }

        ParticipantTable.Leave(control, slot);
    }

    /// <summary>
    /// Finds where to write. After a writer died, its last message may be committed without the tail
    /// saying so, and its unfinished record may have left bytes in the free space: skip the one, zero the
    /// other. A writer disposed between writing a padding record and committing its claim left the padding
    /// committed without the tail past it: skip that too.
    /// </summary>
    private void Resume(bool tookOver)
    {
        long head = Volatile.Read(ref *_m.Head);
        ChannelMemory.CheckPosition(_m, head, "consumer head");
        long tail = _m.ReadTail(head);
        _tail = Math.Max(tail, head);
        for (int i = 0; i < 2 && _tail - head < _capacity; i++)
        {
            long index = _tail & _mask;
            int frame = Volatile.Read(ref *(int*)(_ring + index));
            if (frame <= 0)
            {
                break;
            }

            long size = (frame + 7L) & ~7L;
            if (size > _capacity - index || _tail + size - head > _capacity)
            {
                throw _m.Corrupted($"the record after the tail ({_tail}) has length {frame}");
            }

            _tail += size;
        }

        if (tookOver)
        {
            _m.Zero(_tail, head + _capacity);
        }

        _headCache = head;
        Volatile.Write(ref *_m.Tail, _tail);
    }
}
