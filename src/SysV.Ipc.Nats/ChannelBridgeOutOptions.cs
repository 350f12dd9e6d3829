namespace SysV.Ipc.Nats;

/// <summary>Options of <see cref="ChannelBridgeOut"/>: which channel, which subject, which server.</summary>
public sealed class ChannelBridgeOutOptions : NatsBridgeOutOptions
{
    /// <summary>The key of the <see cref="SharedMemoryChannel"/> on this host whose messages are published. It must exist.</summary>
    public IpcKey ChannelKey { get; set; }

    /// <summary>
    /// The message type written in the <c>Sysv-Type</c> header (a channel's messages have none), and what
    /// <c>{type}</c> in the subject becomes: an in bridge to a queue delivers them with this type.
    /// </summary>
    public long Type { get; set; } = 1;
}
