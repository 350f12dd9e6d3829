namespace SysV.Ipc;

/// <summary>
/// A signal processes wait for, on one System V semaphore: <see cref="Set"/> signals it, <see cref="Wait(CancellationToken)"/>
/// blocks until it is signalled. Every call is one system call.
/// </summary>
/// <remarks>
/// <para>A manual-reset event stays signalled until <see cref="Reset"/> and releases every waiter: the
/// semaphore is 1 while not signalled and 0 when signalled, and waiters wait for zero (semop {i, 0}).
/// Set is semop {i, -1, IPC_NOWAIT}; Reset is the atomic pair {i, 0, IPC_NOWAIT}, {i, +1}.</para>
/// <para>An auto-reset event releases one waiter per <see cref="Set"/>: the semaphore is 0 while not
/// signalled and 1 when signalled; Wait is semop {i, -1}; Set is {i, 0, IPC_NOWAIT}, {i, +1}, so setting
/// an already signalled event does nothing; Reset is {i, -1, IPC_NOWAIT}.</para>
/// <para>The mode is not stored in the kernel: every party must use the same one.</para>
/// </remarks>
public sealed class IpcEvent : IDisposable
{
    private readonly SemaphoreSet _set;
    private readonly int _index;
    private readonly bool _ownsSet;

    private IpcEvent(SemaphoreSet set, int index, EventResetMode mode, bool ownsSet)
    {
        _set = set;
        _index = index;
        Mode = mode;
        _ownsSet = ownsSet;
    }

    /// <summary>Manual reset (releases all waiters, stays set) or auto reset (releases one waiter).</summary>
    public EventResetMode Mode { get; }

    /// <summary>The semaphore set it lives in.</summary>
    public SemaphoreSet Semaphores => _set;

    /// <summary>Its index in <see cref="Semaphores"/>.</summary>
    public int Index => _index;

    /// <summary>Whether it is signalled now (semctl GETVAL): a snapshot.</summary>
    public bool IsSet => _set.GetValue(_index) == SetValue(Mode);

    /// <summary>The value a semaphore holding an event must be initialized with.</summary>
    /// <param name="mode">The mode.</param>
    /// <param name="initiallySet">Whether the event starts signalled.</param>
    /// <returns>For an event not set: 1 for manual reset, 0 for auto reset; the other value when set.</returns>
    public static int InitialValue(EventResetMode mode, bool initiallySet = false) =>
        initiallySet ? SetValue(mode) : 1 - SetValue(ValidateMode(mode));

    /// <summary>Creates an event in a new set of one semaphore.</summary>
    /// <param name="key">The key.</param>
    /// <param name="mode">Manual or auto reset.</param>
    /// <param name="initiallySet">Whether it starts signalled.</param>
    /// <param name="options">Permissions (default 0600) and removal on dispose.</param>
    /// <returns>The event.</returns>
    public static IpcEvent Create(IpcKey key, EventResetMode mode, bool initiallySet = false, SemaphoreSetCreateOptions? options = null) =>
        new(SemaphoreSet.Create(key, 1, [InitialValue(mode, initiallySet)], options), 0, mode, ownsSet: true);

    /// <summary>Opens an event made by <see cref="Create"/>; pass the same mode.</summary>
    /// <param name="key">The key.</param>
    /// <param name="mode">The mode it was created with.</param>
    /// <param name="options">How long to wait for initialization.</param>
    /// <returns>The event.</returns>
    public static IpcEvent Open(IpcKey key, EventResetMode mode, SemaphoreSetOpenOptions? options = null)
    {
        ValidateMode(mode);
        return new(SemaphoreSet.Open(key, options), 0, mode, ownsSet: true);
    }

