namespace SysV.Ipc.Nats;

/// <summary>Options of <see cref="QueueBridgeIn"/>: which subject, which queue, which consumer.</summary>
public sealed class QueueBridgeInOptions
{
    /// <summary>The NATS server(s), as NATS URLs.</summary>
    public string Url { get; set; } = "nats://127.0.0.1:4222";

    /// <summary>The subject filter consumed (<c>orders.*</c>, <c>orders.&gt;</c>); a stream must store it.</summary>
    public string Subject { get; set; } = string.Empty;

    /// <summary>The key of the queue on this host the messages are sent to.</summary>
    public IpcKey QueueKey { get; set; }

    /// <summary>Create the queue if it does not exist (with <see cref="QueuePermissions"/>).</summary>
    public bool CreateQueue { get; set; }

    /// <summary>Permissions of a queue the bridge creates.</summary>
    public UnixFileMode QueuePermissions { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The durable consumer's name (default <c>sysvipc-HOST-KEY</c>). One per host and queue.</summary>
    public string? Durable { get; set; }

    /// <summary>This host's name, used in the default durable name.</summary>
    public string HostId { get; set; } = Environment.MachineName;

    /// <summary>The type given to a message without a <c>Sysv-Type</c> header (one published by another NATS client).</summary>
    public long DefaultType { get; set; } = 1;

    /// <summary>How many messages one pull asks for.</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>Where messages that cannot be sent on this host are kept (larger than MSGMAX, bad type header), one file each.</summary>
    public string ParkDirectory { get; set; } = "/var/tmp/sysvipc-bridge/parked";
}
