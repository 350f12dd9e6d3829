namespace SysV.Ipc;

/// <summary>
/// The peer this call waits for has died (its process is gone, or its pid now belongs to another process):
/// the wait would never end. Open a new peer (a new reader resumes where the dead one stopped; a new
/// writer takes over a dead writer's place) or give up on the channel.
/// </summary>
public sealed class ChannelPeerDiedException : IpcException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Who died and what to do.</param>
    /// <param name="role">The dead peer's role.</param>
    /// <param name="processId">The dead peer's pid.</param>
    /// <param name="key">The channel's key.</param>
    /// <param name="id">The segment's id.</param>
    public ChannelPeerDiedException(string message, ChannelRole role, int processId, IpcKey? key, int? id)
        : base(message, 0, IpcObjectKind.SharedMemory, key, id)
    {
        Role = role;
        ProcessId = processId;
    }

    /// <summary>Whether the dead peer was the consumer or a producer.</summary>
    public ChannelRole Role { get; }

    /// <summary>The dead peer's pid.</summary>
    public int ProcessId { get; }
}
