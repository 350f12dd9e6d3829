using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// The address of one attachment (shmat). The attachment is the only thing a process owns, so it is the
/// SafeHandle: shmdt runs exactly once, on dispose or from the finalizer.
/// </summary>
internal sealed class SharedMemoryHandle : SafeBuffer
{
    public SharedMemoryHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => Libc.shmdt(handle) == 0;
}
