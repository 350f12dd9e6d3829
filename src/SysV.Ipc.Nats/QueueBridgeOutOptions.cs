namespace SysV.Ipc.Nats;

/// <summary>Options of <see cref="QueueBridgeOut"/>: which queue, which subject, which server.</summary>
public sealed class QueueBridgeOutOptions : NatsBridgeOutOptions
{
    /// <summary>The key of the queue on this host whose messages are published. It must exist.</summary>
    public IpcKey QueueKey { get; set; }

    /// <summary>Only these message types are taken (the others stay in the queue for local receivers); empty: every type.</summary>
    public IReadOnlyList<long> Types { get; set; } = [];

    /// <summary>How many messages are published before the acknowledgments are awaited (1 to 128).</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>How often an empty queue is looked at again, at most (the wait grows from 0.1 ms to this).</summary>
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromMilliseconds(2);
}
