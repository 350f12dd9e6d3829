using System.Globalization;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// A System V semaphore set (semget): <see cref="Count"/> counters, each 0 to <see cref="MaxValue"/>, that
/// processes wait on and change atomically, in groups (<see cref="Operate"/>).
/// The object is only a name for the kernel's set: it owns nothing in this process, and the set persists
/// after every process exits until something removes it (<see cref="Remove"/>, <c>ipcrm -s</c>), unless
/// <see cref="RemoveOnDispose"/> is set.
/// </summary>
/// <remarks>
/// Every operation is one system call (semop, semtimedop or semctl); nothing is cached but the id, key
/// and size. <see cref="Create"/> and <see cref="Open(IpcKey, SemaphoreSetOpenOptions?, CancellationToken)"/>
/// follow the sem_otime protocol, so an opener never sees a set its creator has not initialized yet
/// (docs/semaphores.md describes it for C programs).
/// </remarks>
public sealed partial class SemaphoreSet : IDisposable
{
    /// <summary>SEMVMX: the largest value a semaphore can hold, a kernel constant (include/uapi/linux/sem.h), not tunable.</summary>
    public const int MaxValue = 32767;

    private readonly IpcObjectState _state;

    private SemaphoreSet(int id, IpcKey key, int count, bool created)
    {
        _state = new(this, IpcObjectKind.SemaphoreSet, id, key, created);
        Count = count;
    }

    /// <summary>The set's id (semid): what ipcs lists and what <see cref="OpenById"/> takes.</summary>
    public int Id => _state.Id;

    /// <summary>The key the set was created with (<see cref="IpcKey.Private"/> for IPC_PRIVATE).</summary>
    public IpcKey Key => _state.Key;

    /// <summary>How many semaphores the set has (sem_nsems); indexes run from 0 to Count - 1.</summary>
    public int Count { get; }

    /// <summary>Whether this object created the set (as opposed to opening an existing one).</summary>
    public bool WasCreated => _state.WasCreated;

    /// <summary>Remove the set when this object is disposed. Off unless set here or in <see cref="SemaphoreSetCreateOptions.RemoveOnDispose"/>.</summary>
    public bool RemoveOnDispose
    {
        get => _state.RemoveOnDispose;
        set => _state.RemoveOnDispose = value;
    }

    /// <summary>
    /// Creates a new set and initializes it before anyone can use it: semget with IPC_CREAT | IPC_EXCL,
    /// SETALL with <paramref name="initialValues"/>, then one semop that leaves the values as they are but
    /// sets sem_otime, the signal openers wait for.
    /// </summary>
    /// <param name="key">The key, or <see cref="IpcKey.Private"/> for a set found only by its id.</param>
    /// <param name="count">How many semaphores: 1 to SEMMSL (first field of /proc/sys/kernel/sem).</param>
    /// <param name="initialValues">One value per semaphore, each 0 to <see cref="MaxValue"/>.</param>
    /// <param name="options">Permissions (like file permissions, r to read values, w (alter) to operate; default 0600) and removal on dispose.</param>
    /// <returns>The new, initialized set.</returns>
    /// <exception cref="ArgumentException">The count, values or permissions are invalid (nothing was created).</exception>
    /// <exception cref="IpcObjectExistsException">A set with this key exists (perhaps from an earlier run).</exception>
    /// <exception cref="IpcLimitExceededException">SEMMNI sets or SEMMNS semaphores system wide are in use.</exception>
    public static SemaphoreSet Create(IpcKey key, int count, ReadOnlySpan<int> initialValues, SemaphoreSetCreateOptions? options = null)
    {
        UnixFileMode permissions = ValidateCreate(count, initialValues, options);
        int id = Libc.semget(key.Value, count, Libc.IPC_CREAT | Libc.IPC_EXCL | (int)permissions);
        if (id < 0)
        {
            throw SemGetError(Marshal.GetLastPInvokeError(), key, count);
        }

        return Initialize(id, key, count, initialValues, options);
    }

