using System.Diagnostics.CodeAnalysis;

namespace SysV.Ipc;

/// <summary>
/// One reader of a broadcast channel: its place in the reader blocks, its position, and the reading of
/// records, which it never writes (docs/channel-format.md, section 11). The writer waits for the cursor this
/// reader publishes (every quarter ring, and whenever it finds the ring empty) unless the channel's
/// drop-after policy gives up on it; everything read back from the segment is validated.
/// </summary>
internal sealed unsafe class BroadcastCursor
{
    private readonly ChannelMemory _m;       // the reader's own mapping
    private readonly ChannelMemory _control; // the channel's mapping (Dispose's hand-back)
    private readonly byte* _ring;
    private readonly long _mask;
    private readonly long _capacity;
    private readonly int _maxMessage;
    private readonly long _publishThreshold;
    private readonly bool _mayBeDropped; // drop-after policy: look for having been overtaken after each message
    private readonly int _index;
    private readonly byte* _block;
    private long _position;   // the next record to read
    private long _published;  // the cursor as last stored in the block
    private long _safeFrom;   // from here on the writer waits for this reader; below (catching up from Oldest) it may overwrite
    private long _peekedSize; // the record size of the message TryPeek returned; 0 when none

    internal BroadcastCursor(ChannelMemory memory, ChannelMemory control, ReaderStart start)
    {
        _m = memory;
        _control = control;
        _ring = memory.Ring;
        _mask = memory.Mask;
        _capacity = memory.Capacity;
        _maxMessage = memory.MaxMessageSize;
        _publishThreshold = memory.Capacity / 4;
        _mayBeDropped = memory.DropAfterNanoseconds > 0;
        _index = TakeBlock(memory);
        _block = memory.ReaderBlock(_index);
        try
        {
            Join(start);
        }
        catch
        {
            Leave(memory);
            throw;
        }
    }

    /// <summary>This reader's block (0 to MaxReaders − 1).</summary>
    internal int Index => _index;

    internal long Position => _position;

    internal bool TryPeek(out ReadOnlySpan<byte> message)
    {
        for (int step = 0; ; step++)
        {
            long position = _position;
            long index = position & _mask;
            byte* record = _ring + index;
            if (Volatile.Read(ref *(long*)(record + BroadcastLayout.SequenceField)) != position + 1)
            {
                message = default;
                OnNothingCommitted();
                return false;
            }

            int frame = *(int*)record;
            int tag = *(int*)(record + 4);
            long room = _capacity - index;
            if (tag == ChannelLayout.DataTag && frame >= BroadcastLayout.RecordHeaderSize && frame - BroadcastLayout.RecordHeaderSize <= _maxMessage
                && BroadcastLayout.RecordSize(frame - BroadcastLayout.RecordHeaderSize) <= room)
            {
                _peekedSize = BroadcastLayout.RecordSize(frame - BroadcastLayout.RecordHeaderSize);
                message = new ReadOnlySpan<byte>(record + BroadcastLayout.RecordHeaderSize, frame - BroadcastLayout.RecordHeaderSize);
                return true;
            }

            // A padding record runs exactly to the ring's end and never starts at offset 0: at most one is stepped over.
            if (tag == ChannelLayout.PaddingTag && index != 0 && frame == room && step == 0)
            {
                _position = position + room;
                continue;
            }

            ThrowIfOvertaken(); // bytes the writer overwrote under a reader it gave up on are not corruption
            throw _m.Corrupted($"the record at position {position} (ring offset {index}) has length {frame} and tag 0x{tag:x8}, which no broadcast writer produces (maximum message {_maxMessage} bytes, {room} bytes left before the ring's end)");
        }
    }

