namespace SysV.Ipc;

/// <summary>
/// The channel's shared memory holds something the protocol cannot produce: a bad header, an impossible
/// position or record. The memory is shared with other processes, so this is untrusted input, not a bug
/// of this process; nothing was read or written outside the segment. The channel cannot be used further.
/// </summary>
public sealed class ChannelCorruptedException : IpcException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was found where, and what to do.</param>
    /// <param name="key">The channel's key.</param>
    /// <param name="id">The segment's id.</param>
    public ChannelCorruptedException(string message, IpcKey? key, int? id)
        : base(message, 0, IpcObjectKind.SharedMemory, key, id)
    {
    }
}
