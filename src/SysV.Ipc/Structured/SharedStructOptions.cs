namespace SysV.Ipc;

/// <summary>Options for creating or opening a <see cref="SharedStruct{T}"/>.</summary>
public sealed class SharedStructOptions
{
    /// <summary>Who may attach a new area, like file permissions (default 0600, read and write for the owner). Used only when the call creates the area.</summary>
    public UnixFileMode Permissions { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// How long an opener waits for another process that is still initializing the area (default 30 s).
    /// The wait ends early, with an error, when that process died. <see cref="Timeout.InfiniteTimeSpan"/>
    /// waits until the area is ready or its creator dies; other negative values are rejected.
    /// </summary>
    public TimeSpan InitializationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Remove the segment (IPC_RMID) when the <see cref="SharedStruct{T}"/> is disposed. Off by default.</summary>
    public bool RemoveOnDispose { get; set; }
}
