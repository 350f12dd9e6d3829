namespace SysV.Ipc;

/// <summary>The state of a semaphore set (semctl IPC_STAT, or a row of /proc/sysvipc/sem).</summary>
public sealed record SemaphoreSetInfo : IpcObjectInfo
{
    /// <inheritdoc/>
    public override IpcObjectKind Kind => IpcObjectKind.SemaphoreSet;

    /// <summary>How many semaphores the set has (sem_nsems).</summary>
    public required int Count { get; init; }

    /// <summary>The last semop time; null until the first semop (the basis of race-free initialization).</summary>
    public required DateTimeOffset? LastOperationTime { get; init; }
}
