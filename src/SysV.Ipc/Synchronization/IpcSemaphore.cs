namespace SysV.Ipc;

/// <summary>
/// A counting semaphore shared by processes: one System V semaphore. <see cref="Wait"/> takes one unit
/// (blocking while the count is 0), <see cref="Release"/> adds units and wakes waiters. Each call is one
/// system call (semop; semtimedop for timed or cancellable waits).
/// </summary>
/// <remarks>
/// Unlike <see cref="IpcMutex"/>, units taken here are not given back when a process dies, unless
/// <see cref="SemaphoreOperationFlags.Undo"/> is passed to both <see cref="Wait"/> and <see cref="Release"/> in the same process.
/// Signalling semaphores (one process waits, another releases, as the sample's request and reply
/// semaphores) must not use undo.
/// </remarks>
public sealed class IpcSemaphore : IDisposable
{
    private readonly SemaphoreSet _set;
    private readonly int _index;
    private readonly bool _ownsSet;

    private IpcSemaphore(SemaphoreSet set, int index, bool ownsSet)
    {
        _set = set;
        _index = index;
        _ownsSet = ownsSet;
    }

    /// <summary>The semaphore set it lives in.</summary>
    public SemaphoreSet Semaphores => _set;

    /// <summary>Its index in <see cref="Semaphores"/>.</summary>
    public int Index => _index;

    /// <summary>The current count (semctl GETVAL): a snapshot, stale as soon as it is read.</summary>
    public int CurrentCount => _set.GetValue(_index);

    /// <summary>Creates a semaphore in a new set of one.</summary>
    /// <param name="key">The key.</param>
    /// <param name="initialCount">0 to 32767.</param>
    /// <param name="options">Permissions (default 0600) and removal on dispose.</param>
    /// <returns>The semaphore.</returns>
    public static IpcSemaphore Create(IpcKey key, int initialCount, SemaphoreSetCreateOptions? options = null) =>
        new(SemaphoreSet.Create(key, 1, [initialCount], options), 0, ownsSet: true);

    /// <summary>Opens a semaphore made by <see cref="Create"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="options">How long to wait for initialization.</param>
    /// <returns>The semaphore.</returns>
    public static IpcSemaphore Open(IpcKey key, SemaphoreSetOpenOptions? options = null) =>
        new(SemaphoreSet.Open(key, options), 0, ownsSet: true);

    /// <summary>Opens a semaphore made by <see cref="Create"/>, if there is one.</summary>
    /// <param name="key">The key.</param>
    /// <param name="semaphore">The semaphore, when the result is <see langword="true"/>.</param>
    /// <param name="options">How long to wait for initialization.</param>
    /// <returns><see langword="false"/> when no semaphore set has this key; other failures throw as Open does.</returns>
    public static bool TryOpen(IpcKey key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IpcSemaphore? semaphore, SemaphoreSetOpenOptions? options = null)
    {
        semaphore = SemaphoreSet.TryOpen(key, out SemaphoreSet? set, options) ? new IpcSemaphore(set, 0, ownsSet: true) : null;
        return semaphore is not null;
    }

    /// <summary>A semaphore at <paramref name="index"/> of a set that holds other things too; disposing it leaves the set alone.</summary>
    /// <param name="set">The set.</param>
    /// <param name="index">The index.</param>
    /// <returns>The semaphore.</returns>
    public static IpcSemaphore OnSemaphore(SemaphoreSet set, int index)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, set.Count);
        return new IpcSemaphore(set, index, ownsSet: false);
    }

    /// <summary>Takes one unit, waiting while the count is 0 (semop {i, -1}).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="IpcObjectRemovedException">The set was removed while waiting.</exception>
    public void Wait(CancellationToken cancellationToken = default) => _set.Wait(_index, 1, flags: SemaphoreOperationFlags.None, cancellationToken);

    /// <summary>Takes one unit if one becomes available within <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> does not wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Whether a unit was taken.</returns>
    public bool TryWait(TimeSpan timeout, CancellationToken cancellationToken = default) => _set.TryWait(_index, timeout, 1, flags: SemaphoreOperationFlags.None, cancellationToken);

    /// <summary>Adds <paramref name="count"/> units and wakes as many waiters (semop {i, +count}). Never blocks.</summary>
    /// <param name="count">1 to 32767; the value may not exceed 32767.</param>
    public void Release(int count = 1) => _set.Release(_index, count);

    /// <summary>Disposes the set object if this semaphore created or opened it.</summary>
    public void Dispose()
    {
        if (_ownsSet)
        {
            _set.Dispose();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"IpcSemaphore {_index} of {_set}";
}
