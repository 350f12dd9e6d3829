using System.Globalization;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>Reading and setting values and the per-semaphore counters (semctl GETVAL/GETALL/SETVAL/SETALL/GETNCNT/GETZCNT/GETPID).</summary>
public sealed partial class SemaphoreSet
{
    /// <summary>Reads one semaphore's value (semctl GETVAL).</summary>
    /// <param name="index">The semaphore's index.</param>
    /// <returns>0 to SEMVMX.</returns>
    public int GetValue(int index) => Control(index, Libc.GETVAL, 0, "semctl(GETVAL)");

    /// <summary>Reads every value at once, as one consistent snapshot (semctl GETALL).</summary>
    /// <returns>One value per semaphore.</returns>
    public int[] GetValues()
    {
        var values = new int[Count];
        GetValues(values);
        return values;
    }

    /// <summary>Reads every value at once into <paramref name="destination"/> (semctl GETALL).</summary>
    /// <param name="destination">At least <see cref="Count"/> elements; the first Count are written.</param>
    public unsafe void GetValues(Span<int> destination)
    {
        ThrowIfDisposed();
        if (destination.Length < Count)
        {
            throw new ArgumentException($"The destination holds {destination.Length} values, but {this} has {Count} semaphores.", nameof(destination));
        }

        ThrowIfReplaced(); // GETALL writes as many values as the set the id names now has

        // The kernel writes unsigned shorts (of at most SEMVMX): read them into a buffer of that width, then widen.
        const int StackLimit = 256;
        Span<ushort> raw = Count <= StackLimit ? stackalloc ushort[StackLimit] : new ushort[Count];
        fixed (ushort* values = raw)
        {
            if (Libc.semctl(Id, 0, Libc.GETALL, (nint)values) < 0)
            {
                throw Error("semctl(GETALL)");
            }
        }

        for (int i = 0; i < Count; i++)
        {
            destination[i] = raw[i];
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
    public void SetValues(ReadOnlySpan<int> values)
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

    /// <summary>
    /// semctl(SETALL) from a copy of <paramref name="values"/> on the stack (or the heap, for big sets): a
    /// collection expression of constants is a pointer into the assembly image, which qemu-user's argument
    /// copy cannot read (EFAULT under qemu-aarch64); the copy costs nothing next to the system call.
    /// </summary>
    private static unsafe int SetAll(int id, ReadOnlySpan<int> values)
    {
        const int StackLimit = 256;
        Span<ushort> copy = values.Length <= StackLimit ? stackalloc ushort[StackLimit] : new ushort[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            copy[i] = (ushort)values[i]; // validated: 0 to SEMVMX
        }

        fixed (ushort* p = copy)
        {
            return Libc.semctl(id, 0, Libc.SETALL, (nint)p);
        }
    }

    private static void ValidateValues(ReadOnlySpan<int> values, string parameterName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if ((uint)values[i] > MaxValue)
            {
                throw new ArgumentOutOfRangeException(parameterName, values[i], $"Value [{i}] is {values[i]}: {ValueRangeMessage()}");
            }
        }
    }

    private static string ValueRangeMessage() =>
        $"Semaphore values run from 0 to SEMVMX = {MaxValue.ToString(CultureInfo.InvariantCulture)}, a kernel constant (include/uapi/linux/sem.h) that cannot be changed.";

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
        catch (IpcException e) when (_state.IsDisposed)
        {
            throw _state.DisposedDuringCall(e);
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
}
