namespace SysV.Ipc;

/// <summary>How a process attaches shared memory: to read and write, or only to read (SHM_RDONLY).</summary>
public enum SharedMemoryAccess
{
    /// <summary>Read and write (shmat without flags).</summary>
    ReadWrite = 0,

    /// <summary>
    /// Read only (SHM_RDONLY): the attachment hands out only read-only views, and write attempts throw
    /// instead of faulting. Needs only read permission on the segment.
    /// </summary>
    ReadOnly = 1,
}
