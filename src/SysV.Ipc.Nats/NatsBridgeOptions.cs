namespace SysV.Ipc.Nats;

/// <summary>What every bridge's options share: the server, the subject, this host's name.</summary>
public abstract class NatsBridgeOptions
{
    private protected NatsBridgeOptions()
    {
    }

    /// <summary>The NATS server(s), as NATS URLs (<c>nats://host:4222</c>; several separated by commas).</summary>
    public string Url { get; set; } = "nats://127.0.0.1:4222";

    /// <summary>
    /// Out: the subject published to, may contain <c>{type}</c> (replaced by each message's type). In: the
    /// subject filter consumed (<c>orders.*</c>, <c>orders.&gt;</c>); a stream must store it.
    /// </summary>
    public string Subject { get; set; } = string.Empty;

    /// <summary>This host's name in message ids, the <c>Sysv-Host</c> header and the default durable name (default: the host name). Unique per host.</summary>
    public string HostId { get; set; } = Environment.MachineName;
}

/// <summary>What the options of the out bridges share: the stream, its replicas and duplicate window, the acknowledgment wait.</summary>
public abstract class NatsBridgeOutOptions : NatsBridgeOptions
{
    private protected NatsBridgeOutOptions()
    {
    }

    /// <summary>The JetStream stream to create if no stream stores the subject yet; <see langword="null"/>: one must exist.</summary>
    public string? Stream { get; set; }

    /// <summary>Replicas of a stream the bridge creates (1, or 3 on a three-node cluster).</summary>
    public int StreamReplicas { get; set; } = 1;

    /// <summary>JetStream's duplicate window of a stream the bridge creates: a republication within it is dropped.</summary>
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long to wait for JetStream's acknowledgment before publishing again.</summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>What the options of the in bridges share: the durable consumer, the pull size, where undeliverable messages go.</summary>
public abstract class NatsBridgeInOptions : NatsBridgeOptions
{
    private protected NatsBridgeInOptions()
    {
    }

    /// <summary>The durable consumer's name (default <c>sysvipc-HOST-KEY</c>, or <c>sysvipc-HOST-chan-KEY</c> for a channel); one per host and target.</summary>
    public string? Durable { get; set; }

    /// <summary>How many messages one pull asks for.</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>Where messages that cannot be delivered on this host are kept (too large, bad type header), one file each.</summary>
    public string ParkDirectory { get; set; } = "/var/tmp/sysvipc-bridge/parked";
}
