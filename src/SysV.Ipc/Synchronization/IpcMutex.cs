using System.Globalization;

namespace SysV.Ipc;

/// <summary>
/// A mutex shared by processes, built on two System V semaphores: a lock taken with SEM_UNDO, so the
/// kernel releases it when its holder dies (even by SIGKILL), and an "owned" flag taken without undo,
/// which survives that death so the next owner is told the previous one was abandoned
/// (<see cref="IpcMutexScope.WasAbandoned"/>) and can repair the data it protects.
/// </summary>
/// <remarks>
/// <para>Protocol (C programs can follow it; docs/synchronization.md): semaphore L (index i) is 1 when
/// free; semaphore F (index i + 1) is 0 when the last owner released normally. Acquire: semop {L, -1,
/// SEM_UNDO}; then GETVAL F: if 0, semop {F, +1}; otherwise the previous owner died (its pid is GETPID
/// of F) and the new owner does semop {F, -v}, {F, +1}. Release: one semop {F, -1, IPC_NOWAIT},
/// {L, +1, SEM_UNDO}.</para>
/// <para>Costs: an uncontended acquire is three system calls (semop, semctl, semop), a release one. A
/// contended acquire waits in semtimedop slices of 50 ms, so that <see cref="Dispose"/> on another thread
/// wakes it (with <see cref="ObjectDisposedException"/>, the lock not taken) instead of leaving it to take
/// the lock later for a disposed object.
/// The mutex is not reentrant: acquiring it again on the thread that holds it through the same object
/// throws <see cref="LockRecursionException"/>. It may be released on another thread than the one that
/// acquired it (SEM_UNDO records belong to the process).</para>
/// </remarks>
public sealed class IpcMutex : IDisposable
{
    private static readonly int[] s_initialValues = [1, 0];

    private readonly SemaphoreSet _set;
    private readonly bool _ownsSet;
    private readonly int _lock;
    private readonly int _owned;
    private readonly CancellationTokenSource _disposing = new();
    private long _generation;
    private long _heldGeneration = -1;
    private int _ownerThreadId;

    // 1 for the object until Dispose, plus 1 per acquisition in flight or held: the set is disposed (and
    // removed, if asked) only when it reaches 0, so a release never finds it disposed under the lock.
    private int _users = 1;
    private int _disposed;

    private IpcMutex(SemaphoreSet set, int index, bool ownsSet)
    {
        _set = set;
        _lock = index;
        _owned = index + 1;
        _ownsSet = ownsSet;
    }

    /// <summary>The semaphore set the mutex lives in.</summary>
    public SemaphoreSet Semaphores => _set;

    /// <summary>The index of the lock semaphore in <see cref="Semaphores"/>; the owned flag is the next one.</summary>
    public int LockIndex => _lock;

    /// <summary>Creates a mutex in a new semaphore set of two semaphores (lock free, flag clear).</summary>
    /// <param name="key">The key every party uses.</param>
    /// <param name="options">Permissions (default 0600) and removal on dispose.</param>
    /// <returns>The mutex, not held.</returns>
    /// <exception cref="IpcObjectExistsException">A semaphore set with this key exists.</exception>
    public static IpcMutex Create(IpcKey key, SemaphoreSetCreateOptions? options = null) =>
        new(SemaphoreSet.Create(key, 2, s_initialValues, options), 0, ownsSet: true);

    /// <summary>Opens the mutex with this key, or creates it.</summary>
    /// <param name="key">The key.</param>
    /// <param name="options">Permissions and options for a new set.</param>
    /// <returns>The mutex.</returns>
    public static IpcMutex OpenOrCreate(IpcKey key, SemaphoreSetCreateOptions? options = null) =>
        new(SemaphoreSet.OpenOrCreate(key, 2, s_initialValues, options), 0, ownsSet: true);

    /// <summary>Opens an existing mutex (waiting until its creator initialized it).</summary>
    /// <param name="key">The key.</param>
    /// <param name="options">How long to wait for initialization.</param>
    /// <returns>The mutex.</returns>
    /// <exception cref="IpcObjectNotFoundException">No semaphore set has this key.</exception>
    public static IpcMutex Open(IpcKey key, SemaphoreSetOpenOptions? options = null) => FromOpenedSet(SemaphoreSet.Open(key, options));

    /// <summary>Opens an existing mutex, if there is one (waiting until its creator initialized it).</summary>
    /// <param name="key">The key.</param>
    /// <param name="mutex">The mutex, when the result is <see langword="true"/>.</param>
    /// <param name="options">How long to wait for initialization.</param>
    /// <returns><see langword="false"/> when no semaphore set has this key; other failures throw as Open does.</returns>
    public static bool TryOpen(IpcKey key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IpcMutex? mutex, SemaphoreSetOpenOptions? options = null)
    {
        mutex = SemaphoreSet.TryOpen(key, out SemaphoreSet? set, options) ? FromOpenedSet(set) : null;
        return mutex is not null;
    }

