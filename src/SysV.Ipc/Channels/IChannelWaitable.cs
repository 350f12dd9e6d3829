namespace SysV.Ipc;

/// <summary>
/// A side of a channel that can wait together with others (in a <see cref="ChannelWaitSet"/> or in the
/// process's async waiter): a futex word in the segment that its peers wake, the flag that tells them
/// someone sleeps, and a readiness check. Readers and writers of every ring algorithm implement it, so
/// any of them can join a set.
/// </summary>
/// <remarks>
/// The protocol is the blocking calls' (docs/channels.md, "Sleeping and waking"): read the word, announce
/// the sleep, one heavy fence (<see cref="AsymmetricFence.Heavy"/>, once for a whole set), check again, and
/// only then sleep while the word still holds the value read. Whoever waits owns the reader or writer for
/// that time (its owner thread is blocked or awaiting), so <see cref="Check"/> may do what its calls do.
/// </remarks>
internal unsafe interface IChannelWaitable
{
    /// <summary>The channel whose mapping holds the word; a waiter keeps it mapped with a waiter reference.</summary>
    SharedMemoryChannel Channel { get; }

    /// <summary>The reader's or writer's wait strategy (its sleep slice bounds how late a dead peer is noticed).</summary>
    ChannelWaitStrategy Strategy { get; }

    /// <summary>The word its peers wake (in the channel's mapping).</summary>
    int* SleepWord { get; }

    /// <summary>Reads the word, then announces the sleep; returns the value read (sleep only while the word still holds it).</summary>
    int AnnounceSleep();

    /// <summary>Takes the announcement back (after the wait, ready or not).</summary>
    void WithdrawSleep();

    /// <summary>
    /// What its next call would find, or <see langword="default"/> (0) when it would wait. With
    /// <paramref name="checkPeers"/>, also records a heartbeat, recovers what dead peers left (a dead
    /// writer's claim) and reports <see cref="ChannelReadiness.PeerDied"/>. Never throws for the channel's
    /// state: a corrupt segment is <see cref="ChannelReadiness.Ready"/> (the call says what is wrong).
    /// </summary>
    ChannelReadiness Check(bool checkPeers);
}
