namespace SysV.Ipc;

/// <summary>
/// What a primitive (message queue, shared memory segment or semaphore set object) keeps of the kernel
/// object it names, and the calls every kind makes the same way: its identity, whether this object created
/// it, removal on dispose, whether it is disposed; IPC_SET of mode and owner, IPC_RMID unless it is gone,
/// and the error of a call that a <c>Dispose</c> on another thread cut short.
/// </summary>
/// <param name="owner">The public object (named in its errors: its type when disposed, its <c>ToString</c> otherwise).</param>
/// <param name="kind">The kernel object's kind.</param>
/// <param name="id">Its id.</param>
/// <param name="key">Its key.</param>
/// <param name="created">Whether the owner created it.</param>
internal sealed class IpcObjectState(object owner, IpcObjectKind kind, int id, IpcKey key, bool created)
{
    private volatile bool _disposed;

    public int Id => id;

    public IpcKey Key => key;

    public bool WasCreated => created;

    public bool RemoveOnDispose { get; set; }

    public bool IsDisposed => _disposed;

    public void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, owner);

    /// <summary>IPC_SET of the permission bits.</summary>
    public void SetPermissions(UnixFileMode permissions)
    {
        ThrowIfDisposed();
        IpcPermissions.SetMode(kind, id, key, permissions);
    }

    /// <summary>IPC_SET of the owner's uid and gid.</summary>
    public void SetOwner(uint userId, uint groupId)
    {
        ThrowIfDisposed();
        IpcPermissions.SetOwner(kind, id, key, userId, groupId);
    }

    /// <summary>IPC_RMID unless the object is gone already; whether this call removed it.</summary>
    public bool TryRemove()
    {
        ThrowIfDisposed();
        return IpcRemoval.TryRemove(kind, id);
    }

    /// <summary>Marks the owner disposed (once), removing the object if <see cref="RemoveOnDispose"/> is set.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            IpcRemoval.RemoveOnDispose(RemoveOnDispose, kind, id);
        }
    }

    /// <summary>"message queue with key 0x0000abcd (id 3)": the start of the owner's <c>ToString</c>.</summary>
    public string Describe() => IpcErrors.Describe(kind, key, id);

    /// <summary>
    /// <paramref name="error"/>, or, when the owner was disposed meanwhile (a <c>Dispose</c> on another thread,
    /// which may have removed the object under the call), the error every call on a disposed object ends with,
    /// the kernel's error inside.
    /// </summary>
    public Exception OrDisposed(IpcException error) => _disposed ? DisposedDuringCall(error) : error;

    /// <summary>The error of a call that a <c>Dispose</c> on another thread cut short; the kernel's error inside.</summary>
    public ObjectDisposedException DisposedDuringCall(IpcException error) =>
        new($"The {owner} was disposed by another thread during this call{(RemoveOnDispose ? ", which removed it" : string.Empty)}.", error);
}
