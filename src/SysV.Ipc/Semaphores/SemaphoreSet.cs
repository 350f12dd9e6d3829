using System.Diagnostics;
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
public sealed class SemaphoreSet : IDisposable
{
    /// <summary>SEMVMX: the largest value a semaphore can hold, a kernel constant (include/uapi/linux/sem.h), not tunable.</summary>
    public const int MaxValue = 32767;

    private const UnixFileMode DefaultPermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>How long one semtimedop slice lasts while a cancellation token is being watched: the cancellation latency.</summary>
    private static readonly TimeSpan s_cancellationSlice = TimeSpan.FromMilliseconds(50);

    private volatile bool _disposed;

    private SemaphoreSet(int id, IpcKey key, int count, bool created)
    {
        Id = id;
        Key = key;
        Count = count;
        WasCreated = created;
    }

    /// <summary>The set's id (semid): what ipcs lists and what <see cref="OpenById"/> takes.</summary>
    public int Id { get; }

    /// <summary>The key the set was created with (<see cref="IpcKey.Private"/> for IPC_PRIVATE).</summary>
    public IpcKey Key { get; }

    /// <summary>How many semaphores the set has (sem_nsems); indexes run from 0 to Count - 1.</summary>
    public int Count { get; }

    /// <summary>Whether this object created the set (as opposed to opening an existing one).</summary>
    public bool WasCreated { get; }

    /// <summary>Remove the set when this object is disposed. Off unless set here or in <see cref="SemaphoreSetCreateOptions.RemoveOnDispose"/>.</summary>
    public bool RemoveOnDispose { get; set; }

