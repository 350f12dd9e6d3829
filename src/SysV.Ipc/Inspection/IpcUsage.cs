namespace SysV.Ipc;

/// <summary>What the system's System V IPC objects use right now, as <c>ipcs -u</c> shows it (SHM_INFO, MSG_INFO, SEM_INFO).</summary>
public sealed record IpcUsage
{
    /// <summary>Segments allocated.</summary>
    public required int SegmentCount { get; init; }

    /// <summary>Pages allocated to segments.</summary>
    public required ulong SharedMemoryPages { get; init; }

    /// <summary>Pages resident in memory.</summary>
    public required ulong SharedMemoryResidentPages { get; init; }

    /// <summary>Pages swapped out.</summary>
    public required ulong SharedMemorySwappedPages { get; init; }

    /// <summary>Swap attempts (shm_info.swap_attempts; Linux always reports 0).</summary>
    public ulong SwapAttempts { get; init; }

    /// <summary>Successful swaps (shm_info.swap_successes; Linux always reports 0).</summary>
    public ulong SwapSuccesses { get; init; }

    /// <summary>Queues allocated.</summary>
    public required int QueueCount { get; init; }

    /// <summary>Messages waiting in all queues ("used headers").</summary>
    public required int MessageCount { get; init; }

    /// <summary>Bytes waiting in all queues ("used space").</summary>
    public required long MessageBytes { get; init; }

    /// <summary>Semaphore sets allocated ("used arrays").</summary>
    public required int SemaphoreSetCount { get; init; }

    /// <summary>Semaphores allocated in all sets.</summary>
    public required int SemaphoreCount { get; init; }
}
