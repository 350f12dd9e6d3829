using System.Runtime.CompilerServices;

namespace SysV.Ipc;

/// <summary>
/// The one writer of a broadcast channel (in the model of the LMAX Disruptor's gating sequences over a ring
/// of variable-length records, whose headers carry their position as Aeron's do): it keeps the tail and a
/// cached gate (the slowest active reader's cursor) in its own memory, so a write reads no reader's line
/// unless the ring looks full, and needs no atomic read-modify-write. Readers never write to the ring; a
/// record is committed by the store of its sequence (its position + 1), so stale bytes of an earlier lap can
/// never pass for a record (docs/channel-format.md, section 11).
/// </summary>
internal unsafe struct BroadcastRing : IProducerRing
{
    private readonly ChannelMemory _m;
    private readonly byte* _ring;
    private readonly long _mask;
    private readonly long _capacity;
    private readonly int _readers;
    private long _tail; // the next position to write (the shared tail mirrors it after each commit)
    private long _gate; // positions below it may be overwritten; published in the segment before that happens

    internal BroadcastRing(ChannelMemory m)
    {
        _m = m;
        _ring = m.Ring;
        _mask = m.Mask;
        _capacity = m.Capacity;
        _readers = m.ReaderSlots;
        Resume();
    }

    /// <summary>The writer's own tail (the shared one is stored after each commit).</summary>
    internal readonly long Tail => _tail;

    public static int HeaderSize => BroadcastLayout.RecordHeaderSize;

    public static long RecordSize(int length) => BroadcastLayout.RecordSize(length);

    public bool TryClaim(int length, long size, out byte* record)
    {
        long tail = _tail;
        long index = tail & _mask;
        long room = _capacity - index;
        long needed = size <= room ? size : room + size;

        // The record header after the new record must be free too: the commit clears its sequence.
        if (tail + needed + BroadcastLayout.RecordHeaderSize - _gate > _capacity)
        {
            Refresh();
            if (tail + needed + BroadcastLayout.RecordHeaderSize - _gate > _capacity)
            {
                record = null;
                return false;
            }
        }

        if (size > room)
        {
            // Not enough room before the ring's end: pad exactly to the end, and start the record at offset 0.
            byte* padding = _ring + index;
            *(int*)padding = (int)room;
            *(int*)(padding + 4) = ChannelLayout.PaddingTag;
            *(long*)(_ring + BroadcastLayout.SequenceField) = 0; // the header the readers look at after the padding
            Volatile.Write(ref *(long*)(padding + BroadcastLayout.SequenceField), tail + 1);
            _tail = tail += room;
            index = 0;
        }

        record = _ring + index;
        *(int*)(record + 4) = ChannelLayout.DataTag;
        return true;
    }

    public void Commit(byte* record, int frame, long size)
    {
        // Clear the sequence of the header after this record before committing it: a reader that read this
        // record finds zero there (or the next commit), never stale bytes that could equal its position + 1.
        *(long*)(_ring + ((record - _ring + size) & _mask) + BroadcastLayout.SequenceField) = 0;
        *(int*)record = frame;
        Volatile.Write(ref *(long*)(record + BroadcastLayout.SequenceField), _tail + 1);
        _tail += size;
        Volatile.Write(ref *_m.Tail, _tail);
    }

    public readonly void Abort(byte* record, long size)
    {
        // Nothing was published (the sequence was never stored); a padding record this claim committed must be passed by the tail.
        Unsafe.InitBlockUnaligned(record + BroadcastLayout.RecordHeaderSize, 0, (uint)(size - BroadcastLayout.RecordHeaderSize));
        Volatile.Write(ref *_m.Tail, _tail);
    }

    public bool HasRoom(long size)
    {
        long tail = _tail;
        long room = _capacity - (tail & _mask);
        long needed = size <= room ? size : room + size;
        Refresh();
        return tail + needed + BroadcastLayout.RecordHeaderSize - _gate <= _capacity;
    }

    /// <summary>Whether a record of <paramref name="size"/> bytes fits with the gate as last computed (no fresh look at the readers).</summary>
    internal readonly long BlockingBelow(long size)
    {
        long tail = _tail;
        long room = _capacity - (tail & _mask);
        long needed = size <= room ? size : room + size;
        return tail + needed + BroadcastLayout.RecordHeaderSize - _capacity;
    }

    public readonly void Leave(ChannelMemory control, int slot)
    {
        long tail = Volatile.Read(ref Unsafe.AsRef(in _tail));
        long shared = Volatile.Read(ref *control.Tail);
        if (tail > shared && (tail & 15) == 0 && tail - shared <= _capacity)
        {
            Volatile.Write(ref *control.Tail, tail); // past a padding record this writer committed for a claim it never committed
        }

        ParticipantTable.Leave(control, slot);
    }

