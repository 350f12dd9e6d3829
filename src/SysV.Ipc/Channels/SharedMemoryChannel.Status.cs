namespace SysV.Ipc;

public sealed partial class SharedMemoryChannel
{
    /// <summary>A snapshot of the channel's state: what waits in the ring, who reads and writes, who sleeps.</summary>
    /// <returns>The status.</returns>
    /// <exception cref="ChannelCorruptedException">The segment's positions are impossible.</exception>
    /// <exception cref="ObjectDisposedException">The channel is disposed.</exception>
    public SharedMemoryChannelStatus GetStatus()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return SharedMemoryChannelStatus.Read(_memory);
    }
}
