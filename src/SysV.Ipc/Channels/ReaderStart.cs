namespace SysV.Ipc;

/// <summary>Where a new reader of a <see cref="ChannelMode.Broadcast"/> channel starts.</summary>
public enum ReaderStart
{
    /// <summary>With the first message committed after it joined (the default).</summary>
    Latest = 0,

    /// <summary>
    /// With the oldest message the ring still holds for its readers: the slowest open reader's position, or,
    /// when no reader is open, where the writer last looked for readers (docs/channels.md). Messages the writer
    /// overwrites while this reader catches up are skipped; those committed after it joined never are.
    /// </summary>
    Oldest = 1,
}
