namespace SysV.Ipc.Nats;

/// <summary>Options of <see cref="ChannelBridgeIn"/>: which subject, which channel, which consumer.</summary>
public sealed class ChannelBridgeInOptions : NatsBridgeInOptions
{
    /// <summary>The key of the <see cref="SharedMemoryChannel"/> on this host the messages are written to.</summary>
    public IpcKey ChannelKey { get; set; }

    /// <summary>Create the channel if it does not exist (single producer: the bridge is its writer; <see cref="ChannelCapacity"/>, <see cref="ChannelPermissions"/>).</summary>
    public bool CreateChannel { get; set; }

    /// <summary>The ring size of a channel the bridge creates, in bytes (a power of two; default 1 MiB, messages up to half of it).</summary>
    public long ChannelCapacity { get; set; } = 1 << 20;

    /// <summary>Permissions of a channel the bridge creates.</summary>
    public UnixFileMode ChannelPermissions { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;
}
