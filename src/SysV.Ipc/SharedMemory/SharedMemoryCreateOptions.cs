namespace SysV.Ipc;

/// <summary>Options for creating a shared memory segment.</summary>
public sealed record SharedMemoryCreateOptions
{
    /// <summary>Back the segment with huge pages (SHM_HUGETLB). Needs pages reserved in /proc/sys/vm/nr_hugepages; the size is rounded up to the huge page size by the kernel.</summary>
    public bool HugePages { get; init; }

    /// <summary>Do not reserve swap space for the segment (SHM_NORESERVE).</summary>
    public bool NoReserve { get; init; }

    /// <summary>Remove the segment (IPC_RMID) when the <see cref="SharedMemorySegment"/> object that created it is disposed. Off by default: segments persist, as the kernel's do.</summary>
    public bool RemoveOnDispose { get; init; }
}