    /// <summary>
    /// Creates a new set and initializes it before anyone can use it: semget with IPC_CREAT | IPC_EXCL,
    /// SETALL with <paramref name="initialValues"/>, then one semop that leaves the values as they are but
    /// sets sem_otime, the signal openers wait for.
    /// </summary>
    /// <param name="key">The key, or <see cref="IpcKey.Private"/> for a set found only by its id.</param>
    /// <param name="count">How many semaphores: 1 to SEMMSL (first field of /proc/sys/kernel/sem).</param>
    /// <param name="initialValues">One value per semaphore, each 0 to <see cref="MaxValue"/>.</param>
    /// <param name="permissions">Who may use it: like file permissions, r to read values, w (alter) to operate (default 0600).</param>
    /// <param name="options">Removal on dispose.</param>
    /// <returns>The new, initialized set.</returns>
    /// <exception cref="ArgumentException">The count, values or permissions are invalid (nothing was created).</exception>
    /// <exception cref="IpcObjectExistsException">A set with this key exists (perhaps from an earlier run).</exception>
    /// <exception cref="IpcLimitExceededException">SEMMNI sets or SEMMNS semaphores system wide are in use.</exception>
    public static SemaphoreSet Create(IpcKey key, int count, ReadOnlySpan<short> initialValues, UnixFileMode permissions = DefaultPermissions, SemaphoreSetCreateOptions? options = null)
    {
        ValidateCreate(count, initialValues, permissions);
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
    /// <param name="permissions">Permissions for a new set.</param>
    /// <param name="createOptions">Options for a new set.</param>
    /// <param name="openOptions">How to wait for an existing set's initialization.</param>
    /// <param name="cancellationToken">Cancels the wait for initialization.</param>
    /// <returns>The set; <see cref="WasCreated"/> says which happened.</returns>
    /// <exception cref="IpcException">The existing set has another size.</exception>
    /// <exception cref="TimeoutException">The existing set was not initialized in time.</exception>
    public static SemaphoreSet OpenOrCreate(IpcKey key, int count, ReadOnlySpan<short> initialValues, UnixFileMode permissions = DefaultPermissions,
        SemaphoreSetCreateOptions? createOptions = null, SemaphoreSetOpenOptions? openOptions = null, CancellationToken cancellationToken = default)
    {
        if (key.IsPrivate)
        {
            throw new ArgumentException("IPC_PRIVATE always makes a new set, so there is nothing to open: use Create, and pass the id to the other processes.", nameof(key));
        }

        ValidateCreate(count, initialValues, permissions);
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

    /// <summary>
    /// Applies all <paramref name="operations"/> atomically (one semop): either every one proceeds, or the
    /// call blocks (or, where an operation says NoWait, returns) without having changed anything.
    /// </summary>
    /// <param name="operations">1 to SEMOPM operations (third field of /proc/sys/kernel/sem), each on an index below <see cref="Count"/>.</param>
    /// <param name="cancellationToken">
    /// Cancels the wait (nothing applied). A token that cannot be cancelled costs nothing: one semop. A
    /// cancellable one makes the call wait in semtimedop slices of 50 ms, so cancellation is noticed within
    /// about 50 ms at the price of a wake-up per slice (see docs/semaphores.md).
    /// </param>
    /// <returns><see langword="true"/> when applied; <see langword="false"/> only when an operation flagged NoWait could not proceed (nothing applied).</returns>
    /// <exception cref="ArgumentException">The span is empty, too long, or names an index outside the set (checked before the call).</exception>
    /// <exception cref="IpcObjectRemovedException">The set was removed while this call was blocked.</exception>
    /// <exception cref="IpcLimitExceededException">A value would exceed SEMVMX (ERANGE); nothing applied.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled before the operations could proceed.</exception>
    public unsafe bool Operate(ReadOnlySpan<SemaphoreOperation> operations, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        bool noWait = ValidateOperations(operations);
        fixed (SemaphoreOperation* ops = operations)
        {
            return SemTimedOp((Sembuf*)ops, operations.Length, Timeout.InfiniteTimeSpan, noWait, cancellationToken);
        }
    }

    /// <summary>
    /// Applies all <paramref name="operations"/> atomically if they can proceed within <paramref name="timeout"/>
    /// (semtimedop). A signal does not shorten or lengthen the wait: the remaining time is recomputed and the call repeated.
    /// </summary>
    /// <param name="operations">The operations (as for <see cref="Operate"/>).</param>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> tries once, <see cref="Timeout.InfiniteTimeSpan"/> waits until cancelled.</param>
    /// <param name="cancellationToken">Cancels the wait (see <see cref="Operate"/> for the cost).</param>
    /// <returns><see langword="true"/> when applied; <see langword="false"/> on timeout, or when an operation flagged NoWait could not proceed (nothing applied).</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    public unsafe bool TryOperate(ReadOnlySpan<SemaphoreOperation> operations, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        Deadline.Validate(timeout);
        bool noWait = ValidateOperations(operations);
        fixed (SemaphoreOperation* ops = operations)
        {
            return SemTimedOp((Sembuf*)ops, operations.Length, timeout, noWait, cancellationToken);
        }
    }

    /// <summary>Waits until semaphore <paramref name="index"/> is at least <paramref name="count"/> and subtracts it (P, acquire): one semop.</summary>
    /// <param name="index">The semaphore's index.</param>
    /// <param name="count">How much to take, 1 to SEMVMX.</param>
    /// <param name="undo">SEM_UNDO: give it back automatically if this process exits (or is killed) before releasing.</param>
    /// <param name="cancellationToken">Cancels the wait (nothing taken); see <see cref="Operate"/> for the cost.</param>
    /// <exception cref="IpcObjectRemovedException">The set was removed while waiting.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the semaphore could be taken.</exception>
    public unsafe void Wait(int index, int count = 1, bool undo = false, CancellationToken cancellationToken = default)
    {
        Sembuf op = Single(index, -SemaphoreOperation.CheckCount(count, nameof(count)), undo, noWait: false);
        SemTimedOp(&op, 1, Timeout.InfiniteTimeSpan, noWait: false, cancellationToken);
    }

    /// <summary>
    /// Takes <paramref name="count"/> from semaphore <paramref name="index"/> if it can within
    /// <paramref name="timeout"/>: by default without waiting at all (one semop with IPC_NOWAIT), otherwise with semtimedop.
    /// </summary>
    /// <param name="index">The semaphore's index.</param>
    /// <param name="timeout">How long to wait: <see cref="TimeSpan.Zero"/> (the default) not at all, <see cref="Timeout.InfiniteTimeSpan"/> until cancelled.</param>
    /// <param name="count">How much to take, 1 to SEMVMX.</param>
    /// <param name="undo">SEM_UNDO: give it back automatically if this process exits before releasing.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Whether it was taken.</returns>
    /// <exception cref="OperationCanceledException">Cancelled first (nothing taken).</exception>
    public unsafe bool TryWait(int index, TimeSpan timeout = default, int count = 1, bool undo = false, CancellationToken cancellationToken = default)
    {
        Deadline.Validate(timeout);
        bool noWait = timeout == TimeSpan.Zero;
        Sembuf op = Single(index, -SemaphoreOperation.CheckCount(count, nameof(count)), undo, noWait);
        if (noWait)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return SemOp(&op, 1);
        }

        return SemTimedOp(&op, 1, timeout, noWait: false, cancellationToken);
    }

