using System.Globalization;

namespace SysV.Ipc;

/// <summary>
/// One operation on one semaphore of a set (C <c>struct sembuf</c>): a negative <see cref="Delta"/> waits
/// until the value is at least its magnitude and subtracts it, a positive one adds it, zero waits until
/// the value is 0. <see cref="SemaphoreSet.Operate"/> applies a whole
/// span of them atomically: all or none.
/// </summary>
/// <remarks>
/// The layout is exactly <c>struct sembuf</c> (unsigned short sem_num, short sem_op, short sem_flg), so a
/// span of operations goes to the kernel without copying.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public readonly struct SemaphoreOperation : IEquatable<SemaphoreOperation>
{
    private const SemaphoreOperationFlags KnownFlags = SemaphoreOperationFlags.NoWait | SemaphoreOperationFlags.Undo;

    private readonly ushort _index;
    private readonly short _delta;
    private readonly SemaphoreOperationFlags _flags;

    /// <summary>Creates an operation.</summary>
    /// <param name="index">The semaphore's index in the set (sem_num), 0 to 65535; checked against the set's size when applied.</param>
    /// <param name="delta">What to do (sem_op): negative waits for and takes that much, positive adds, 0 waits for zero. -32767 to 32767.</param>
    /// <param name="flags"><see cref="SemaphoreOperationFlags.NoWait"/> and/or <see cref="SemaphoreOperationFlags.Undo"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The index, delta or flags are outside what the kernel accepts.</exception>
    public SemaphoreOperation(int index, int delta, SemaphoreOperationFlags flags = SemaphoreOperationFlags.None)
    {
        if ((uint)index > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index,
                $"A semaphore index is 0 or more and at most {ushort.MaxValue} (sem_num is an unsigned short); sets have at most SEMMSL semaphores (first field of /proc/sys/kernel/sem).");
        }

        if (delta < -SemaphoreSet.MaxValue || delta > SemaphoreSet.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta,
                $"A semaphore operation changes a value by at most SEMVMX ({SemaphoreSet.MaxValue.ToString(CultureInfo.InvariantCulture)}, a kernel constant) either way; values themselves never exceed it, so a larger wait could never be satisfied.");
        }

        if ((flags & ~KnownFlags) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(flags), flags, "Only SemaphoreOperationFlags.NoWait (IPC_NOWAIT) and SemaphoreOperationFlags.Undo (SEM_UNDO) apply to a semaphore operation.");
        }

        _index = (ushort)index;
        _delta = (short)delta;
        _flags = flags;
    }

    /// <summary>The semaphore's index in the set (sem_num).</summary>
    public int Index => _index;

    /// <summary>The change (sem_op): negative waits and takes, positive adds, 0 waits for zero.</summary>
    public int Delta => _delta;

    /// <summary>NoWait and Undo (sem_flg).</summary>
    public SemaphoreOperationFlags Flags => _flags;

    /// <summary>An operation that waits until semaphore <paramref name="index"/> is at least <paramref name="count"/>, then subtracts it (P, acquire).</summary>
    /// <param name="index">The semaphore's index.</param>
    /// <param name="count">How much to take: 1 to SEMVMX (32767).</param>
    /// <param name="flags">NoWait, Undo.</param>
    /// <returns>The operation (delta = -count).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is 0 or less (0 would be <see cref="WaitForZero"/>) or above SEMVMX.</exception>
    public static SemaphoreOperation Wait(int index, int count = 1, SemaphoreOperationFlags flags = SemaphoreOperationFlags.None)
        => new(index, -CheckCount(count, nameof(count)), flags);

    /// <summary>An operation that adds <paramref name="count"/> to semaphore <paramref name="index"/> and wakes waiters (V, release).</summary>
    /// <param name="index">The semaphore's index.</param>
    /// <param name="count">How much to add: 1 to SEMVMX (32767).</param>
    /// <param name="flags">NoWait (fails instead of blocking; adding never blocks), Undo.</param>
    /// <returns>The operation (delta = +count).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is 0 or less (a release of 0 does nothing) or above SEMVMX.</exception>
    public static SemaphoreOperation Release(int index, int count = 1, SemaphoreOperationFlags flags = SemaphoreOperationFlags.None)
        => new(index, CheckCount(count, nameof(count)), flags);

    /// <summary>An operation that waits until semaphore <paramref name="index"/> is 0 (delta 0).</summary>
    /// <param name="index">The semaphore's index.</param>
    /// <param name="flags">NoWait (Undo has no effect on a zero operation).</param>
    /// <returns>The operation.</returns>
    public static SemaphoreOperation WaitForZero(int index, SemaphoreOperationFlags flags = SemaphoreOperationFlags.None)
        => new(index, 0, flags);

    /// <inheritdoc/>
    public bool Equals(SemaphoreOperation other) => _index == other._index && _delta == other._delta && _flags == other._flags;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SemaphoreOperation other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_index, _delta, _flags);

    /// <summary>For example "sem 2 -1 (NoWait, Undo)".</summary>
    /// <returns>The index, signed delta and flags.</returns>
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"sem {Index} {(Delta > 0 ? "+" : string.Empty)}{Delta}{(Flags == 0 ? string.Empty : $" ({Flags})")}");

    /// <summary>Compares two operations.</summary>
    /// <param name="left">An operation.</param>
    /// <param name="right">Another operation.</param>
    /// <returns>Whether index, delta and flags are equal.</returns>
    public static bool operator ==(SemaphoreOperation left, SemaphoreOperation right) => left.Equals(right);

    /// <summary>Compares two operations.</summary>
    /// <param name="left">An operation.</param>
    /// <param name="right">Another operation.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(SemaphoreOperation left, SemaphoreOperation right) => !left.Equals(right);

    internal static int CheckCount(int count, string parameterName)
    {
        if (count < 1 || count > SemaphoreSet.MaxValue)
        {
            throw new ArgumentOutOfRangeException(parameterName, count, count == 0
                ? "A count of 0 is meaningless here: waiting for or releasing 0 does nothing (use WaitForZero to wait until a semaphore is 0)."
                : $"The count must be from 1 to SEMVMX ({SemaphoreSet.MaxValue.ToString(CultureInfo.InvariantCulture)}, the kernel's largest semaphore value, a constant).");
        }

        return count;
    }
}
