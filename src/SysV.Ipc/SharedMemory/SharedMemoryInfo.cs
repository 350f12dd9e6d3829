namespace SysV.Ipc;

/// <summary>The state of a shared memory segment (shmctl IPC_STAT, or a row of /proc/sysvipc/shm).</summary>
public sealed record SharedMemoryInfo : IpcObjectInfo
{
    /// <inheritdoc/>
    public override IpcObjectKind Kind => IpcObjectKind.SharedMemory;

    /// <summary>The size requested at creation, in bytes (the kernel allocates whole pages).</summary>
    public required long Size { get; init; }

    /// <summary>The pid of the process that created it.</summary>
    public required int CreatorProcessId { get; init; }

    /// <summary>The pid of the last process that attached or detached it.</summary>
    public required int LastProcessId { get; init; }

    /// <summary>How many attachments exist right now, in all processes.</summary>
    public required long AttachCount { get; init; }

    /// <summary>The last attach time; null when never attached.</summary>
    public required DateTimeOffset? LastAttachTime { get; init; }

    /// <summary>The last detach time; null when never detached.</summary>
    public required DateTimeOffset? LastDetachTime { get; init; }

    /// <summary>Removal was requested while attached (SHM_DEST): the segment goes away at its last detach. ipcs shows "dest".</summary>
    public bool IsMarkedForRemoval => (Mode & Interop.Libc.SHM_DEST) != 0;

    /// <summary>The segment is locked in memory (SHM_LOCK). ipcs shows "locked".</summary>
    public bool IsLocked => (Mode & Interop.Libc.SHM_LOCKED) != 0;

    /// <summary>Resident bytes, when read from /proc/sysvipc/shm (null from IPC_STAT).</summary>
    public long? ResidentBytes { get; init; }

    /// <summary>Swapped bytes, when read from /proc/sysvipc/shm (null from IPC_STAT).</summary>
    public long? SwappedBytes { get; init; }
}