    /// <summary>Adds <paramref name="count"/> to semaphore <paramref name="index"/> and wakes the waiters it satisfies (V, release): one semop. Never blocks.</summary>
    /// <param name="index">The semaphore's index.</param>
    /// <param name="count">How much to add, 1 to SEMVMX.</param>
    /// <param name="undo">SEM_UNDO: the kernel subtracts it again when this process exits (pair it with a Wait that also used undo, so the two records cancel).</param>
    /// <exception cref="IpcLimitExceededException">The value would exceed SEMVMX (nothing changed).</exception>
    public unsafe void Release(int index, int count = 1, bool undo = false)
    {
        Sembuf op = Single(index, SemaphoreOperation.CheckCount(count, nameof(count)), undo, noWait: false);
        SemOp(&op, 1);
    }

    /// <summary>Waits until semaphore <paramref name="index"/> is 0: one semop.</summary>
    /// <param name="index">The semaphore's index.</param>
    /// <param name="cancellationToken">Cancels the wait; see <see cref="Operate"/> for the cost.</param>
    public unsafe void WaitForZero(int index, CancellationToken cancellationToken = default)
    {
        Sembuf op = Single(index, 0, undo: false, noWait: false);
        SemTimedOp(&op, 1, Timeout.InfiniteTimeSpan, noWait: false, cancellationToken);
    }

    /// <summary>Waits until semaphore <paramref name="index"/> is 0, for at most <paramref name="timeout"/>.</summary>
    /// <param name="index">The semaphore's index.</param>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> checks once, <see cref="Timeout.InfiniteTimeSpan"/> waits until cancelled.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Whether it was 0 before the timeout.</returns>
    public unsafe bool TryWaitForZero(int index, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Deadline.Validate(timeout);
        Sembuf op = Single(index, 0, undo: false, noWait: false);
        return SemTimedOp(&op, 1, timeout, noWait: false, cancellationToken);
    }

    /// <summary>Reads one semaphore's value (semctl GETVAL).</summary>
    /// <param name="index">The semaphore's index.</param>
    /// <returns>0 to SEMVMX.</returns>
    public int GetValue(int index) => Control(index, Libc.GETVAL, 0, "semctl(GETVAL)");

    /// <summary>Reads every value at once, as one consistent snapshot (semctl GETALL).</summary>
    /// <returns>One value per semaphore.</returns>
    public short[] GetValues()
    {
        var values = new short[Count];
        GetValues(values);
        return values;
    }

    /// <summary>Reads every value at once into <paramref name="destination"/> (semctl GETALL).</summary>
    /// <param name="destination">At least <see cref="Count"/> elements; the first Count are written.</param>
    public unsafe void GetValues(Span<short> destination)
    {
        ThrowIfDisposed();
        if (destination.Length < Count)
        {
            throw new ArgumentException($"The destination holds {destination.Length} values, but {this} has {Count} semaphores.", nameof(destination));
        }

        ThrowIfReplaced(); // GETALL writes as many values as the set the id names now has

        // The kernel writes unsigned shorts of at most SEMVMX, which read the same as shorts.
        fixed (short* values = destination)
        {
            if (Libc.semctl(Id, 0, Libc.GETALL, (nint)values) < 0)
            {
                throw Error("semctl(GETALL)");
            }
        }
    }

