namespace SysV.Ipc;

/// <summary>How a shared memory segment is created: permissions, huge pages, no-reserve, removal on dispose.</summary>
public sealed class SharedMemoryCreateOptions
{
    /// <summary>Who may attach: like file permissions (default 0600, read and write for the owner).</summary>
    public UnixFileMode Permissions { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Back the segment with huge pages (SHM_HUGETLB). Needs pages reserved in /proc/sys/vm/nr_hugepages; the size is rounded up to the huge page size by the kernel.</summary>
    public bool HugePages { get; set; }

    /// <summary>Do not reserve swap space for the segment (SHM_NORESERVE).</summary>
    public bool NoReserve { get; set; }

    /// <summary>Remove the segment (IPC_RMID) when the <see cref="SharedMemorySegment"/> object that created it is disposed. Off by default: segments persist, as the kernel's do.</summary>
    public bool RemoveOnDispose { get; set; }
}
