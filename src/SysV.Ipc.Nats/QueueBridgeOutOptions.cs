namespace SysV.Ipc.Nats;

/// <summary>Options of <see cref="QueueBridgeOut"/>: which queue, which subject, which server.</summary>
public sealed class QueueBridgeOutOptions
{
    /// <summary>The NATS server(s), as NATS URLs (<c>nats://host:4222</c>; several separated by commas).</summary>
    public string Url { get; set; } = "nats://127.0.0.1:4222";

    /// <summary>The key of the queue on this host whose messages are published. It must exist.</summary>
    public IpcKey QueueKey { get; set; }

    /// <summary>The subject, may contain <c>{type}</c> (replaced by each message's type).</summary>
    public string Subject { get; set; } = string.Empty;

    /// <summary>The JetStream stream to create if no stream stores the subject yet; <see langword="null"/>: one must exist.</summary>
    public string? Stream { get; set; }

    /// <summary>Replicas of a stream the bridge creates (1, or 3 on a three-node cluster).</summary>
    public int StreamReplicas { get; set; } = 1;

    /// <summary>JetStream's duplicate window of a stream the bridge creates: a republication within it is dropped.</summary>
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Only these message types are taken (the others stay in the queue for local receivers); empty: every type.</summary>
    public IReadOnlyList<long> Types { get; set; } = [];

    /// <summary>This host's name in message ids and the <c>Sysv-Host</c> header (default: the host name). Unique per host.</summary>
    public string HostId { get; set; } = Environment.MachineName;

    /// <summary>How many messages are published before the acknowledgments are awaited (1 to 128).</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>How long to wait for JetStream's acknowledgments of a batch before publishing it again.</summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often an empty queue is looked at again, at most (the wait grows from 0.1 ms to this).</summary>
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromMilliseconds(2);
}