    /// <summary>
    /// Recomputes the gate: the smallest cursor of the active readers, or the tail when there is none, never
    /// less than before. The fence before the scan pairs with a joining reader's fence (it then sees a tail
    /// at least the one this scan ran at, or this scan sees it); the new gate is published, then fenced,
    /// before anything below it is overwritten, which is what lets a reader detect that it was overtaken.
    /// </summary>
    internal void Refresh()
    {
        Interlocked.MemoryBarrier();
        long gate = _tail;
        for (int i = 0; i < _readers; i++)
        {
            byte* block = _m.ReaderBlock(i);
            if (Volatile.Read(ref *(long*)(block + BroadcastLayout.ReaderOwner)) == 0
                || Volatile.Read(ref *(int*)(block + BroadcastLayout.ReaderState)) != BroadcastLayout.StateActive)
            {
                continue;
            }

            long cursor = Volatile.Read(ref *(long*)(block + BroadcastLayout.ReaderCursor));
            if (cursor < 0 || cursor > _tail || (cursor & 15) != 0)
            {
                throw _m.Corrupted($"reader {i}'s cursor is {cursor}, not a position of a record the writer (at {_tail}) wrote");
            }

            gate = Math.Min(gate, cursor);
        }

        if (gate > _gate)
        {
            _gate = gate;
            Volatile.Write(ref *_m.Gate, gate);
            Interlocked.MemoryBarrier();
        }
    }

    /// <summary>
    /// Frees the places of readers that died while holding the writer back (a dead reader never holds the
    /// writer back for longer than one sleep slice). Returns whether one was freed.
    /// </summary>
    internal readonly bool ReapDeadReaders(long below)
    {
        bool reaped = false;
        for (int i = 0; i < _readers; i++)
        {
            byte* block = _m.ReaderBlock(i);
            long owner = Volatile.Read(ref *(long*)(block + BroadcastLayout.ReaderOwner));
            if (owner == 0 || Volatile.Read(ref *(int*)(block + BroadcastLayout.ReaderState)) != BroadcastLayout.StateActive
                || Volatile.Read(ref *(long*)(block + BroadcastLayout.ReaderCursor)) >= below || ParticipantIdentity.IsAlive(owner))
            {
                continue;
            }

            // Only the owner CAS: a reader that takes the place sets its own state.
            reaped |= Interlocked.CompareExchange(ref *(long*)(block + BroadcastLayout.ReaderOwner), 0, owner) == owner;
        }

        return reaped;
    }

    /// <summary>
    /// The drop-after policy: every active reader whose cursor is below <paramref name="below"/> loses its
    /// place. Its cursor and the tail are recorded in its block for its exception, then its state goes from
    /// active to dropped with a CAS (a full fence, before any byte it had not read is overwritten).
    /// </summary>
    internal readonly int DropReadersBelow(long below)
    {
        int dropped = 0;
        for (int i = 0; i < _readers; i++)
        {
            byte* block = _m.ReaderBlock(i);
            if (Volatile.Read(ref *(long*)(block + BroadcastLayout.ReaderOwner)) == 0
                || Volatile.Read(ref *(int*)(block + BroadcastLayout.ReaderState)) != BroadcastLayout.StateActive)
            {
                continue;
            }

            long cursor = Volatile.Read(ref *(long*)(block + BroadcastLayout.ReaderCursor));
            if (cursor >= below)
            {
                continue;
            }

            Volatile.Write(ref *(long*)(block + BroadcastLayout.ReaderDroppedAt), cursor);
            Volatile.Write(ref *(long*)(block + BroadcastLayout.ReaderDroppedTail), _tail);
            if (Interlocked.CompareExchange(ref *(int*)(block + BroadcastLayout.ReaderState), BroadcastLayout.StateDropped, BroadcastLayout.StateActive) == BroadcastLayout.StateActive)
            {
                dropped++;
            }
        }

        return dropped;
    }

    /// <summary>
    /// Takes up where the previous writer stopped: from the shared tail, stepping over records a writer that
    /// died committed without storing the tail (their sequence says so), and from the published gate.
    /// </summary>
    private void Resume()
    {
        long tail = Volatile.Read(ref *_m.Tail);
        long gate = Volatile.Read(ref *_m.Gate);
        if (tail < 0 || (tail & 15) != 0 || tail > (1L << 62) || gate < 0 || (gate & 15) != 0 || gate > tail || tail - gate > _capacity)
        {
            throw _m.Corrupted($"its tail ({tail}) and gate ({gate}) are not positions a broadcast writer leaves (16-aligned, the gate at most one ring behind the tail)");
        }

        for (int i = 0; i < 2; i++)
        {
            long index = tail & _mask;
            byte* record = _ring + index;
            if (Volatile.Read(ref *(long*)(record + BroadcastLayout.SequenceField)) != tail + 1)
            {
                break;
            }

            long size = ChannelLayout.AlignUp(*(int*)record, BroadcastLayout.RecordAlignment);
            if (size < BroadcastLayout.RecordHeaderSize || size > _capacity - index || tail + size - gate > _capacity)
            {
                throw _m.Corrupted($"the record after the tail ({tail}) has length {*(int*)record}");
            }

            tail += size;
        }

        _tail = tail;
        _gate = gate;
        Volatile.Write(ref *_m.Tail, tail);
        Refresh();
    }
}
