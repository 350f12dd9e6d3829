namespace SysV.Ipc;

/// <summary>The system's System V IPC limits, as <c>ipcs -l</c> shows them (from /proc/sys/kernel and IPC_INFO).</summary>
public sealed record IpcLimits
{
    /// <summary>SHMMAX: largest segment, in bytes (/proc/sys/kernel/shmmax).</summary>
    public required ulong MaxSegmentSize { get; init; }

    /// <summary>SHMMIN: smallest segment, in bytes.</summary>
    public required ulong MinSegmentSize { get; init; }

    /// <summary>SHMMNI: most segments system wide (/proc/sys/kernel/shmmni).</summary>
    public required ulong MaxSegments { get; init; }

    /// <summary>SHMALL: most shared memory system wide, in pages (/proc/sys/kernel/shmall).</summary>
    public required ulong MaxTotalSharedMemoryPages { get; init; }

    /// <summary>The page size SHMALL counts in.</summary>
    public required int PageSize { get; init; }

    /// <summary>MSGMAX: largest message body, in bytes (/proc/sys/kernel/msgmax).</summary>
    public required int MaxMessageSize { get; init; }

    /// <summary>MSGMNB: default (and, without CAP_SYS_RESOURCE, maximum) bytes per queue (/proc/sys/kernel/msgmnb).</summary>
    public required int MaxQueueBytes { get; init; }

    /// <summary>MSGMNI: most queues system wide (/proc/sys/kernel/msgmni).</summary>
    public required int MaxQueues { get; init; }

    /// <summary>SEMMSL: most semaphores per set (first field of /proc/sys/kernel/sem).</summary>
    public required int MaxSemaphoresPerSet { get; init; }

    /// <summary>SEMMNS: most semaphores system wide.</summary>
    public required int MaxSemaphoresSystemWide { get; init; }

    /// <summary>SEMOPM: most operations in one semop call.</summary>
    public required int MaxOperationsPerCall { get; init; }

    /// <summary>SEMMNI: most semaphore sets system wide.</summary>
    public required int MaxSemaphoreSets { get; init; }

    /// <summary>SEMVMX: largest semaphore value.</summary>
    public required int MaxSemaphoreValue { get; init; }
}
