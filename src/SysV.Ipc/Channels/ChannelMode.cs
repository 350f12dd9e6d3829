namespace SysV.Ipc;

/// <summary>How many writers a <see cref="SharedMemoryChannel"/> admits at a time. Fixed at creation.</summary>
public enum ChannelMode
{
    /// <summary>One writer at a time (in any process): the fastest form, with no atomic read-modify-write on the write path.</summary>
    SingleProducer = 1,

    /// <summary>Several writers at once (threads or processes, each with its own writer), which claim space with a compare-and-swap on the tail.</summary>
    MultiProducer = 2,
}

/// <summary>The part a process plays in a channel, as recorded in its participant table.</summary>
public enum ChannelRole
{
    /// <summary>The one reader.</summary>
    Consumer = 1,

    /// <summary>A writer.</summary>
    Producer = 2,
}