    /// <summary>Opens an event made by <see cref="Create"/>, if there is one; pass the same mode.</summary>
    /// <param name="key">The key.</param>
    /// <param name="mode">The mode it was created with.</param>
    /// <param name="ipcEvent">The event, when the result is <see langword="true"/>.</param>
    /// <param name="options">How long to wait for initialization.</param>
    /// <returns><see langword="false"/> when no semaphore set has this key; other failures throw as Open does.</returns>
    public static bool TryOpen(IpcKey key, EventResetMode mode, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IpcEvent? ipcEvent, SemaphoreSetOpenOptions? options = null)
    {
        ValidateMode(mode);
        ipcEvent = SemaphoreSet.TryOpen(key, out SemaphoreSet? set, options) ? new IpcEvent(set, 0, mode, ownsSet: true) : null;
        return ipcEvent is not null;
    }

    /// <summary>An event at <paramref name="index"/> of a set that holds other things too (initialized with <see cref="InitialValue"/>); disposing it leaves the set alone.</summary>
    /// <param name="set">The set.</param>
    /// <param name="index">The index.</param>
    /// <param name="mode">The mode.</param>
    /// <returns>The event.</returns>
    public static IpcEvent OnSemaphore(SemaphoreSet set, int index, EventResetMode mode)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, set.Count);
        ValidateMode(mode);
        return new IpcEvent(set, index, mode, ownsSet: false);
    }

    /// <summary>Signals the event. Setting a signalled event does nothing.</summary>
    /// <returns>Whether this call changed it from not signalled to signalled.</returns>
    public bool Set()
    {
        ReadOnlySpan<SemaphoreOperation> set = Mode == EventResetMode.ManualReset
            ? [SemaphoreOperation.Wait(_index, 1, SemaphoreOperationFlags.NoWait)]
            : [SemaphoreOperation.WaitForZero(_index, SemaphoreOperationFlags.NoWait), SemaphoreOperation.Release(_index)];
        return _set.Operate(set);
    }

    /// <summary>Makes the event not signalled. Resetting a non-signalled event does nothing.</summary>
    /// <returns>Whether this call changed it.</returns>
    public bool Reset()
    {
        ReadOnlySpan<SemaphoreOperation> reset = Mode == EventResetMode.ManualReset
            ? [SemaphoreOperation.WaitForZero(_index, SemaphoreOperationFlags.NoWait), SemaphoreOperation.Release(_index)]
            : [SemaphoreOperation.Wait(_index, 1, SemaphoreOperationFlags.NoWait)];
        return _set.Operate(reset);
    }

    /// <summary>Waits until the event is signalled (an auto-reset event is reset by the wait that returns).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="IpcObjectRemovedException">The set was removed while waiting.</exception>
    public void Wait(CancellationToken cancellationToken = default)
    {
        if (Mode == EventResetMode.ManualReset)
        {
            _set.WaitForZero(_index, cancellationToken);
        }
        else
        {
            _set.Wait(_index, 1, flags: SemaphoreOperationFlags.None, cancellationToken);
        }
    }

    /// <summary>Waits at most <paramref name="timeout"/> for the event.</summary>
    /// <param name="timeout">How long; <see cref="TimeSpan.Zero"/> only checks.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Whether it was signalled in time.</returns>
    public bool TryWait(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Mode == EventResetMode.ManualReset
            ? _set.TryWaitForZero(_index, timeout, cancellationToken)
            : _set.TryWait(_index, timeout, 1, flags: SemaphoreOperationFlags.None, cancellationToken);

    /// <summary>Disposes the set object if this event created or opened it.</summary>
    public void Dispose()
    {
        if (_ownsSet)
        {
            _set.Dispose();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"IpcEvent ({Mode}) {_index} of {_set}";

    private static int SetValue(EventResetMode mode) => mode == EventResetMode.ManualReset ? 0 : 1;

    private static EventResetMode ValidateMode(EventResetMode mode) =>
        mode is EventResetMode.ManualReset or EventResetMode.AutoReset
            ? mode
            : throw new ArgumentOutOfRangeException(nameof(mode), mode, "An event is either ManualReset or AutoReset.");
}
