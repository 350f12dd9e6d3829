namespace SysV.Ipc;

/// <summary>One occupied place in a channel's participant table, as <see cref="SharedMemoryChannelStatus"/> reports it.</summary>
/// <param name="Slot">The slot: 0 is the reader, then the writers.</param>
/// <param name="Role">Reader or writer.</param>
/// <param name="ProcessId">The process holding it.</param>
/// <param name="IsAlive">Whether that process still runs (pid and start time match).</param>
/// <param name="Position">The reader's consumed position, or the writer's: its last claim (multi-producer) or the tail (single producer).</param>
/// <param name="Lag">For the reader, the bytes written and not yet read; for a writer, how far its position is ahead of the reader.</param>
/// <param name="IsSleeping">Whether it sleeps on the futex (the reader for data, a writer for room).</param>
/// <param name="SinceHeartbeat">Time since its last slow-path visit, or null when it recorded none.</param>
public sealed record ChannelParticipantStatus(
    int Slot,
    ChannelRole Role,
    int ProcessId,
    bool IsAlive,
    long Position,
    long Lag,
    bool IsSleeping,
    TimeSpan? SinceHeartbeat);
