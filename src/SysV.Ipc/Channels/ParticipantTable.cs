namespace SysV.Ipc;

/// <summary>
/// The participant table of a channel segment: slot 0 the reader's, then one per writer. Taking a slot
/// (free, released or a dead process's), leaving it, heartbeats, the sleeping flag of a writer, and the
/// liveness questions the wait paths ask. The one place that writes slot owners, for readers and writers
/// alike (format: docs/channel-format.md, section 3).
/// </summary>
internal static unsafe class ParticipantTable
{
    internal const int ReaderSlot = 0;

    /// <summary>Takes the reader's slot, from nobody or from a reader that died.</summary>
    /// <exception cref="InvalidOperationException">A live reader holds it.</exception>
    internal static void TakeReaderSlot(ChannelMemory m)
    {
        while (true)
        {
            long current = Volatile.Read(ref *Owner(m, ReaderSlot));
            if (current != 0 && ParticipantIdentity.IsAlive(current))
            {
                throw new InvalidOperationException(
                    $"The channel in {m.Description} already has a reader (pid {ChannelMemory.Pid(current)}{(ParticipantIdentity.PidOf(current) == Environment.ProcessId ? ", this process" : string.Empty)}); a channel has exactly one. Dispose that reader first.");
            }

            if (TryTake(m, ReaderSlot, current, ChannelRole.Consumer))
            {
                return;
            }
        }
    }

    /// <summary>Takes a free writer slot, a released one, or a dead writer's whose last claim the reader has passed.</summary>
    /// <param name="m">The segment.</param>
    /// <param name="tookOver">Whether the slot was a dead writer's (a single producer then repairs what it may have left).</param>
    /// <returns>The slot index (1 to <see cref="ChannelMemory.ProducerSlots"/>).</returns>
    /// <exception cref="InvalidOperationException">Every slot is held by a live writer, or by a dead one the reader still needs.</exception>
    internal static int TakeWriterSlot(ChannelMemory m, out bool tookOver)
    {
        bool multi = m.Mode == ChannelMode.MultiProducer;
        List<int> livePids = [];
        for (int i = 1; i <= m.ProducerSlots; i++)
        {
            long current = Volatile.Read(ref *Owner(m, i));
            if (current != 0)
            {
                if (ParticipantIdentity.IsAlive(current))
                {
                    livePids.Add(ParticipantIdentity.PidOf(current));
                    continue;
                }

                if (multi && !ClaimIsPassed(m, i))
                {
                    continue; // the reader still needs this dead writer's claim to skip it
                }
            }

            if (!TryTake(m, i, current, ChannelRole.Producer))
            {
                i--; // changed under us: look at this slot again
                continue;
            }

            tookOver = current is not 0 and not ParticipantIdentity.Released;
            return i;
        }

        string who = string.Join(", ", livePids);
        throw new InvalidOperationException(multi
            ? $"All {m.ProducerSlots} writer places of the channel in {m.Description} are taken (live writers: pids {who}; a dead writer's place is freed once the reader has passed its last claim). Dispose a writer, or create the channel with more MaxProducers."
            : $"The single-producer channel in {m.Description} already has a writer (pid {who}{(livePids.Contains(Environment.ProcessId) ? ", this process" : string.Empty)}). Dispose it first, or create the channel with ChannelMode.MultiProducer.");
    }

    /// <summary>Gives a slot this process holds back: to free (0) or <see cref="ParticipantIdentity.Released"/>.</summary>
    internal static void Leave(ChannelMemory m, int index, long next = 0) =>
        Interlocked.CompareExchange(ref *Owner(m, index), next, ParticipantIdentity.Current);

    /// <summary>Records "this participant went through a slow path now" (information for <see cref="SharedMemoryChannel.GetParticipants"/>).</summary>
    internal static void Heartbeat(ChannelMemory m, int index) =>
        Volatile.Write(ref *(long*)(m.Slot(index) + ChannelLayout.SlotHeartbeat), Environment.TickCount64);

    /// <summary>
    /// How long ago a heartbeat (a <see cref="Environment.TickCount64"/> reading, maybe by another process) was
    /// written: the same monotonic clock, and one from the future (another time namespace) counts as now.
    /// </summary>
    internal static TimeSpan SinceHeartbeat(long heartbeat) => TimeSpan.FromMilliseconds(Math.Max(0, Environment.TickCount64 - heartbeat));

    /// <summary><see cref="SinceHeartbeat"/>, or null when the place recorded no heartbeat (0).</summary>
    internal static TimeSpan? SinceRecordedHeartbeat(long heartbeat) => heartbeat <= 0 ? null : SinceHeartbeat(heartbeat);

    /// <summary>Whether the reader has passed the last claim a slot records (a claim no protocol state produces counts as none, as in the reader's recovery).</summary>
    internal static bool ClaimIsPassed(ChannelMemory m, int index)
    {
        byte* slot = m.Slot(index);
        long start = Volatile.Read(ref *(long*)(slot + ChannelLayout.SlotClaimPosition));
        long size = Volatile.Read(ref *(long*)(slot + ChannelLayout.SlotClaimSize));
        return size <= 0 || size > m.Capacity || start < 0 || start > long.MaxValue - m.Capacity || start + size <= Volatile.Read(ref *m.Head);
    }

