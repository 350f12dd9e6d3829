namespace SysV.Ipc;

/// <summary>
/// The reader's recovery from a multi-producer writer that died (or was disposed) holding a claim it
/// never committed: the claim would block every record behind it forever. Decides, from the participant
/// table alone, whether the claim at the reader's position can be skipped, and where it ends
/// (docs/channel-format.md, section 8).
/// </summary>
internal static unsafe class DeadClaimRecovery
{
    /// <summary>Nothing to skip: the ring is empty there, or a live writer's claim covers the position (it will commit).</summary>
    internal const long NothingToSkip = -1;

    /// <summary>The record at the position was committed while the table was read: just read it.</summary>
    internal const long CommittedMeanwhile = -2;

    /// <summary>Where the reader may go on from <paramref name="position"/>, or <see cref="NothingToSkip"/> / <see cref="CommittedMeanwhile"/>.</summary>
    /// <exception cref="ChannelCorruptedException">The claim is marked but no writer's claim covers it, or dead writers left claims that cannot be told apart.</exception>
    internal static long SkipEnd(ChannelMemory m, long position, long published)
    {
        int frame = Volatile.Read(ref *(int*)(m.Ring + (position & m.Mask))); // before the tail: a claim's CAS on the tail precedes its mark
        long tail = m.ReadTail(published);
        if (tail <= position)
        {
            if (frame < 0)
            {
                throw m.Corrupted($"the record at position {position} is marked as claimed, but the writers' tail ({tail}) says nothing was claimed there");
            }

            return NothingToSkip; // nothing claimed: the ring is simply empty
        }

        long end = -1;
        bool ambiguous = false;
        for (int i = 1; i <= m.ProducerSlots; i++)
        {
            (long owner, long claimStart, long claimSize) = ParticipantTable.Claim(m, i);
            if (owner == 0 || claimStart > position || claimSize <= 0 || claimSize > m.Capacity || position >= claimStart + claimSize)
            {
                continue;
            }

            if (ParticipantIdentity.IsAlive(owner))
            {
                return NothingToSkip; // a live writer will commit it
            }

            long candidate = claimStart + claimSize;
            ambiguous |= end >= 0 && end != candidate;
            end = Math.Max(end, candidate);
        }

        if (Volatile.Read(ref *(int*)(m.Ring + (position & m.Mask))) > 0)
        {
            return CommittedMeanwhile;
        }

        if (end < 0)
        {
            throw m.Corrupted($"the space at position {position} is claimed (the tail is at {tail}) but no writer's claim covers it");
        }

        if (ambiguous || (end & 7) != 0 || end > tail || end - published > m.Capacity)
        {
            throw m.Corrupted($"writers that died left claims at position {position} that cannot be told apart (ending at {end}, tail {tail})");
        }

        return end;
    }
}
