namespace SysV.Ipc;

/// <summary>How many writers a <see cref="SharedMemoryChannel"/> admits at a time. Fixed at creation.</summary>
public enum ChannelMode
{
    /// <summary>One writer at a time (in any process): the fastest form, with no atomic read-modify-write on the write path.</summary>
    SingleProducer = 1,

    /// <summary>Several writers at once (threads or processes, each with its own writer), which claim space with a compare-and-swap on the tail.</summary>
    MultiProducer = 2,

    /// <summary>
    /// One writer, many readers (up to <see cref="SharedMemoryChannelOptions.MaxReaders"/>, in any processes): every
    /// reader sees every message committed after it joined, in order. The writer waits for the slowest live reader
    /// or drops it, as <see cref="SharedMemoryChannelOptions.SlowReaderPolicy"/> says (format version 3, docs/channel-format.md section 11).
    /// </summary>
    Broadcast = 3,
}
