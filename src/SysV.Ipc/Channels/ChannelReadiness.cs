namespace SysV.Ipc;

/// <summary>Why a <see cref="ChannelWaitSet"/> reports one of its readers or writers: what its next call will find.</summary>
public enum ChannelReadiness
{
    /// <summary>
    /// A reader has a message to read; a writer has room for the message length it was added with. (Also
    /// when the segment is corrupt there: the next call then throws <see cref="ChannelCorruptedException"/>.)
    /// </summary>
    Ready = 1,

    /// <summary>The channel was completed: a reader has read everything (its reads report the end), a writer can write nothing more.</summary>
    Completed = 2,

    /// <summary>
    /// The other side died: every writer of a reader with an empty ring, or the reader of a writer waiting for room.
    /// A blocking read or write would throw <see cref="ChannelPeerDiedException"/>; a new peer that opens the channel ends it.
    /// Checked once per sleep slice of the set's <see cref="ChannelWaitStrategy"/>, from the second slice of a wait on.
    /// </summary>
    PeerDied = 3,

    /// <summary>The reader or writer was disposed (also by another thread while the set waited): remove it from the set.</summary>
    Disposed = 4,
}
