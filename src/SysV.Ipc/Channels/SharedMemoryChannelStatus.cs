namespace SysV.Ipc;

/// <summary>
/// A snapshot of a channel's state, read from its segment without taking part in it: configuration, how
/// much waits in the ring, who reads and writes, and who sleeps. Positions are byte counts since creation.
/// Taken with <see cref="SharedMemoryChannel.GetStatus"/> or, from any attachment (read-only ones
/// included), with <see cref="TryRead"/>; <c>sysvipc show</c> prints it. The words are read one at a time
/// while the channel runs, so the numbers agree with each other only approximately on a busy channel.
/// </summary>
/// <param name="Mode">Single- or multi-producer.</param>
/// <param name="Capacity">The ring's size in bytes.</param>
/// <param name="MaxMessageSize">The largest message, in bytes.</param>
/// <param name="MaxProducers">How many writers may be open at once.</param>
/// <param name="CreatorProcessId">The pid of the process that created it.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="IsCompleted">Whether a writer completed it.</param>
/// <param name="WritePosition">The tail: where the next message goes.</param>
/// <param name="ReadPosition">What the reader has read, as it last published it: it publishes in batches (every quarter of the ring, and whenever it finds the ring empty), so messages read since count as waiting.</param>
/// <param name="ReleasedPosition">What the reader has given back to the writers (head).</param>
/// <param name="BytesWaiting">Ring bytes written after <paramref name="ReadPosition"/> (record headers and padding included).</param>
/// <param name="MessagesWaiting">Committed messages after <paramref name="ReadPosition"/>.</param>
/// <param name="IsReaderSleeping">Whether the reader sleeps on the futex, waiting for data.</param>
/// <param name="SleepingWriters">How many writers sleep waiting for room.</param>
/// <param name="Participants">The occupied reader and writer places.</param>
public sealed record SharedMemoryChannelStatus(
    ChannelMode Mode,
    long Capacity,
    int MaxMessageSize,
    int MaxProducers,
    int CreatorProcessId,
    DateTimeOffset CreatedAt,
    bool IsCompleted,
    long WritePosition,
    long ReadPosition,
    long ReleasedPosition,
    long BytesWaiting,
    long MessagesWaiting,
    bool IsReaderSleeping,
    int SleepingWriters,
    IReadOnlyList<ChannelParticipantStatus> Participants)
{
    /// <summary>Reads the status of the channel in an attached segment.</summary>
    /// <param name="attachment">An attachment of the segment (read-only is enough).</param>
    /// <returns>The status, or null when the segment does not start with a channel header (it is not a channel).</returns>
    /// <exception cref="ChannelCorruptedException">It has the channel magic but its header or positions are impossible.</exception>
    /// <exception cref="ObjectDisposedException">The attachment is disposed.</exception>
    public static unsafe SharedMemoryChannelStatus? TryRead(SharedMemoryAttachment attachment)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        if (attachment.Length < ChannelLayout.RingOffset(1) + ChannelLayout.MinCapacity
            || Volatile.Read(ref *(long*)attachment.Pointer) != ChannelLayout.Magic)
        {
            return null;
        }

        return Read(new ChannelMemory(attachment.Pointer, attachment.Length, IpcKey.Private, -1));
    }

    internal static unsafe SharedMemoryChannelStatus Read(ChannelMemory m)
    {
        if (m.IsBroadcast)
        {
            return BroadcastTable.Status(m);
        }

        long tail = Volatile.Read(ref *m.Tail);
        m.CheckTail(tail);
        long head = Volatile.Read(ref *m.Head);
        long consumed = Volatile.Read(ref *m.Consumed);
        ChannelMemory.CheckPosition(m, head, "consumer head");
        ChannelMemory.CheckPosition(m, consumed, "consumed");
        if (head > consumed || consumed > tail || tail - head > m.Capacity)
        {
            throw m.Corrupted($"its positions are impossible: released {head}, consumed {consumed}, tail {tail}, ring of {m.Capacity} bytes");
        }

        var participants = new List<ChannelParticipantStatus>();
        for (int i = 0; i <= m.ProducerSlots; i++)
        {
            byte* slot = m.Slot(i);
            long owner = Volatile.Read(ref *ChannelMemory.SlotOwner(slot));
            if (owner is 0 or ParticipantIdentity.Released)
            {
                continue;
            }

            long heartbeat = Volatile.Read(ref *(long*)(slot + ChannelLayout.SlotHeartbeat));
            bool consumer = i == 0;
            long position = consumer ? consumed
                : m.Mode == ChannelMode.MultiProducer ? Volatile.Read(ref *(long*)(slot + ChannelLayout.SlotClaimPosition))
                : tail;
            bool sleeping = consumer
                ? Volatile.Read(ref *m.ConsumerSleeping) != 0
                : Volatile.Read(ref *(int*)(slot + ChannelLayout.SlotSleeping)) != 0;
            participants.Add(new ChannelParticipantStatus(
                i,
                consumer ? ChannelRole.Consumer : ChannelRole.Producer,
                ParticipantIdentity.PidOf(owner),
                ParticipantIdentity.IsAlive(owner),
                position,
                consumer ? tail - consumed : Math.Max(0, position - consumed),
                sleeping,
                ParticipantTable.SinceRecordedHeartbeat(heartbeat)));
        }

        return FromPositions(m, tail, consumed, head, CountMessages(m, consumed, tail), participants);
    }

    /// <summary>
    /// The status every ring reports alike, from the positions its own walk read: the configuration and the
    /// sleepers from the header, <paramref name="read"/> and <paramref name="released"/> as the ring defines
    /// them (the reader's consumed and head; a broadcast ring's slowest cursor and gate).
    /// </summary>
    internal static unsafe SharedMemoryChannelStatus FromPositions(
        ChannelMemory m, long tail, long read, long released, long messagesWaiting, IReadOnlyList<ChannelParticipantStatus> participants) =>
        new(
            m.Mode,
            m.Capacity,
            m.MaxMessageSize,
            m.ProducerSlots,
            m.CreatorPid,
            DateTimeOffset.FromUnixTimeMilliseconds(m.CreationEpoch),
            m.IsCompleted,
            tail,
            read,
            released,
            tail - read,
            messagesWaiting,
            Volatile.Read(ref *m.ConsumerSleeping) != 0,
            Math.Max(0, Volatile.Read(ref *m.ProducersSleeping)),
            participants);

    /// <summary>Walks the committed records from the reader's position, every length checked against the ring; stops at the first uncommitted or impossible one.</summary>
    private static unsafe long CountMessages(ChannelMemory m, long from, long tail)
    {
        long count = 0;
        long position = from;
        long steps = m.Capacity / ChannelLayout.RecordHeaderSize;
        while (position < tail && steps-- > 0)
        {
            long index = position & m.Mask;
            byte* record = m.Ring + index;
            int frame = Volatile.Read(ref *(int*)record);
            int tag = *(int*)(record + 4);
            long room = m.Capacity - index;
            if (tag == ChannelLayout.PaddingTag && frame > 0 && (frame & 7) == 0 && frame <= room)
            {
                position += frame;
                continue;
            }

            if (tag != ChannelLayout.DataTag || frame < ChannelLayout.RecordHeaderSize || ChannelLayout.RecordSize(frame - ChannelLayout.RecordHeaderSize) > room)
            {
                break; // not committed yet (0, or claimed by a multi-producer writer), or not a record
            }

            count++;
            position += ChannelLayout.RecordSize(frame - ChannelLayout.RecordHeaderSize);
        }

        return count;
    }
}
