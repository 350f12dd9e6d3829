namespace SysV.Ipc;

/// <summary>
/// The channel's shared memory holds something the protocol cannot produce: a bad header, an impossible
/// position or record. The memory is shared with other processes, so this is untrusted input, not a bug
/// of this process; nothing was read or written outside the segment. The channel cannot be used further.
/// </summary>
public sealed class ChannelCorruptedException : IpcException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was found where, and what to do.</param>
    /// <param name="key">The channel's key.</param>
    /// <param name="id">The segment's id.</param>
    public ChannelCorruptedException(string message, IpcKey? key, int? id)
        : base(message, 0, IpcObjectKind.SharedMemory, key, id)
    {
    }
}

/// <summary>
/// The peer this call waits for has died (its process is gone, or its pid now belongs to another process):
/// the wait would never end. Open a new peer (a new reader resumes where the dead one stopped; a new
/// writer takes over a dead writer's place) or give up on the channel.
/// </summary>
public sealed class ChannelPeerDiedException : IpcException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Who died and what to do.</param>
    /// <param name="role">The dead peer's role.</param>
    /// <param name="processId">The dead peer's pid.</param>
    /// <param name="key">The channel's key.</param>
    /// <param name="id">The segment's id.</param>
    public ChannelPeerDiedException(string message, ChannelRole role, int processId, IpcKey? key, int? id)
        : base(message, 0, IpcObjectKind.SharedMemory, key, id)
    {
        Role = role;
        ProcessId = processId;
    }

    /// <summary>Whether the dead peer was the consumer or a producer.</summary>
    public ChannelRole Role { get; }

    /// <summary>The dead peer's pid.</summary>
    public int ProcessId { get; }
}

/// <summary>One entry of a channel's participant table (see <see cref="SharedMemoryChannel.GetParticipants"/>).</summary>
/// <param name="Slot">The slot index: 0 is the consumer's, the others producers'.</param>
/// <param name="Role">Consumer or producer.</param>
/// <param name="ProcessId">The pid that holds the slot.</param>
/// <param name="IsAlive">Whether that process still runs (pid and start time match).</param>
/// <param name="SinceHeartbeat">How long ago the participant last went through a slow path (opened, waited), by the system's monotonic clock.</param>
public sealed record ChannelParticipant(int Slot, ChannelRole Role, int ProcessId, bool IsAlive, TimeSpan SinceHeartbeat)
{
    /// <summary>
    /// Where this participant is, in bytes since the channel's creation: a reader's published position (a
    /// broadcast reader's cursor, which the writer waits for; a single reader's consumed position), a writer's
    /// tail (single producer, broadcast) or last claim (multi-producer).
    /// </summary>
    public long Position { get; init; }

    /// <summary>Whether the writer of a broadcast channel with the drop-after policy gave up on this reader (it is told on its next read).</summary>
    public bool IsDropped { get; init; }
}
