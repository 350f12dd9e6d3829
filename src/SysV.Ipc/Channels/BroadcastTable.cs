namespace SysV.Ipc;

/// <summary>
/// The readers' blocks of a broadcast channel as <see cref="SharedMemoryChannel.GetParticipants"/> and
/// <see cref="SharedMemoryChannelStatus"/> report them: reader <c>i</c> is participant slot <c>2 + i</c>
/// (its block follows the writer's slot 1 in the table), every field validated.
/// </summary>
internal static unsafe class BroadcastTable
{
    internal const int FirstReaderSlot = 2;

    internal readonly record struct Reader(int Index, long Owner, int State, long Cursor, long Heartbeat);

    /// <summary>The occupied reader blocks, validated.</summary>
    /// <exception cref="ChannelCorruptedException">A block holds what no reader writes there.</exception>
    internal static List<Reader> Readers(ChannelMemory m)
    {
        List<Reader> readers = [];
        for (int i = 0; i < m.ReaderSlots; i++)
        {
            byte* block = m.ReaderBlock(i);
            long owner = Volatile.Read(ref *(long*)(block + BroadcastLayout.ReaderOwner));
            if (owner == 0)
            {
                continue;
            }

            int role = Volatile.Read(ref *(int*)(block + BroadcastLayout.ReaderRole));
            int state = Volatile.Read(ref *(int*)(block + BroadcastLayout.ReaderState));
            long cursor = Volatile.Read(ref *(long*)(block + BroadcastLayout.ReaderCursor));
            long heartbeat = Volatile.Read(ref *(long*)(block + BroadcastLayout.ReaderHeartbeat));
            if (ParticipantIdentity.PidOf(owner) == 0 || (role != 0 && role != (int)ChannelRole.Consumer) || state is < 0 or > BroadcastLayout.StateDropped
                || heartbeat < 0 || cursor < 0 || (cursor & 15) != 0)
            {
                throw m.Corrupted($"reader block {i} holds owner 0x{owner:x16} (pid {ParticipantIdentity.PidOf(owner)}), role {role}, state {state}, cursor {cursor} and heartbeat {heartbeat}, which no reader writes there");
            }

            readers.Add(new Reader(i, owner, state, cursor, heartbeat));
        }

        return readers;
    }

    internal static void AddReaders(ChannelMemory m, List<ChannelParticipant> result)
    {
        foreach (Reader r in Readers(m))
        {
            result.Add(new ChannelParticipant(
                FirstReaderSlot + r.Index,
                ChannelRole.Consumer,
                ParticipantIdentity.PidOf(r.Owner),
                ParticipantIdentity.IsAlive(r.Owner),
                ParticipantTable.SinceHeartbeat(r.Heartbeat))
            {
                Position = r.Cursor,
                IsDropped = r.State == BroadcastLayout.StateDropped,
            });
        }
    }

    /// <summary>A broadcast channel's status: the read position is the slowest active reader's cursor (the tail when none), the released position the gate.</summary>
    internal static SharedMemoryChannelStatus Status(ChannelMemory m)
    {
        long tail = Volatile.Read(ref *m.Tail);
        long gate = Volatile.Read(ref *m.Gate);
        if (tail < 0 || tail > (1L << 62) || (tail & 15) != 0 || gate < 0 || (gate & 15) != 0 || gate > tail || tail - gate > m.Capacity)
        {
            throw m.Corrupted($"its positions are impossible: tail {tail}, gate {gate}, ring of {m.Capacity} bytes");
        }

        List<Reader> readers = Readers(m);
        long slowest = tail;
        var participants = new List<ChannelParticipantStatus>();
        byte* writer = m.Slot(BroadcastLayout.WriterSlot);
        long writerOwner = Volatile.Read(ref *ChannelMemory.SlotOwner(writer));
        foreach (Reader r in readers)
        {
            if (r.State == BroadcastLayout.StateActive && r.Cursor <= tail && tail - r.Cursor <= m.Capacity)
            {
                slowest = Math.Min(slowest, r.Cursor);
            }
        }

        if (writerOwner is not 0 and not ParticipantIdentity.Released)
        {
            long heartbeat = Volatile.Read(ref *(long*)(writer + ChannelLayout.SlotHeartbeat));
            participants.Add(new ChannelParticipantStatus(
                BroadcastLayout.WriterSlot, ChannelRole.Producer, ParticipantIdentity.PidOf(writerOwner), ParticipantIdentity.IsAlive(writerOwner),
                tail, tail - slowest, Volatile.Read(ref *(int*)(writer + ChannelLayout.SlotSleeping)) != 0,
                ParticipantTable.SinceRecordedHeartbeat(heartbeat)));
        }

        foreach (Reader r in readers)
        {
            participants.Add(new ChannelParticipantStatus(
                FirstReaderSlot + r.Index, ChannelRole.Consumer, ParticipantIdentity.PidOf(r.Owner), ParticipantIdentity.IsAlive(r.Owner),
                r.Cursor, Math.Max(0, tail - r.Cursor), false,
                ParticipantTable.SinceRecordedHeartbeat(r.Heartbeat)));
        }

        return SharedMemoryChannelStatus.FromPositions(m, tail, slowest, gate, CountMessages(m, slowest, tail), participants);
    }

    /// <summary>Walks the committed records from <paramref name="from"/> (their sequences and lengths checked); stops at the first that is not one.</summary>
    private static long CountMessages(ChannelMemory m, long from, long tail)
    {
        long count = 0;
        long position = from;
        long steps = (m.Capacity / BroadcastLayout.RecordHeaderSize) + 1;
        while (position < tail && steps-- > 0)
        {
            long index = position & m.Mask;
            byte* record = m.Ring + index;
            if (Volatile.Read(ref *(long*)(record + BroadcastLayout.SequenceField)) != position + 1)
            {
                break;
            }

            int frame = *(int*)record;
            int tag = *(int*)(record + 4);
            long room = m.Capacity - index;
            if (tag == ChannelLayout.PaddingTag && frame == room && index != 0)
            {
                position += frame;
                continue;
            }

            if (tag != ChannelLayout.DataTag || frame < BroadcastLayout.RecordHeaderSize || ChannelLayout.AlignUp(frame, BroadcastLayout.RecordAlignment) > room)
            {
                break;
            }

            count++;
            position += ChannelLayout.AlignUp(frame, BroadcastLayout.RecordAlignment);
        }

        return count;
    }
}
