namespace SysV.Ipc;

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
