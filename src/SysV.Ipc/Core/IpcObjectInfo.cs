namespace SysV.Ipc;

/// <summary>What every System V IPC object reports through IPC_STAT and /proc/sysvipc: identity, owner, creator, mode.</summary>
public abstract record IpcObjectInfo
{
    /// <summary>The kind of object.</summary>
    public abstract IpcObjectKind Kind { get; }

    /// <summary>The object's id (shmid, msqid or semid).</summary>
    public required int Id { get; init; }

    /// <summary>The key it was created with; <see cref="IpcKey.Private"/> for IPC_PRIVATE objects and for removed segments still attached.</summary>
    public required IpcKey Key { get; init; }

    /// <summary>The nine permission bits (rwx for user, group, others).</summary>
    public UnixFileMode Permissions => (UnixFileMode)(Mode & 0x1FF);

    /// <summary>The raw mode word, including kind-specific state bits (SHM_DEST 01000, SHM_LOCKED 02000).</summary>
    public required int Mode { get; init; }

    /// <summary>The owner's user id.</summary>
    public required uint OwnerUserId { get; init; }

    /// <summary>The owner's group id.</summary>
    public required uint OwnerGroupId { get; init; }

    /// <summary>The creator's user id.</summary>
    public required uint CreatorUserId { get; init; }

    /// <summary>The creator's group id.</summary>
    public required uint CreatorGroupId { get; init; }

    /// <summary>When the object was created or last changed with IPC_SET; null when the kernel says "Not set".</summary>
    public required DateTimeOffset? LastChangeTime { get; init; }
}