    /// <summary>Records a multi-producer writer's intended claim before it makes it (the reader skips it if the writer dies before committing).</summary>
    internal static void RecordClaim(byte* slot, long position, long size)
    {
        Volatile.Write(ref *(long*)(slot + ChannelLayout.SlotClaimPosition), position);
        Volatile.Write(ref *(long*)(slot + ChannelLayout.SlotClaimSize), size);
    }

    /// <summary>A writer announces its sleep: its flag, then the count the reader looks at.</summary>
    internal static void EnterSleep(ChannelMemory m, int index)
    {
        Volatile.Write(ref *(int*)(m.Slot(index) + ChannelLayout.SlotSleeping), 1);
        Interlocked.Increment(ref *m.ProducersSleeping);
    }

    /// <summary>Clears a writer's sleeping flag with a CAS, so whoever clears it (the sleeper, its Dispose, a taker of a dead one's slot) decrements the count exactly once.</summary>
    internal static void LeaveSleep(ChannelMemory m, int index)
    {
        if (Interlocked.CompareExchange(ref *(int*)(m.Slot(index) + ChannelLayout.SlotSleeping), 0, 1) == 1)
        {
            Interlocked.Decrement(ref *m.ProducersSleeping);
        }
    }

    /// <summary>The reader's identity when the reader's slot is held by a process that died; 0 otherwise.</summary>
    internal static long DeadReader(ChannelMemory m)
    {
        long reader = Volatile.Read(ref *Owner(m, ReaderSlot));
        return reader != 0 && !ParticipantIdentity.IsAlive(reader) ? reader : 0;
    }

    /// <summary>A dead writer's identity when at least one writer slot is held and every holder is dead; 0 otherwise.</summary>
    internal static long DeadWriterWhenAllDead(ChannelMemory m)
    {
        long deadOwner = 0;
        for (int i = 1; i <= m.ProducerSlots; i++)
        {
            long owner = Volatile.Read(ref *Owner(m, i));
            if (owner is 0 or ParticipantIdentity.Released)
            {
                continue;
            }

            if (ParticipantIdentity.IsAlive(owner))
            {
                return 0;
            }

            deadOwner = owner;
        }

        return deadOwner;
    }

    /// <summary>Every occupied slot, validated (see <see cref="SharedMemoryChannel.GetParticipants"/>).</summary>
    internal static List<ChannelParticipant> Read(ChannelMemory m)
    {
        List<ChannelParticipant> result = [];
        for (int i = m.IsBroadcast ? 1 : 0; i <= m.ProducerSlots; i++)
        {
            byte* slot = m.Slot(i);
            long owner = Volatile.Read(ref *Owner(m, i));
            if (owner is 0 or ParticipantIdentity.Released)
            {
                continue;
            }

            ChannelRole expected = i == ReaderSlot ? ChannelRole.Consumer : ChannelRole.Producer;
            int role = Volatile.Read(ref *(int*)(slot + ChannelLayout.SlotRole));
            long heartbeat = Volatile.Read(ref *(long*)(slot + ChannelLayout.SlotHeartbeat));
            int pid = ParticipantIdentity.PidOf(owner);
            if (pid == 0 || (role != 0 && role != (int)expected) || heartbeat < 0)
            {
                throw m.Corrupted($"participant slot {i} holds owner 0x{owner:x16} (pid {pid}), role {role} and heartbeat {heartbeat}, which no {expected} writes there");
            }

            long position = i == ReaderSlot ? Volatile.Read(ref *m.Consumed)
                : m.Mode == ChannelMode.MultiProducer ? Volatile.Read(ref *(long*)(slot + ChannelLayout.SlotClaimPosition))
                : Volatile.Read(ref *m.Tail);
            result.Add(new ChannelParticipant(i, expected, pid, ParticipantIdentity.IsAlive(owner), SinceHeartbeat(heartbeat)) { Position = position });
        }

        if (m.IsBroadcast)
        {
            BroadcastTable.AddReaders(m, result);
        }

        return result;
    }

    /// <summary>Each claim of a writer slot, for the reader's dead-claim recovery.</summary>
    internal static (long Owner, long Start, long Size) Claim(ChannelMemory m, int index)
    {
        byte* slot = m.Slot(index);
        return (Volatile.Read(ref *Owner(m, index)),
            Volatile.Read(ref *(long*)(slot + ChannelLayout.SlotClaimPosition)),
            Volatile.Read(ref *(long*)(slot + ChannelLayout.SlotClaimSize)));
    }

    private static bool TryTake(ChannelMemory m, int index, long current, ChannelRole role)
    {
        byte* slot = m.Slot(index);
        if (Interlocked.CompareExchange(ref *Owner(m, index), ParticipantIdentity.Current, current) != current)
        {
            return false;
        }

        if (index != ReaderSlot)
        {
            LeaveSleep(m, index); // a dead writer may have been counted as asleep
        }

        *(int*)(slot + ChannelLayout.SlotRole) = (int)role;
        Heartbeat(m, index);
        return true;
    }

    private static long* Owner(ChannelMemory m, int index) => (long*)(m.Slot(index) + ChannelLayout.SlotOwner);
}
