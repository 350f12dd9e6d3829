namespace SysV.Ipc;

/// <summary>
/// Ownership of an <see cref="IpcMutex"/>, released by <see cref="Dispose"/> (use it in a <c>using</c>
/// statement). Disposing it twice, or disposing a copy, releases only once.
/// </summary>
public readonly struct IpcMutexScope : IDisposable
{
    private readonly IpcMutex? _mutex;
    private readonly long _generation;

    internal IpcMutexScope(IpcMutex mutex, long generation, int abandonedBy)
    {
        _mutex = mutex;
        _generation = generation;
        AbandonedOwnerProcessId = abandonedBy;
    }

    /// <summary>
    /// Whether the previous owner died while holding the mutex (the kernel released it through SEM_UNDO).
    /// The data it protects may be half updated: check and repair it before relying on it. This is what
    /// .NET's <see cref="AbandonedMutexException"/> reports; here it is a property, so the <c>using</c>
    /// statement that owns the scope still releases the mutex.
    /// </summary>
    public bool WasAbandoned => AbandonedOwnerProcessId != 0;

    /// <summary>The pid of the owner that died holding the mutex (-1 if the kernel no longer knows it), or 0 when it was released normally.</summary>
    public int AbandonedOwnerProcessId { get; }

    /// <summary>Whether this scope holds the mutex (false for <c>default</c> and after <see cref="Dispose"/>).</summary>
    public bool IsHeld => _mutex is not null && _mutex.IsHeldBy(_generation);

    /// <summary>Releases the mutex (one semop), if this scope still holds it.</summary>
    public void Dispose() => _mutex?.Release(_generation);
}
