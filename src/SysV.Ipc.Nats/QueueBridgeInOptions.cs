namespace SysV.Ipc.Nats;

/// <summary>Options of <see cref="QueueBridgeIn"/>: which subject, which queue, which consumer.</summary>
public sealed class QueueBridgeInOptions : NatsBridgeInOptions
{
    /// <summary>The key of the queue on this host the messages are sent to.</summary>
    public IpcKey QueueKey { get; set; }

    /// <summary>Create the queue if it does not exist (with <see cref="QueuePermissions"/>).</summary>
    public bool CreateQueue { get; set; }

    /// <summary>Permissions of a queue the bridge creates.</summary>
    public UnixFileMode QueuePermissions { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The type given to a message without a <c>Sysv-Type</c> header (one published by another NATS client).</summary>
    public long DefaultType { get; set; } = 1;
}
