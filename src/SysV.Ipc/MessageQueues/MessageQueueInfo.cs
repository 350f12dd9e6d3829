namespace SysV.Ipc;

/// <summary>The state of a message queue (msgctl IPC_STAT, or a row of /proc/sysvipc/msg).</summary>
public sealed record MessageQueueInfo : IpcObjectInfo
{
    /// <inheritdoc/>
    public override IpcObjectKind Kind => IpcObjectKind.MessageQueue;

    /// <summary>Messages waiting in the queue (msg_qnum).</summary>
    public required long MessageCount { get; init; }

    /// <summary>Bytes of message bodies waiting in the queue (msg_cbytes; ipcs "used-bytes").</summary>
    public required long BytesUsed { get; init; }

    /// <summary>The most bytes the queue may hold (msg_qbytes); null when it could not be read (no read permission).</summary>
    public required long? MaxBytes { get; init; }

    /// <summary>The pid of the last sender.</summary>
    public required int LastSendProcessId { get; init; }

    /// <summary>The pid of the last receiver.</summary>
    public required int LastReceiveProcessId { get; init; }

    /// <summary>The last send time; null when nothing was ever sent.</summary>
    public required DateTimeOffset? LastSendTime { get; init; }

    /// <summary>The last receive time; null when nothing was ever received.</summary>
    public required DateTimeOffset? LastReceiveTime { get; init; }
}
