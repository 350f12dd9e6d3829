namespace SysV.Ipc;

/// <summary>
/// A reader of a <see cref="ChannelMode.Broadcast"/> channel lost its place: it kept the writer waiting longer
/// than the channel's <see cref="SlowReaderPolicy.DropAfter"/> allowance, or, having started at
/// <see cref="ReaderStart.Oldest"/>, the writer overwrote the old messages it was catching up on. The messages
/// it had not read are gone; the reader itself stays open and reads on from the newest message.
/// </summary>
public sealed class ChannelReaderDroppedException : IpcException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened, how far behind the reader was, and what to do.</param>
    /// <param name="position">The reader's position when it lost its place.</param>
    /// <param name="writerPosition">The writer's position then.</param>
    /// <param name="resumedAt">Where the reader reads on from.</param>
    /// <param name="key">The channel's key.</param>
    /// <param name="id">The segment's id.</param>
    public ChannelReaderDroppedException(string message, long position, long writerPosition, long resumedAt, IpcKey? key, int? id)
        : base(message, 0, IpcObjectKind.SharedMemory, key, id)
    {
        Position = position;
        WriterPosition = writerPosition;
        ResumedAt = resumedAt;
    }

    /// <summary>The reader's position (bytes since the channel's creation) when it lost its place.</summary>
    public long Position { get; }

    /// <summary>The writer's position at that moment.</summary>
    public long WriterPosition { get; }

    /// <summary>How far behind the writer the reader was, in ring bytes (record headers and padding included).</summary>
    public long BytesBehind => WriterPosition - Position;

    /// <summary>The position the reader reads on from: everything between <see cref="Position"/> and this was lost to it.</summary>
    public long ResumedAt { get; }
}
