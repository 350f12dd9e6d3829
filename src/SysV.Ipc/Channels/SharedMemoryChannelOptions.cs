namespace SysV.Ipc;

/// <summary>How a <see cref="SharedMemoryChannel"/> is created. Everything here is recorded in the segment's header.</summary>
public sealed class SharedMemoryChannelOptions
{
    /// <summary>Single producer (default, fastest) or several concurrent producers.</summary>
    public ChannelMode Mode { get; set; } = ChannelMode.SingleProducer;

    /// <summary>The largest message, in bytes. Default (0): the most the ring allows, half its capacity less the 8-byte record header.</summary>
    public int MaxMessageSize { get; set; }

    /// <summary>How many writers may be open at once in <see cref="ChannelMode.MultiProducer"/> mode (default 16, at most 1024). Always 1 for a single-producer channel.</summary>
    public int MaxProducers { get; set; } = 16;

    /// <summary>How many readers may be open at once in <see cref="ChannelMode.Broadcast"/> mode (default 16, at most 1024). Ignored by the other modes, which have one reader.</summary>
    public int MaxReaders { get; set; } = 16;

    /// <summary>What the writer of a <see cref="ChannelMode.Broadcast"/> channel does about a reader that keeps the ring full: <see cref="SlowReaderPolicy.Block"/> (default) or <see cref="SlowReaderPolicy.DropAfter"/>. Ignored by the other modes.</summary>
    public SlowReaderPolicy SlowReaderPolicy { get; set; } = SlowReaderPolicy.Block;

    /// <summary>Who may open the channel, like file permissions (default 0600: read and write for the owner).</summary>
    public UnixFileMode Permissions { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Remove the segment when the creating <see cref="SharedMemoryChannel"/> is disposed. Off by default: kernel objects persist until removed.</summary>
    public bool RemoveOnDispose { get; set; }
}