    /// <summary>Consumes the peeked message; first, where the writer may have overwritten it, checks that it did not.</summary>
    /// <exception cref="ChannelReaderDroppedException">The writer overtook this reader: what it peeked may be torn.</exception>
    internal void Advance()
    {
        if (_peekedSize == 0)
        {
            throw new InvalidOperationException("Advance consumes the message TryPeek returned, and no message has been peeked since the last Advance.");
        }

        if (_mayBeDropped || _position < _safeFrom)
        {
            ThrowIfOvertaken();
        }

        _position += _peekedSize;
        _peekedSize = 0;
        if (_position - _published >= _publishThreshold)
        {
            Publish();
        }
    }

    internal void CancelPeek() => _peekedSize = 0;

    /// <summary>The slow path's check, before sleeping: the writer has written past this reader's position, yet no record is there.</summary>
    internal void CheckStalled()
    {
        long tail = Volatile.Read(ref *_m.Tail);
        if (tail > _position && Volatile.Read(ref *(long*)(_ring + (_position & _mask) + BroadcastLayout.SequenceField)) != _position + 1)
        {
            ThrowIfOvertaken();
            throw _m.Corrupted($"the writer's tail is at {tail}, yet the record at this reader's position {_position} is not committed");
        }
    }

    internal void Heartbeat() => Volatile.Write(ref *(long*)(_block + BroadcastLayout.ReaderHeartbeat), Environment.TickCount64);

    /// <summary>Dispose's leave, through the channel's mapping: the writer stops waiting for this reader, then the place is freed.</summary>
    internal void Leave(ChannelMemory c)
    {
        byte* block = c.ReaderBlock(_index);
        Volatile.Write(ref *(int*)(block + BroadcastLayout.ReaderState), BroadcastLayout.StateFree);
        Interlocked.CompareExchange(ref *(long*)(block + BroadcastLayout.ReaderOwner), 0, ParticipantIdentity.Current);
        AsymmetricFence.Light();
        if (Volatile.Read(ref *c.ProducersSleeping) != 0)
        {
            c.WakeProducers();
        }
    }

    /// <summary>Nothing committed at the position: publish what was read (the writer may be waiting for it), and learn of a drop.</summary>
    private void OnNothingCommitted()
    {
        if (_mayBeDropped || _position < _safeFrom)
        {
            ThrowIfOvertaken();
        }

        if (_position != _published)
        {
            Publish();
        }
    }

    private void Publish()
    {
        long tail = Volatile.Read(ref *_m.Tail);
        if (tail < 0 || _position - tail >= _capacity)
        {
            throw _m.Corrupted($"this reader reached position {_position}, beyond what the writer's tail ({tail}) allows: records it read were not written by this channel's writer");
        }

        Volatile.Write(ref *(long*)(_block + BroadcastLayout.ReaderCursor), _position);
        _published = _position;
        AsymmetricFence.Light();
        if (Volatile.Read(ref *_m.ProducersSleeping) != 0)
        {
            _m.WakeProducers();
        }
    }

    /// <summary>
    /// Whether the writer overtook this reader: it dropped it (its state says so), or its gate passed the
    /// position (it may overwrite below the gate, and publishes the gate before it does). The read fence
    /// keeps the loads of the message before the load of the gate. Then the reader rejoins at the newest
    /// message and says how far behind it was.
    /// </summary>
    private void ThrowIfOvertaken()
    {
        Interlocked.MemoryBarrier();
        long gate = Volatile.Read(ref *_m.Gate);
        int state = Volatile.Read(ref *(int*)(_block + BroadcastLayout.ReaderState));
        if (gate <= _position && state != BroadcastLayout.StateDropped)
        {
            return;
        }

        ThrowOvertaken(state == BroadcastLayout.StateDropped);
    }

