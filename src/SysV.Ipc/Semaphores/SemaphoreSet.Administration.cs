namespace SysV.Ipc;

/// <summary>IPC_STAT and IPC_SET: the set's state, permissions and owner.</summary>
public sealed partial class SemaphoreSet
{
    /// <summary>Reads the set's state (semctl IPC_STAT).</summary>
    /// <returns>Size, permissions, owner, creator, last operation and change times.</returns>
    public SemaphoreSetInfo GetInfo()
    {
        ThrowIfDisposed();
        return SemaphoreSetStatus.Stat(Id, Key);
    }

    /// <summary>Changes the permission bits (semctl IPC_SET). Only the owner, the creator or a privileged process may.</summary>
    /// <param name="permissions">The new rwx bits for user, group, others (r: read values; w: operate and set).</param>
    public void SetPermissions(UnixFileMode permissions) => _state.SetPermissions(permissions);

    /// <summary>Changes the owner (semctl IPC_SET). Only the owner, the creator or a privileged process may.</summary>
    /// <param name="userId">The new owner's uid.</param>
    /// <param name="groupId">The new owner's gid.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is 4294967295 ((uid_t)-1), which names no user or group.</exception>
    public void SetOwner(uint userId, uint groupId) => _state.SetOwner(userId, groupId);
}
