using System.Runtime.CompilerServices;

namespace SysV.Ipc;

/// <summary>
/// One attachment (shmat) of a shared memory segment to this process: the memory itself. Dispose it to
/// detach (shmdt); the finalizer detaches it too if it is forgotten.
/// </summary>
/// <remarks>
/// Every typed access is checked in a fixed order: disposed (<see cref="ObjectDisposedException"/>), then
/// read-only (<see cref="InvalidOperationException"/>, never a SIGSEGV), then range
/// (<see cref="ArgumentOutOfRangeException"/>). Spans and references cannot be revoked: keep them within the
/// attachment's <c>using</c> scope. One used after <see cref="Dispose"/> (say by a thread racing it) no longer
/// reaches the segment: it reads zeros and writes into private memory, and never faults.
/// The memory is shared with other processes: treat what they wrote as untrusted input.
/// </remarks>
public sealed unsafe class SharedMemoryAttachment : IDisposable
{
    private readonly SharedMemoryHandle _handle;

    internal SharedMemoryAttachment(SharedMemoryHandle handle, long length, bool readOnly, int segmentId, IpcKey key)
    {
        _handle = handle;
        Length = length;
        IsReadOnly = readOnly;
        Id = segmentId;
        Key = key;
    }

    /// <summary>The id of the attached segment.</summary>
    public int Id { get; }

    /// <summary>The key of the attached segment.</summary>
    public IpcKey Key { get; }

    /// <summary>The number of bytes that may be accessed (the segment's size).</summary>
    public long Length { get; }

    /// <summary>Whether the attachment was made with SHM_RDONLY: then only read-only views are handed out.</summary>
    public bool IsReadOnly { get; }

    /// <summary>Whether <see cref="Dispose"/> was called.</summary>
    public bool IsDisposed => _handle.IsClosed;

    /// <summary>The whole segment as writable bytes.</summary>
    /// <exception cref="InvalidOperationException">The attachment is read-only, or larger than a span can address (use <see cref="GetSpan"/>).</exception>
    public Span<byte> Span => GetSpan(0, CheckedWholeLength());

    /// <summary>The whole segment as read-only bytes.</summary>
    public ReadOnlySpan<byte> ReadOnlySpan => GetReadOnlySpan(0, CheckedWholeLength());

    /// <summary>A writable window of the segment.</summary>
    /// <param name="offset">Start, in bytes from the segment's start.</param>
    /// <param name="length">Length in bytes.</param>
    /// <returns>The window.</returns>
    public Span<byte> GetSpan(long offset, int length)
    {
        ThrowIfNotWritable();
        CheckRange(offset, length, nameof(length));
        return new Span<byte>(Pointer + offset, length);
    }

    /// <summary>A read-only window of the segment.</summary>
    /// <param name="offset">Start, in bytes from the segment's start.</param>
    /// <param name="length">Length in bytes.</param>
    /// <returns>The window.</returns>
    public ReadOnlySpan<byte> GetReadOnlySpan(long offset, int length)
    {
        ThrowIfDisposed();
        CheckRange(offset, length, nameof(length));
        return new ReadOnlySpan<byte>(Pointer + offset, length);
    }