    /// <summary>Opens an existing mutex by semaphore set id.</summary>
    /// <param name="id">The semid.</param>
    /// <returns>The mutex.</returns>
    public static IpcMutex OpenById(int id) => FromOpenedSet(SemaphoreSet.OpenById(id, new SemaphoreSetOpenOptions()));

    /// <summary>
    /// A mutex on semaphores <paramref name="index"/> (the lock, initialized to 1) and
    /// <paramref name="index"/> + 1 (the owned flag, initialized to 0) of a set that holds other things too.
    /// The mutex does not own the set: disposing it leaves the set alone.
    /// </summary>
    /// <param name="set">The set.</param>
    /// <param name="index">The lock's index; the flag is the next one.</param>
    /// <returns>The mutex.</returns>
    public static IpcMutex OnSemaphores(SemaphoreSet set, int index)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (index < 0 || index + 1 >= set.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"A mutex needs two semaphores (index and index + 1), and {set} has indexes 0 to {set.Count - 1}.");
        }

        return new IpcMutex(set, index, ownsSet: false);
    }

    /// <summary>Waits until the mutex is free and takes it.</summary>
    /// <returns>The ownership; dispose it to release. Check <see cref="IpcMutexScope.WasAbandoned"/>.</returns>
    /// <exception cref="IpcObjectRemovedException">The semaphore set was removed while waiting.</exception>
    /// <exception cref="LockRecursionException">This thread already holds the mutex through this object.</exception>
    public IpcMutexScope Acquire() => Acquire(Timeout.InfiniteTimeSpan, CancellationToken.None);

    /// <summary>Waits until the mutex is free and takes it, unless cancelled.</summary>
    /// <param name="cancellationToken">Cancels the wait (see <see cref="SemaphoreSet.Operate"/> for what watching a token costs).</param>
    /// <returns>The ownership; dispose it to release. Check <see cref="IpcMutexScope.WasAbandoned"/>.</returns>
    /// <exception cref="OperationCanceledException">Cancelled before the mutex was taken.</exception>
    public IpcMutexScope Acquire(CancellationToken cancellationToken) => Acquire(Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Takes the mutex, waiting at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The ownership; dispose it to release.</returns>
    /// <exception cref="TimeoutException">The mutex stayed taken for <paramref name="timeout"/>.</exception>
    public IpcMutexScope Acquire(TimeSpan timeout) => Acquire(timeout, CancellationToken.None);

    /// <summary>Takes the mutex, waiting at most <paramref name="timeout"/>, unless cancelled.</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> until cancelled.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The ownership; dispose it to release.</returns>
    /// <exception cref="TimeoutException">The mutex stayed taken for <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the mutex was taken.</exception>
    public IpcMutexScope Acquire(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (TryAcquire(timeout, out IpcMutexScope scope, cancellationToken))
        {
            return scope;
        }

        int holder = SafeHolderPid();
        throw new TimeoutException(
            $"The mutex on {_set} (semaphore {_lock}) stayed taken for {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s{(holder > 0 ? $"; pid {holder} took it last" : string.Empty)}.");
    }

    /// <summary>Takes the mutex if it becomes free within <paramref name="timeout"/> (<see cref="TimeSpan.Zero"/>: only if free now).</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> until cancelled.</param>
    /// <param name="scope">The ownership when the result is true.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Whether the mutex was taken.</returns>
    /// <exception cref="ObjectDisposedException">The mutex was disposed before or while waiting (a waiting thread is woken within about 50 ms, without the lock).</exception>
    public bool TryAcquire(TimeSpan timeout, out IpcMutexScope scope, CancellationToken cancellationToken = default)
    {
        scope = default;
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Volatile.Read(ref _ownerThreadId) == Environment.CurrentManagedThreadId)
        {
            throw new LockRecursionException($"This thread already holds the mutex on {_set} (semaphore {_lock}); IpcMutex is not reentrant.");
        }

        if (!TryAddUser())
        {
            throw new ObjectDisposedException(nameof(IpcMutex), $"The {this} was disposed.");
        }

        bool held = false;
        try
        {
            if (!WaitForLock(timeout, cancellationToken))
            {
                return false;
            }

            held = true;
            if (Volatile.Read(ref _disposed) != 0)
            {
                throw Disposed(); // disposed as the lock came: release it below, never keep it
            }

            int abandonedBy = TakeOwnedFlag();
            long generation = ++_generation;
            Volatile.Write(ref _heldGeneration, generation);
            Volatile.Write(ref _ownerThreadId, Environment.CurrentManagedThreadId);
            scope = new IpcMutexScope(this, generation, abandonedBy);
            return true;
        }
        catch
        {
            if (held)
            {
                _set.Release(_lock, 1, flags: SemaphoreOperationFlags.Undo);
                held = false;
            }

            throw;
        }
        finally
        {
            if (!held)
            {
                RemoveUser(); // a held lock keeps its user until Release
            }
        }
    }

    /// <summary>
    /// Disposes the semaphore set object if the mutex created or opened it (removing the set only if asked to
    /// on creation). A thread waiting in <see cref="Acquire()"/> or <see cref="TryAcquire"/> on this object wakes
    /// with <see cref="ObjectDisposedException"/> and without the lock; a scope still held releases normally,
    /// and the set is disposed after that release.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _disposing.Cancel();
        RemoveUser();
    }

    /// <inheritdoc/>
    public override string ToString() => $"IpcMutex on {_set}, semaphores {_lock} and {_owned}";

    internal bool IsHeldBy(long generation) => Volatile.Read(ref _heldGeneration) == generation;

    internal void Release(long generation)
    {
        if (Interlocked.CompareExchange(ref _heldGeneration, -1, generation) != generation)
        {
            return; // this scope was already disposed (or is a stale copy)
        }

        Volatile.Write(ref _ownerThreadId, 0);
        try
        {
            ReadOnlySpan<SemaphoreOperation> release =
            [
                SemaphoreOperation.Wait(_owned, 1, SemaphoreOperationFlags.NoWait),
                SemaphoreOperation.Release(_lock, 1, SemaphoreOperationFlags.Undo),
            ];
            if (!_set.Operate(release))
            {
                // The flag was 0: someone changed the semaphores outside the protocol (SETVAL, SETALL). Free the lock anyway.
                _set.Release(_lock, 1, flags: SemaphoreOperationFlags.Undo);
                throw new InvalidOperationException(
                    $"The owned flag (semaphore {_owned}) of the mutex on {_set} was 0 while this process held the lock: something changed the semaphores outside the mutex protocol. The lock was released.");
            }
        }
        finally
        {
            RemoveUser();
        }
    }

    /// <summary>
    /// Waits for the lock semaphore. The first try never blocks (an uncontended acquire stays one semop);
    /// a wait then also watches <see cref="Dispose"/>, in semtimedop slices of 50 ms.
    /// </summary>
    private bool WaitForLock(TimeSpan timeout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        bool taken = _set.TryWait(_lock, TimeSpan.Zero, 1, flags: SemaphoreOperationFlags.Undo);
        if (taken || timeout == TimeSpan.Zero)
        {
            return taken;
        }

        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        try
        {
            return _set.TryWait(_lock, timeout, 1, flags: SemaphoreOperationFlags.Undo, linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Disposed();
        }
    }

    private bool TryAddUser()
    {
        int users = Volatile.Read(ref _users);
        while (users > 0)
        {
            int seen = Interlocked.CompareExchange(ref _users, users + 1, users);
            if (seen == users)
            {
                return true;
            }

            users = seen;
        }

        return false;
    }

    private void RemoveUser()
    {
        if (Interlocked.Decrement(ref _users) == 0)
        {
            _disposing.Dispose();
            if (_ownsSet)
            {
                _set.Dispose();
            }
        }
    }

    private ObjectDisposedException Disposed() => new(nameof(IpcMutex), $"The {this} was disposed while this call waited for it; the lock was not taken.");

    /// <summary>Raises the owned flag; returns the pid of an owner that died holding the mutex, or 0.</summary>
    private int TakeOwnedFlag()
    {
        int flag = _set.GetValue(_owned);
        if (flag == 0)
        {
            _set.Release(_owned);
            return 0;
        }

        // The previous owner never released: its pid is the last to have operated on the flag.
        int previous = _set.GetLastProcessId(_owned);
        ReadOnlySpan<SemaphoreOperation> takeOver = [SemaphoreOperation.Wait(_owned, flag), SemaphoreOperation.Release(_owned)];
        _set.Operate(takeOver);
        return previous > 0 ? previous : -1;
    }

    private int SafeHolderPid()
    {
        try
        {
            return _set.GetLastProcessId(_owned);
        }
        catch (IpcException)
        {
            return 0;
        }
    }

    private static IpcMutex FromOpenedSet(SemaphoreSet set)
    {
        if (set.Count != 2)
        {
            int count = set.Count;
            set.Dispose();
            throw new IpcException(
                $"{set} has {count} semaphores, but a mutex's own set has 2 (lock and owned flag). For a mutex inside a larger set use IpcMutex.OnSemaphores(set, index).",
                0, IpcObjectKind.SemaphoreSet, set.Key, set.Id);
        }

        return new IpcMutex(set, 0, ownsSet: true);
    }
}
