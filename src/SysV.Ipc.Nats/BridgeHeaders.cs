namespace SysV.Ipc.Nats;

/// <summary>The NATS headers the bridges write and read.</summary>
public static class BridgeHeaders
{
    /// <summary>The System V message type (mtype), in decimal. Restored by the in bridge; a message without it gets the in bridge's default type.</summary>
    public const string MessageType = "Sysv-Type";

    /// <summary>The host the message came from (the out bridge's host id).</summary>
    public const string Host = "Sysv-Host";

    /// <summary>The key of the queue the message came from (0x%08x).</summary>
    public const string QueueKey = "Sysv-Queue";

    /// <summary>The key of the channel the message came from (0x%08x), on messages from a channel's out bridge.</summary>
    public const string Channel = "Sysv-Channel";

    /// <summary>JetStream's de-duplication header: host, queue, epoch and sequence; a republication after a crash carries the same id.</summary>
    public const string MessageId = "Nats-Msg-Id";
}
