namespace SysV.Ipc;

/// <summary>How a message queue is created: permissions and removal on dispose.</summary>
public sealed class MessageQueueCreateOptions
{
    /// <summary>Who may send (write) and receive (read), like file permissions (default 0600, the owner only).</summary>
    public UnixFileMode Permissions { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Remove the queue (IPC_RMID) when the <see cref="MessageQueue"/> object that created it is disposed. Off by default: queues persist, as the kernel's do.</summary>
    public bool RemoveOnDispose { get; set; }
}