    /// <summary>Sets one semaphore's value (semctl SETVAL): wakes waiters it satisfies, and clears every process's SEM_UNDO record for it.</summary>
    /// <param name="index">The semaphore's index.</param>
    /// <param name="value">0 to SEMVMX (32767).</param>
    public void SetValue(int index, int value)
    {
        if ((uint)value > MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, ValueRangeMessage());
        }

        Control(index, Libc.SETVAL, value, "semctl(SETVAL)");
    }

    /// <summary>Sets every value at once (semctl SETALL): wakes waiters, clears every SEM_UNDO record of the set.</summary>
    /// <param name="values">Exactly <see cref="Count"/> values, each 0 to SEMVMX.</param>
    public void SetValues(ReadOnlySpan<short> values)
    {
        ThrowIfDisposed();
        if (values.Length != Count)
        {
            throw new ArgumentException($"{values.Length} values were given, but {this} has {Count} semaphores: give exactly one value per semaphore.", nameof(values));
        }

        ValidateValues(values, nameof(values));
        ThrowIfReplaced(); // SETALL reads as many values as the set the id names now has
        if (SetAll(Id, values) < 0)
        {
            throw Error("semctl(SETALL)");
        }
    }

    /// <summary>How many processes (threads) wait for semaphore <paramref name="index"/> to increase (semctl GETNCNT; ipcs "ncount").</summary>
    /// <param name="index">The semaphore's index.</param>
    /// <returns>The number of blocked waiters.</returns>
    public int GetWaitingCount(int index) => Control(index, Libc.GETNCNT, 0, "semctl(GETNCNT)");

    /// <summary>How many processes (threads) wait for semaphore <paramref name="index"/> to become 0 (semctl GETZCNT; ipcs "zcount").</summary>
    /// <param name="index">The semaphore's index.</param>
    /// <returns>The number of blocked zero-waiters.</returns>
    public int GetZeroWaitingCount(int index) => Control(index, Libc.GETZCNT, 0, "semctl(GETZCNT)");

    /// <summary>The pid of the last process that operated on semaphore <paramref name="index"/> (semctl GETPID; ipcs "pid"); 0 if none yet. SETVAL/SETALL and SEM_UNDO at exit also set it.</summary>
    /// <param name="index">The semaphore's index.</param>
    /// <returns>The pid, or 0.</returns>
    public int GetLastProcessId(int index) => Control(index, Libc.GETPID, 0, "semctl(GETPID)");

    /// <summary>Reads the set's state (semctl IPC_STAT).</summary>
    /// <returns>Size, permissions, owner, creator, last operation and change times.</returns>
    public SemaphoreSetInfo GetInfo()
    {
        ThrowIfDisposed();
        return SemaphoreSetStatus.Stat(Id, Key);
    }

    /// <summary>Changes the permission bits (semctl IPC_SET). Only the owner, the creator or a privileged process may.</summary>
    /// <param name="permissions">The new rwx bits for user, group, others (r: read values; w: operate and set).</param>
    public void SetPermissions(UnixFileMode permissions)
    {
        ThrowIfDisposed();
        IpcPermissions.SetMode(IpcObjectKind.SemaphoreSet, Id, Key, permissions);
    }

    /// <summary>Changes the owner (semctl IPC_SET). Only the owner, the creator or a privileged process may.</summary>
    /// <param name="userId">The new owner's uid.</param>
    /// <param name="groupId">The new owner's gid.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is 4294967295 ((uid_t)-1), which names no user or group.</exception>
    public void SetOwner(uint userId, uint groupId)
    {
        ThrowIfDisposed();
        IpcPermissions.SetOwner(IpcObjectKind.SemaphoreSet, Id, Key, userId, groupId);
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

    /// <summary>Removes the set if <see cref="RemoveOnDispose"/> is set; otherwise does nothing to the kernel object.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (RemoveOnDispose)
        {
            TryRemove(Id);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => IpcErrors.Describe(IpcObjectKind.SemaphoreSet, Key, Id) + $", {Count} semaphore{(Count == 1 ? string.Empty : "s")}";

    private static unsafe SemaphoreSet Initialize(int id, IpcKey key, int count, ReadOnlySpan<short> initialValues, SemaphoreSetCreateOptions? options)
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

    /// <summary>
    /// semctl(SETALL) from a copy of <paramref name="values"/> on the stack (or the heap, for big sets): a
    /// collection expression of constants is a pointer into the assembly image, which qemu-user's argument
    /// copy cannot read (EFAULT under qemu-aarch64); the copy costs nothing next to the system call.
    /// </summary>
    private static unsafe int SetAll(int id, ReadOnlySpan<short> values)
    {
        const int StackLimit = 256;
        Span<short> copy = values.Length <= StackLimit ? stackalloc short[StackLimit] : new short[values.Length];
        values.CopyTo(copy);
        fixed (short* p = copy)
        {
            return Libc.semctl(id, 0, Libc.SETALL, (nint)p);
        }
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

    private static void ValidateCreate(int count, ReadOnlySpan<short> initialValues, UnixFileMode permissions)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        IpcPermissions.Validate(permissions);
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
    }

    private static void ValidateValues(ReadOnlySpan<short> values, string parameterName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] < 0)
            {
                throw new ArgumentOutOfRangeException(parameterName, values[i], $"Value [{i}] is {values[i]}: {ValueRangeMessage()}");
            }
        }
    }

    private static string ValueRangeMessage() =>
        $"Semaphore values run from 0 to SEMVMX = {MaxValue.ToString(CultureInfo.InvariantCulture)}, a kernel constant (include/uapi/linux/sem.h) that cannot be changed.";

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

    /// <summary>Checks the span against the set and SEMOPM before any call; returns whether an operation says NoWait.</summary>
    private bool ValidateOperations(ReadOnlySpan<SemaphoreOperation> operations)
    {
        if (operations.IsEmpty)
        {
            throw new ArgumentException("No operations were given: semop needs at least one.", nameof(operations));
        }

        if (!KernelTunables.Allows(KernelTunable.SemOpm, (ulong)operations.Length, out ulong limit))
        {
            throw new ArgumentException(
                $"{operations.Length} operations were given, but one semop applies at most SEMOPM = {limit.ToString(CultureInfo.InvariantCulture)} ({KernelTunables.Where(KernelTunable.SemOpm)}).",
                nameof(operations));
        }

        bool noWait = false;
        for (int i = 0; i < operations.Length; i++)
        {
            SemaphoreOperation op = operations[i];
            if (op.Index >= Count)
            {
                throw new ArgumentOutOfRangeException(nameof(operations), op.Index, $"operations[{i}] is on semaphore {op.Index}, but {this} has indexes 0 to {Count - 1}.");
            }

            noWait |= (op.Flags & SemaphoreOperationFlags.NoWait) != 0;
        }

        return noWait;
    }

    private Sembuf Single(int index, int delta, bool undo, bool noWait)
    {
        ThrowIfDisposed();
        ValidateIndex(index);
        return new Sembuf
        {
            sem_num = (ushort)index,
            sem_op = (short)delta,
            sem_flg = (short)((undo ? Libc.SEM_UNDO : 0) | (noWait ? Libc.IPC_NOWAIT : 0)),
        };
    }

    private void ValidateIndex(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"{this} has indexes 0 to {Count - 1}.");
        }
    }

    /// <summary>semop, retried after EINTR; false on EAGAIN (only possible with IPC_NOWAIT).</summary>
    private unsafe bool SemOp(Sembuf* ops, int count)
    {
        for (int attempt = 0; ; attempt++)
        {
            if (Libc.semop(Id, ops, (nuint)count) == 0)
            {
                return true;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EAGAIN)
            {
                return false;
            }

            if (errno != Errno.EINTR)
            {
                throw Error(RemovedWhileRetrying(errno, attempt), "semop");
            }
        }
    }

    /// <summary>
    /// A set removed while the call was blocked gives EIDRM; removed between two attempts (after EINTR or
    /// a cancellation slice) the id is simply unknown (EINVAL). Both mean the same to the waiter.
    /// </summary>
    private static int RemovedWhileRetrying(int errno, int attempt) => errno == Errno.EINVAL && attempt > 0 ? Errno.EIDRM : errno;

    /// <summary>
    /// semtimedop until applied, timed out or cancelled. EINTR repeats the call with the time that is left.
    /// While the token can be cancelled, the wait is cut into slices so the token is looked at regularly:
    /// the kernel has no way to wake a semop for a token.
    /// </summary>
    private unsafe bool SemTimedOp(Sembuf* ops, int count, TimeSpan timeout, bool noWait, CancellationToken cancellationToken)
    {
        Deadline deadline = Deadline.Start(timeout);
        if (deadline.IsInfinite && !cancellationToken.CanBeCanceled)
        {
            return SemOp(ops, count);
        }

        cancellationToken.ThrowIfCancellationRequested();
        for (int attempt = 0; ; attempt++)
        {
            TimeSpan wait = cancellationToken.CanBeCanceled ? deadline.RemainingOrSlice(s_cancellationSlice) : deadline.Remaining;
            Timespec timespec = Deadline.ToTimespec(wait);
            long callStart = Stopwatch.GetTimestamp();
            if (Libc.semtimedop(Id, ops, (nuint)count, &timespec) == 0)
            {
                return true;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EAGAIN)
            {
                // EAGAIN is both "timed out" and "a NoWait operation could not proceed". A timer never
                // fires early, so a quick EAGAIN with NoWait in the span is the NoWait case.
                if (noWait && Stopwatch.GetElapsedTime(callStart) < wait)
                {
                    return false;
                }

                if (deadline.HasExpired)
                {
                    return false;
                }
            }
            else if (errno != Errno.EINTR)
            {
                throw Error(RemovedWhileRetrying(errno, attempt), "semtimedop");
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Fails when the id no longer names the set this object opened (the kernel reused it for another set):
    /// checked from the kernel (IPC_STAT) right before the calls whose memory access depends on the size.
    /// </summary>
    private void ThrowIfReplaced()
    {
        SemaphoreSetInfo now;
        try
        {
            now = SemaphoreSetStatus.Stat(Id, Key);
        }
        catch (IpcException e) when (_disposed)
        {
            throw DisposedDuringCall(e);
        }

        if (now.Count != Count || (!Key.IsPrivate && now.Key != Key))
        {
            throw IpcErrors.Replaced(IpcObjectKind.SemaphoreSet, Key, Id,
                $"it was opened with {Count} semaphore{(Count == 1 ? string.Empty : "s")}{(Key.IsPrivate ? string.Empty : $" and key {Key}")}; the id now names a set of {now.Count} with key {now.Key}");
        }
    }

    private int Control(int index, int command, int argument, string call)
    {
        ThrowIfDisposed();
        ValidateIndex(index);
        int result = Libc.semctl(Id, index, command, argument);
        return result >= 0 ? result : throw Error(call);
    }

    private Exception Error(string call) => Error(Marshal.GetLastPInvokeError(), call);

    // Id-based: no key, so a stale id reads "no semaphore set has id N"; the key goes in the detail.
    private Exception Error(int errno, string call)
    {
        IpcException error = IpcErrors.Create(errno, call, IpcObjectKind.SemaphoreSet, null, Id, SemaphoreSetStatus.KeyNote(Key));
        return _disposed ? DisposedDuringCall(error) : error;
    }

    /// <summary>
    /// A call that failed because <see cref="Dispose"/> on another thread removed the set under it
    /// (<see cref="RemoveOnDispose"/>) ends the way every call on a disposed object ends; the kernel's error is inside.
    /// </summary>
    private ObjectDisposedException DisposedDuringCall(IpcException error) =>
        new($"The {this} was disposed by another thread during this call{(RemoveOnDispose ? ", which removed it" : string.Empty)}.", error);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
