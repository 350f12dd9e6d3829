using System.Globalization;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>The set's operations: atomic groups (semop), and the one-semaphore forms P, V and wait-for-zero.</summary>
public sealed partial class SemaphoreSet
{
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
    /// <param name="flags"><see cref="SemaphoreOperationFlags.Undo"/> (SEM_UNDO): give it back automatically if this process exits (or is killed) before releasing. NoWait does not apply: use <see cref="TryWait"/>.</param>
    /// <param name="cancellationToken">Cancels the wait (nothing taken); see <see cref="Operate"/> for the cost.</param>
    /// <exception cref="IpcObjectRemovedException">The set was removed while waiting.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the semaphore could be taken.</exception>
    /// <exception cref="ArgumentException"><paramref name="flags"/> holds NoWait (a call that must not wait is <see cref="TryWait"/>).</exception>
    public unsafe void Wait(int index, int count = 1, SemaphoreOperationFlags flags = SemaphoreOperationFlags.None, CancellationToken cancellationToken = default)
    {
        if ((flags & SemaphoreOperationFlags.NoWait) != 0)
        {
            throw new ArgumentException("Wait waits until it can take the semaphore; to try without waiting, call TryWait (with a zero timeout).", nameof(flags));
        }

        Sembuf op = Single(index, -SemaphoreOperation.CheckCount(count, nameof(count)), flags, noWait: false);
        SemTimedOp(&op, 1, Timeout.InfiniteTimeSpan, noWait: false, cancellationToken);
    }

    /// <summary>
    /// Takes <paramref name="count"/> from semaphore <paramref name="index"/> if it can within
    /// <paramref name="timeout"/>: by default without waiting at all (one semop with IPC_NOWAIT), otherwise with semtimedop.
    /// </summary>
    /// <param name="index">The semaphore's index.</param>
    /// <param name="timeout">How long to wait: <see cref="TimeSpan.Zero"/> (the default) not at all, <see cref="Timeout.InfiniteTimeSpan"/> until cancelled.</param>
    /// <param name="count">How much to take, 1 to SEMVMX.</param>
    /// <param name="flags"><see cref="SemaphoreOperationFlags.Undo"/> (SEM_UNDO): give it back automatically if this process exits before releasing. NoWait is the same as a zero timeout.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Whether it was taken.</returns>
    /// <exception cref="OperationCanceledException">Cancelled first (nothing taken).</exception>
    public unsafe bool TryWait(int index, TimeSpan timeout = default, int count = 1, SemaphoreOperationFlags flags = SemaphoreOperationFlags.None, CancellationToken cancellationToken = default)
    {
        Deadline.Validate(timeout);
        bool noWait = timeout == TimeSpan.Zero || (flags & SemaphoreOperationFlags.NoWait) != 0;
        Sembuf op = Single(index, -SemaphoreOperation.CheckCount(count, nameof(count)), flags, noWait);
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
    /// <param name="flags"><see cref="SemaphoreOperationFlags.Undo"/> (SEM_UNDO): the kernel subtracts it again when this process exits (pair it with a Wait that also used Undo, so the two records cancel). NoWait changes nothing: a release never blocks.</param>
    /// <exception cref="IpcLimitExceededException">The value would exceed SEMVMX (nothing changed).</exception>
    public unsafe void Release(int index, int count = 1, SemaphoreOperationFlags flags = SemaphoreOperationFlags.None)
    {
        Sembuf op = Single(index, SemaphoreOperation.CheckCount(count, nameof(count)), flags, noWait: false);
        SemOp(&op, 1);
    }

    /// <summary>Waits until semaphore <paramref name="index"/> is 0: one semop.</summary>
    /// <param name="index">The semaphore's index.</param>
    /// <param name="cancellationToken">Cancels the wait; see <see cref="Operate"/> for the cost.</param>
    public unsafe void WaitForZero(int index, CancellationToken cancellationToken = default)
    {
        Sembuf op = Single(index, 0, SemaphoreOperationFlags.None, noWait: false);
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
        Sembuf op = Single(index, 0, SemaphoreOperationFlags.None, noWait: false);
        return SemTimedOp(&op, 1, timeout, noWait: false, cancellationToken);
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

    private Sembuf Single(int index, int delta, SemaphoreOperationFlags flags, bool noWait)
    {
        if ((flags & ~(SemaphoreOperationFlags.NoWait | SemaphoreOperationFlags.Undo)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(flags), flags, "Only SemaphoreOperationFlags.NoWait (IPC_NOWAIT) and SemaphoreOperationFlags.Undo (SEM_UNDO) apply to a semaphore operation.");
        }

        ThrowIfDisposed();
        ValidateIndex(index);
        return new Sembuf
        {
            sem_num = (ushort)index,
            sem_op = (short)delta,
            sem_flg = (short)(((flags & SemaphoreOperationFlags.Undo) != 0 ? Libc.SEM_UNDO : 0) | (noWait ? Libc.IPC_NOWAIT : 0)),
        };
    }

    private void ValidateIndex(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"{this} has indexes 0 to {Count - 1}.");
        }
    }
}