    [DoesNotReturn]
    private void ThrowOvertaken(bool dropped)
    {
        long lost = _position;
        long writer = dropped ? Volatile.Read(ref *(long*)(_block + BroadcastLayout.ReaderDroppedTail)) : Volatile.Read(ref *_m.Tail);
        if (writer < lost)
        {
            writer = Volatile.Read(ref *_m.Tail);
        }

        _peekedSize = 0;
        Volatile.Write(ref *(int*)(_block + BroadcastLayout.ReaderState), BroadcastLayout.StateFree);
        Join(ReaderStart.Latest);
        string why = dropped
            ? $"it kept the writer waiting longer than the channel's drop-after allowance ({TimeSpan.FromTicks(_m.DropAfterNanoseconds / 100)})"
            : "the writer overwrote the old messages it was catching up on (it started at ReaderStart.Oldest)";
        throw new ChannelReaderDroppedException(
            $"This reader of the broadcast channel in {_m.Description} lost its place: {why}. It was at position {lost}, {Math.Max(0, writer - lost)} bytes behind the writer (at {writer}); the messages in between are lost to it, and it reads on from the newest message (position {_position}). Read faster, or create the channel with a larger capacity or a longer allowance.",
            lost, writer, _position, _m.Key, _m.Id);
    }

    /// <summary>
    /// Makes this reader one the writer waits for. Latest: its cursor goes to the tail, then it is active,
    /// then a full fence, then the tail again: the writer's scans either see it or ran at a tail no greater
    /// than the one it reads now, so nothing from there on is overwritten before it reads it. Oldest: from
    /// the published gate, the oldest position the writer has not given up; what lies below the tail read
    /// after the fence is checked against the gate after each message.
    /// </summary>
    private void Join(ReaderStart start)
    {
        long tail0 = ReadTail();
        long from = tail0;
        if (start == ReaderStart.Oldest)
        {
            from = Volatile.Read(ref *_m.Gate);
            if (from < 0 || (from & 15) != 0 || from > tail0 || tail0 - from > _capacity)
            {
                throw _m.Corrupted($"its gate ({from}) is not a position at most one ring behind the tail ({tail0})");
            }
        }

        Volatile.Write(ref *(long*)(_block + BroadcastLayout.ReaderCursor), from);
        Volatile.Write(ref *(int*)(_block + BroadcastLayout.ReaderState), BroadcastLayout.StateActive);
        Interlocked.MemoryBarrier();
        long tail1 = ReadTail();
        if (tail1 < tail0)
        {
            throw _m.Corrupted($"the writer's tail went back from {tail0} to {tail1}");
        }

        if (start == ReaderStart.Latest)
        {
            from = tail1;
            Volatile.Write(ref *(long*)(_block + BroadcastLayout.ReaderCursor), from);
        }

        _position = from;
        _published = from;
        _safeFrom = tail1;
        _peekedSize = 0;
    }

    private long ReadTail()
    {
        long tail = Volatile.Read(ref *_m.Tail);
        if (tail < 0 || tail > (1L << 62) || (tail & 15) != 0)
        {
            throw _m.Corrupted($"the writer's tail position {tail} is not a broadcast record position");
        }

        return tail;
    }

    /// <summary>Takes a free reader block or a dead reader's.</summary>
    private static int TakeBlock(ChannelMemory m)
    {
        for (int i = 0; i < m.ReaderSlots; i++)
        {
            byte* block = m.ReaderBlock(i);
            long owner = Volatile.Read(ref *(long*)(block + BroadcastLayout.ReaderOwner));
            if (owner != 0 && ParticipantIdentity.IsAlive(owner))
            {
                continue;
            }

            if (Interlocked.CompareExchange(ref *(long*)(block + BroadcastLayout.ReaderOwner), ParticipantIdentity.Current, owner) != owner)
            {
                i--; // changed under us: look at this block again
                continue;
            }

            Volatile.Write(ref *(int*)(block + BroadcastLayout.ReaderState), BroadcastLayout.StateFree);
            *(int*)(block + BroadcastLayout.ReaderRole) = (int)ChannelRole.Consumer;
            Volatile.Write(ref *(long*)(block + BroadcastLayout.ReaderHeartbeat), Environment.TickCount64);
            return i;
        }

        throw new InvalidOperationException(
            $"All {m.ReaderSlots} reader places of the broadcast channel in {m.Description} are held by live readers. Dispose a reader, or create the channel with more MaxReaders.");
    }
}
