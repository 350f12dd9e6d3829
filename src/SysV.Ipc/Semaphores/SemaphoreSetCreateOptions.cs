namespace SysV.Ipc;

/// <summary>How a semaphore set is created: permissions and removal on dispose.</summary>
public sealed class SemaphoreSetCreateOptions
{
    /// <summary>Who may use the set, like file permissions: r to read values, w (alter) to operate (default 0600, the owner only).</summary>
    public UnixFileMode Permissions { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Remove the set (IPC_RMID) when the <see cref="SemaphoreSet"/> object that created it is disposed. Off by default: sets persist, as the kernel's do.</summary>
    public bool RemoveOnDispose { get; set; }
}
