namespace SysV.Ipc;

/// <summary>The part a process plays in a channel, as recorded in its participant table.</summary>
public enum ChannelRole
{
    /// <summary>The one reader.</summary>
    Consumer = 1,

    /// <summary>A writer.</summary>
    Producer = 2,
}