    /// <summary>
    /// Opens the set with this key, or creates and initializes it (as <see cref="Create"/>) if there is none.
    /// When it exists, waits like <see cref="Open(IpcKey, SemaphoreSetOpenOptions?, CancellationToken)"/> until its creator has initialized it.
    /// </summary>
    /// <param name="key">The key (not <see cref="IpcKey.Private"/>, which always creates: use <see cref="Create"/>).</param>
    /// <param name="count">The set's size; an existing set must have exactly this many semaphores.</param>
    /// <param name="initialValues">Values for a new set.</param>
    /// <param name="createOptions">Permissions and options for a new set.</param>
    /// <param name="openOptions">How to wait for an existing set's initialization.</param>
    /// <param name="cancellationToken">Cancels the wait for initialization.</param>
    /// <returns>The set; <see cref="WasCreated"/> says which happened.</returns>
    /// <exception cref="IpcException">The existing set has another size.</exception>
    /// <exception cref="TimeoutException">The existing set was not initialized in time.</exception>
    public static SemaphoreSet OpenOrCreate(IpcKey key, int count, ReadOnlySpan<int> initialValues,
        SemaphoreSetCreateOptions? createOptions = null, SemaphoreSetOpenOptions? openOptions = null, CancellationToken cancellationToken = default)
    {
        if (key.IsPrivate)
        {
            throw new ArgumentException("IPC_PRIVATE always makes a new set, so there is nothing to open: use Create, and pass the id to the other processes.", nameof(key));
        }

        UnixFileMode permissions = ValidateCreate(count, initialValues, createOptions);
        openOptions = ValidateOpenOptions(openOptions ?? new SemaphoreSetOpenOptions());
        while (true)
        {
            int id = Libc.semget(key.Value, count, Libc.IPC_CREAT | Libc.IPC_EXCL | (int)permissions);
            if (id >= 0)
            {
                return Initialize(id, key, count, initialValues, createOptions);
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EEXIST)
            {
                throw SemGetError(errno, key, count);
            }

            id = Libc.semget(key.Value, 0, 0);
            if (id < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.ENOENT)
                {
                    continue; // removed between the two calls: try to create again
                }

                throw SemGetError(errno, key, 0);
            }

            SemaphoreSetInfo info = WaitUntilInitialized(id, key, openOptions, cancellationToken);
            if (info.Count != count)
            {
                throw new IpcException(
                    $"The semaphore set with key {key} (id {id}) exists with {info.Count} semaphores, not the {count} requested. Open it with Open, or remove it ('ipcrm -s {id}') if it is a leftover.",
                    Errno.EINVAL, IpcObjectKind.SemaphoreSet, key, id);
            }

            return new SemaphoreSet(id, key, count, created: false);
        }
    }

    /// <summary>
    /// Opens the existing set with this key (semget without IPC_CREAT) and, unless told otherwise, waits
    /// until its creator has initialized it (sem_otime set), polling IPC_STAT with a growing pause (1 to 20 ms).
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="options">Whether and how long to wait for initialization (default: wait up to 10 s).</param>
    /// <param name="cancellationToken">Cancels the wait for initialization.</param>
    /// <returns>The set, with its real size.</returns>
    /// <exception cref="IpcObjectNotFoundException">No set has this key.</exception>
    /// <exception cref="TimeoutException">The set exists but was not initialized in time (its creator may have died half-way).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled while waiting.</exception>
    public static SemaphoreSet Open(IpcKey key, SemaphoreSetOpenOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (key.IsPrivate)
        {
            throw new ArgumentException("IPC_PRIVATE names no existing set: open a private set by its id (OpenById).", nameof(key));
        }

        options = ValidateOpenOptions(options ?? new SemaphoreSetOpenOptions());
        PlatformGuard.ThrowIfUnsupported();
        int id = Libc.semget(key.Value, 0, 0);
        if (id < 0)
        {
            throw SemGetError(Marshal.GetLastPInvokeError(), key, 0);
        }

        SemaphoreSetInfo info = options.WaitForInitialization
            ? WaitUntilInitialized(id, key, options, cancellationToken)
            : SemaphoreSetStatus.Stat(id, key);
        return new SemaphoreSet(id, key, info.Count, created: false);
    }

    /// <summary>
    /// Opens the existing set with this key, if there is one, and waits for its initialization as
    /// <see cref="Open(IpcKey, SemaphoreSetOpenOptions?, CancellationToken)"/> does.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="set">The set, when the result is <see langword="true"/>.</param>
    /// <param name="options">Whether and how long to wait for initialization (default: wait up to 10 s).</param>
    /// <param name="cancellationToken">Cancels the wait for initialization.</param>
    /// <returns><see langword="false"/> when no set has this key; other failures throw as Open does.</returns>
    /// <exception cref="TimeoutException">The set exists but was not initialized in time.</exception>
    public static bool TryOpen(IpcKey key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SemaphoreSet? set, SemaphoreSetOpenOptions? options = null, CancellationToken cancellationToken = default) =>
        IpcTryOpen.Run(() => Open(key, options, cancellationToken), out set);

    /// <summary>
    /// Opens a set by its id (as ipcs lists it, or as its creator passed it on); key and size come from
    /// IPC_STAT. Does not wait for initialization unless <paramref name="options"/> asks to: an id is
    /// normally learned after creation.
    /// </summary>
    /// <param name="id">The semid.</param>
    /// <param name="options">Set <see cref="SemaphoreSetOpenOptions.WaitForInitialization"/> to wait as <see cref="Open(IpcKey, SemaphoreSetOpenOptions?, CancellationToken)"/> does.</param>
    /// <param name="cancellationToken">Cancels the wait for initialization.</param>
    /// <returns>The set.</returns>
    /// <exception cref="IpcObjectNotFoundException">No set has this id.</exception>
    public static SemaphoreSet OpenById(int id, SemaphoreSetOpenOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        if (options is not null)
        {
            ValidateOpenOptions(options);
        }

        PlatformGuard.ThrowIfUnsupported();
        SemaphoreSetInfo info = options is { WaitForInitialization: true }
            ? WaitUntilInitialized(id, null, options, cancellationToken)
            : SemaphoreSetStatus.Stat(id, null);
        return new SemaphoreSet(id, info.Key, info.Count, created: false);
    }

    /// <summary>Removes the set at once (semctl IPC_RMID): every blocked waiter fails with <see cref="IpcObjectRemovedException"/>, and the key is free again.</summary>
    /// <exception cref="IpcObjectNotFoundException">It was already removed.</exception>
    public void Remove()
    {
        ThrowIfDisposed();
        if (Libc.semctl(Id, 0, Libc.IPC_RMID, 0) != 0)
        {
            throw Error("semctl(IPC_RMID)");
        }
    }

    /// <summary>Removes the set with this id if it exists.</summary>
    /// <param name="id">The semid.</param>
    /// <returns><see langword="true"/> when removed; <see langword="false"/> when no set has this id.</returns>
    /// <exception cref="IpcPermissionDeniedException">The set exists but this process may not remove it.</exception>
    public static bool TryRemove(int id) => IpcRemoval.TryRemove(IpcObjectKind.SemaphoreSet, id);

    /// <summary>Removes the set (semctl IPC_RMID) unless it is gone already.</summary>
    /// <returns><see langword="true"/> when this call removed it; <see langword="false"/> when it was removed already (by another process, or ipcrm).</returns>
    /// <exception cref="IpcPermissionDeniedException">The set exists but this process may not remove it.</exception>
    public bool TryRemove() => _state.TryRemove();

    /// <summary>Removes the set if <see cref="RemoveOnDispose"/> is set; otherwise does nothing to the kernel object.</summary>
    public void Dispose() => _state.Dispose();

    /// <inheritdoc/>
    public override string ToString() => _state.Describe() + $", {Count} semaphore{(Count == 1 ? string.Empty : "s")}";

    private static unsafe SemaphoreSet Initialize(int id, IpcKey key, int count, ReadOnlySpan<int> initialValues, SemaphoreSetCreateOptions? options)
    {
        try
        {
            if (SetAll(id, initialValues) < 0)
            {
                throw IpcErrors.FromLastError("semctl(SETALL)", IpcObjectKind.SemaphoreSet, null, id, "(Setting the initial values of a new set.)");
            }

            // One semop that leaves the values unchanged but sets sem_otime: from now on openers proceed.
            // +1 then -1 on semaphore 0 in one atomic call cannot block, and still succeeds if a careless
            // peer has already taken from it; only a semaphore at SEMVMX needs the other order.
            Sembuf* touch = stackalloc Sembuf[2];
            short first = (short)(initialValues[0] < MaxValue ? 1 : -1);
            touch[0] = new Sembuf { sem_num = 0, sem_op = first, sem_flg = Libc.IPC_NOWAIT };
            touch[1] = new Sembuf { sem_num = 0, sem_op = (short)-first, sem_flg = Libc.IPC_NOWAIT };
            while (Libc.semop(id, touch, 2) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    throw IpcErrors.Create(errno, "semop", IpcObjectKind.SemaphoreSet, null, id, "(Marking a new set initialized.)");
                }
            }
        }
        catch
        {
            TryRemove(id); // a half-made set would make every opener wait for nothing
            throw;
        }

        return new SemaphoreSet(id, key, count, created: true) { RemoveOnDispose = options?.RemoveOnDispose == true };
    }

    private static SemaphoreSetInfo WaitUntilInitialized(int id, IpcKey? key, SemaphoreSetOpenOptions options, CancellationToken cancellationToken)
    {
        Deadline deadline = Deadline.Start(options.InitializationTimeout, nameof(options));
        int pauseMs = 1;
        while (true)
        {
            SemaphoreSetInfo info = SemaphoreSetStatus.Stat(id, key);
            if (info.LastOperationTime is not null)
            {
                return info;
            }

            if (deadline.HasExpired)
            {
                throw new TimeoutException(
                    $"The {IpcErrors.Describe(IpcObjectKind.SemaphoreSet, key ?? info.Key, id)} exists but was not initialized within {options.InitializationTimeout}: its last-operation time (sem_otime) is still 0, so its creator has not finished setting its values, or died between semget and its first semop. " +
                    $"If it is a leftover, remove it ('ipcrm -s {id}'). C programs that create sets for this library must set the values and then perform one semop (docs/semaphores.md); for sets nobody initializes this way (ipcmk -S), open with WaitForInitialization = false.");
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (cancellationToken.WaitHandle.WaitOne(pauseMs))
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            pauseMs = Math.Min(pauseMs * 2, 20);
        }
    }

    /// <summary>Checks everything before any system call; returns the permissions to create with.</summary>
    private static UnixFileMode ValidateCreate(int count, ReadOnlySpan<int> initialValues, SemaphoreSetCreateOptions? options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        UnixFileMode permissions = options?.Permissions ?? IpcPermissions.Default;
        IpcPermissions.Validate(permissions, nameof(options));
        PlatformGuard.ThrowIfUnsupported();
        if (!KernelTunables.Allows(KernelTunable.SemMsl, (ulong)count, out ulong maxPerSet))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count,
                $"A semaphore set has at most SEMMSL = {maxPerSet.ToString(CultureInfo.InvariantCulture)} semaphores ({KernelTunables.Where(KernelTunable.SemMsl)}).");
        }

        if (initialValues.Length != count)
        {
            throw new ArgumentException($"{initialValues.Length} initial values were given for {count} semaphores: give exactly one value per semaphore.", nameof(initialValues));
        }

        ValidateValues(initialValues, nameof(initialValues));
        return permissions;
    }

    private static SemaphoreSetOpenOptions ValidateOpenOptions(SemaphoreSetOpenOptions options)
    {
        Deadline.Validate(options.InitializationTimeout, nameof(options));
        return options;
    }

    private static IpcException SemGetError(int errno, IpcKey key, int count)
    {
        string? detail = errno switch
        {
            Errno.EINVAL => $"The size {count} is above SEMMSL (first field of /proc/sys/kernel/sem), or the existing set with this key has fewer semaphores.",
            _ => null,
        };
        return IpcErrors.Create(errno, "semget", IpcObjectKind.SemaphoreSet, key, null, detail);
    }

    private Exception Error(string call) => Error(Marshal.GetLastPInvokeError(), call);

    // Id-based: no key, so a stale id reads "no semaphore set has id N"; the key goes in the detail.
    private Exception Error(int errno, string call)
    {
        IpcException error = IpcErrors.Create(errno, call, IpcObjectKind.SemaphoreSet, null, Id, SemaphoreSetStatus.KeyNote(Key));
        return _state.OrDisposed(error);
    }

    private void ThrowIfDisposed() => _state.ThrowIfDisposed();
}