    /// <summary>Reads a value at a byte offset (a copy, checked against the segment's bounds).</summary>
    /// <typeparam name="T">An unmanaged type.</typeparam>
    /// <param name="offset">Byte offset from the segment's start; need not be aligned.</param>
    /// <returns>The value.</returns>
    public T Read<T>(long offset)
        where T : unmanaged
    {
        bool added = false;
        try
        {
            AddRef(ref added);
            CheckRange(offset, sizeof(T));
            return Unsafe.ReadUnaligned<T>(Pointer + offset);
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <summary>Writes a value at a byte offset (checked against the segment's bounds).</summary>
    /// <typeparam name="T">An unmanaged type.</typeparam>
    /// <param name="offset">Byte offset from the segment's start; need not be aligned.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="InvalidOperationException">The attachment is read-only.</exception>
    public void Write<T>(long offset, in T value)
        where T : unmanaged
    {
        bool added = false;
        try
        {
            AddRef(ref added);
            ThrowIfReadOnly();
            CheckRange(offset, sizeof(T));
            Unsafe.WriteUnaligned(Pointer + offset, value);
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <summary>A reference to a value living in the segment: reads and writes go straight to shared memory.</summary>
    /// <typeparam name="T">An unmanaged type.</typeparam>
    /// <param name="offset">Byte offset; must be a multiple of the largest primitive alignment <typeparamref name="T"/> needs if it is used atomically.</param>
    /// <returns>The reference; valid only until the attachment is disposed.</returns>
    /// <exception cref="InvalidOperationException">The attachment is read-only (use <see cref="AsReadOnlyRef{T}"/>).</exception>
    public ref T AsRef<T>(long offset = 0)
        where T : unmanaged
    {
        ThrowIfNotWritable();
        CheckRange(offset, sizeof(T));
        return ref Unsafe.AsRef<T>(Pointer + offset);
    }

    /// <summary>A read-only reference to a value living in the segment.</summary>
    /// <typeparam name="T">An unmanaged type.</typeparam>
    /// <param name="offset">Byte offset.</param>
    /// <returns>The reference; valid only until the attachment is disposed.</returns>
    public ref readonly T AsReadOnlyRef<T>(long offset = 0)
        where T : unmanaged
    {
        ThrowIfDisposed();
        CheckRange(offset, sizeof(T));
        return ref Unsafe.AsRef<T>(Pointer + offset);
    }

    /// <summary>
    /// Detaches the segment. Idempotent. The segment itself stays until removed. A typed read or write
    /// racing the dispose on another thread completes first (it holds a reference). A span or reference
    /// handed out before reads zeros and writes into private memory from then on instead of faulting:
    /// the detach maps private zero pages over the attachment (mmap MAP_FIXED, which detaches as shmdt
    /// would), unmapped once this attachment is collected.
    /// </summary>
    public void Dispose() => _handle.ReleaseToPlaceholder();

    /// <inheritdoc/>
    public override string ToString() =>
        $"{IpcErrors.Describe(IpcObjectKind.SharedMemory, Key, Id)}, {Length} bytes attached {(IsReadOnly ? "read-only" : "read-write")}{(IsDisposed ? " (detached)" : string.Empty)}";

    /// <summary>The attachment's base address, for the library's own structured views. Callers check disposal first.</summary>
    internal byte* Pointer => (byte*)_handle.DangerousGetHandle();

    internal SharedMemoryHandle Handle => _handle;

    /// <summary>
    /// Detaches, leaving private zero memory at the same address until this attachment is collected: for
    /// owners whose other threads may still be touching the memory through raw pointers at this moment.
    /// </summary>
    internal void DisposeToPlaceholder() => _handle.ReleaseToPlaceholder();

    private int CheckedWholeLength()
    {
        ThrowIfDisposed();
        return Length <= int.MaxValue
            ? (int)Length
            : throw new InvalidOperationException($"The segment is {Length} bytes, more than one span can address; use GetSpan(offset, length) for a window.");
    }

    private void AddRef(ref bool added)
    {
        ThrowIfDisposed();
        _handle.DangerousAddRef(ref added);
    }

    private void ThrowIfNotWritable()
    {
        ThrowIfDisposed();
        ThrowIfReadOnly();
    }

    private void ThrowIfReadOnly()
    {
        if (IsReadOnly)
        {
            throw new InvalidOperationException(
                $"The {IpcErrors.Describe(IpcObjectKind.SharedMemory, Key, Id)} is attached read-only (SHM_RDONLY): writing to it would fault. Attach it with SharedMemoryAccess.ReadWrite to write.");
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_handle.IsClosed, this);

    private void CheckRange(long offset, long count, string countName = "sizeof(T)")
    {
        if (count < 0)
        {
            throw new ArgumentOutOfRangeException(countName, count, "The length must not be negative.");
        }

        if (offset < 0 || offset > Length - count)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset,
                $"The range [{offset}, {offset}+{count}) lies outside the {Length} bytes of {IpcErrors.Describe(IpcObjectKind.SharedMemory, Key, Id)}.");
        }
    }
}
