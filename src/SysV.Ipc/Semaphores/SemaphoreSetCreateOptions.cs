namespace SysV.Ipc;

/// <summary>Options for creating a semaphore set.</summary>
public sealed record SemaphoreSetCreateOptions
{
    /// <summary>Remove the set (IPC_RMID) when the <see cref="SemaphoreSet"/> object that created it is disposed. Off by default: sets persist, as the kernel's do.</summary>
    public bool RemoveOnDispose { get; init; }
}
