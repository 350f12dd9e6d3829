using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// The address of one attachment (shmat). The attachment is the only thing a process owns, so it is the
/// SafeHandle: shmdt runs exactly once, on dispose or from the finalizer.
/// </summary>
/// <remarks>
/// An owner that cannot stop other threads from touching the memory at any moment (the channel's
/// lock-free fast paths) asks for <see cref="ReleaseToPlaceholder"/> instead: the release then maps
/// private zero pages over the attachment at the same address (mmap MAP_FIXED, which detaches the
/// segment as shmdt would), so a racing access reads zeros or writes into memory nobody else sees,
/// instead of faulting or reaching a mapping made later at that address. The placeholder is unmapped
/// when this handle is collected, that is once no object that could hand out the address is reachable.
/// </remarks>
internal sealed class SharedMemoryHandle : SafeBuffer
{
    private bool _placeholderOnRelease;
    private AddressRangePlaceholder? _placeholder;

    public SharedMemoryHandle()
        : base(ownsHandle: true)
    {
    }

    /// <summary>Releases the attachment now (or when the last DangerousAddRef is released), leaving private zero memory at its address.</summary>
    internal void ReleaseToPlaceholder()
    {
        _placeholderOnRelease = true;
        Dispose();
    }

    protected override bool ReleaseHandle()
    {
        if (_placeholderOnRelease)
        {
            nuint length = (nuint)((ByteLength + (ulong)Environment.SystemPageSize - 1) & ~((ulong)Environment.SystemPageSize - 1));
            nint placed = Libc.mmap(handle, length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_FIXED | Libc.MAP_NORESERVE, -1, 0);
            if (placed == handle)
            {
                _placeholder = new AddressRangePlaceholder(handle, length);
                return true;
            }

            // Refused (a huge-page segment whose mapping is larger than its size): detach the plain way.
        }

        return Libc.shmdt(handle) == 0;
    }

    /// <summary>Private memory left where an attachment was; unmapped by its finalizer, when nothing can reach the address any more.</summary>
    private sealed class AddressRangePlaceholder(nint address, nuint length)
    {
        ~AddressRangePlaceholder() => _ = Libc.munmap(address, length);
    }
}
