namespace SysV.Ipc;

/// <summary>Options for receiving from a <see cref="MessageQueue"/>.</summary>
[Flags]
public enum MessageReceiveOptions
{
    /// <summary>A message longer than the buffer is not received: the receive fails with <see cref="MessageBufferTooSmallException"/> and the message stays queued.</summary>
    None = 0,

    /// <summary>A message longer than the buffer is received truncated to the buffer's length; the rest of it is discarded (MSG_NOERROR).</summary>
    AllowTruncation = 1,
}
