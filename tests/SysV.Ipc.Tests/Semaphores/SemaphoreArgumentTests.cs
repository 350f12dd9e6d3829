using System.Runtime.CompilerServices;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Semaphores;

/// <summary>Caller mistakes fail before any system call, with the limit, its value and where it is set.</summary>
public sealed class SemaphoreArgumentTests : IpcLeakGuard
{
    [Fact]
    public void Create_BadCountOrValues_ThrowsBeforeCreating()
    {
        IpcKey key = TestKeys.Unique();
        Assert.Throws<ArgumentOutOfRangeException>(() => SemaphoreSet.Create(key, 0, []));
        int semmsl = IpcSystem.GetLimits().MaxSemaphoresPerSet;
        var tooMany = Assert.Throws<ArgumentOutOfRangeException>(() => SemaphoreSet.Create(key, semmsl + 1, new int[semmsl + 1]));
        Assert.Contains($"SEMMSL = {semmsl}", tooMany.Message, StringComparison.Ordinal);
        Assert.Contains("/proc/sys/kernel/sem", tooMany.Message, StringComparison.Ordinal);

        var length = Assert.Throws<ArgumentException>(() => SemaphoreSet.Create(key, 3, [1, 2]));
        Assert.Contains("2 initial values were given for 3 semaphores", length.Message, StringComparison.Ordinal);

        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => SemaphoreSet.Create(key, 2, [1, -5]));
        Assert.Contains("Value [1] is -5", negative.Message, StringComparison.Ordinal);
        Assert.Contains("SEMVMX = 32767", negative.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentOutOfRangeException>(() => SemaphoreSet.Create(key, 1, [0], new() { Permissions = UnixFileMode.SetUser | UnixFileMode.UserRead }));
        Assert.DoesNotContain(IpcSystem.ListSemaphoreSets(), s => s.Key == key);
    }

    [Fact]
    public void OpenAndOpenOrCreate_PrivateKey_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => SemaphoreSet.Open(IpcKey.Private));
        Assert.Throws<ArgumentException>(() => SemaphoreSet.OpenOrCreate(IpcKey.Private, 1, [0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => SemaphoreSet.OpenById(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SemaphoreSet.Open(TestKeys.Unique(), new() { InitializationTimeout = TimeSpan.FromSeconds(-2) }));
    }

    [Fact]
    public void IndexOutOfRange_IsAnArgumentError_NamingTheSetAndRange()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 2, [1, 1], options: new() { RemoveOnDispose = true });
        foreach (Action call in new Action[]
        {
            () => set.Wait(2), () => set.Release(-1), () => set.TryWait(5), () => set.WaitForZero(2),
            () => set.GetValue(2), () => set.SetValue(2, 0), () => set.GetWaitingCount(2), () => set.GetZeroWaitingCount(2), () => set.GetLastProcessId(2),
        })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(call);
            Assert.Contains($"semaphore set with id {set.Id}", e.Message, StringComparison.Ordinal);
            Assert.Contains("indexes 0 to 1", e.Message, StringComparison.Ordinal);
        }

        var op = Assert.Throws<ArgumentOutOfRangeException>(() => set.Operate([SemaphoreOperation.Release(0), SemaphoreOperation.Wait(7)]));
        Assert.Contains("operations[1] is on semaphore 7", op.Message, StringComparison.Ordinal);
        Assert.Equal(new int[] { 1, 1 }, set.GetValues()); // nothing applied
    }

    [Fact]
    public void Operate_EmptyOrAboveSemopm_IsAnArgumentError()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [0], options: new() { RemoveOnDispose = true });
        var empty = Assert.Throws<ArgumentException>(() => set.Operate([]));
        Assert.Contains("at least one", empty.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => set.TryOperate([], TimeSpan.Zero));

        int semopm = IpcSystem.GetLimits().MaxOperationsPerCall;
        var ops = new SemaphoreOperation[semopm + 1];
        Array.Fill(ops, SemaphoreOperation.WaitForZero(0));
        var tooMany = Assert.Throws<ArgumentException>(() => set.Operate(ops));
        Assert.Contains($"{semopm + 1} operations were given", tooMany.Message, StringComparison.Ordinal);
        Assert.Contains($"SEMOPM = {semopm}", tooMany.Message, StringComparison.Ordinal);
        Assert.Contains("/proc/sys/kernel/sem", tooMany.Message, StringComparison.Ordinal);

        // Exactly SEMOPM is accepted by the kernel.
        Assert.True(set.Operate(ops.AsSpan(0, semopm)));
    }

    [Fact]
    public void Values_OutsideZeroToSemvmx_AreArgumentErrors()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 2, [0, 0], options: new() { RemoveOnDispose = true });
        var high = Assert.Throws<ArgumentOutOfRangeException>(() => set.SetValue(0, SemaphoreSet.MaxValue + 1));
        Assert.Contains("SEMVMX = 32767", high.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => set.SetValue(0, -1));
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => set.SetValues([3, -1]));
        Assert.Contains("Value [1] is -1", negative.Message, StringComparison.Ordinal);
        var length = Assert.Throws<ArgumentException>(() => set.SetValues([3]));
        Assert.Contains("1 values were given", length.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => set.GetValues(new int[1]));
        Assert.Equal(new int[] { 0, 0 }, set.GetValues());
    }

    [Fact]
    public void Counts_ZeroOrAboveSemvmx_AreArgumentErrors()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [1], options: new() { RemoveOnDispose = true });
        var zero = Assert.Throws<ArgumentOutOfRangeException>(() => set.Wait(0, 0));
        Assert.Contains("A count of 0 is meaningless", zero.Message, StringComparison.Ordinal);
        Assert.Contains("WaitForZero", zero.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Release(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.TryWait(0, count: -1));
        var big = Assert.Throws<ArgumentOutOfRangeException>(() => set.Release(0, 40000));
        Assert.Contains("SEMVMX (32767", big.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => SemaphoreOperation.Wait(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SemaphoreOperation.Release(0, 32768));
    }

    [Fact]
    public void Timeouts_NegativeOtherThanInfinite_AreArgumentErrors()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [1], options: new() { RemoveOnDispose = true });
        Assert.Throws<ArgumentOutOfRangeException>(() => set.TryWait(0, TimeSpan.FromMilliseconds(-5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.TryOperate([SemaphoreOperation.Wait(0)], TimeSpan.FromMilliseconds(-2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.TryWaitForZero(0, TimeSpan.MinValue));
        Assert.True(set.TryWait(0, Timeout.InfiniteTimeSpan)); // infinite is allowed
        Assert.Equal(0, set.GetValue(0));
    }

    [Fact]
    public void Release_AboveSemvmx_IsTheKernelsErange_MappedToLimitExceeded()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [SemaphoreSet.MaxValue - 1], options: new() { RemoveOnDispose = true });
        var e = Assert.Throws<IpcLimitExceededException>(() => set.Release(0, 2));
        Assert.Equal(34, e.ErrorNumber); // ERANGE
        Assert.Contains("above SEMVMX (32767", e.Message, StringComparison.Ordinal);
        Assert.Contains($"id {set.Id}", e.Message, StringComparison.Ordinal);
        Assert.Equal(SemaphoreSet.MaxValue - 1, set.GetValue(0));
    }

    [Fact]
    public void KernelOnlyErrnos_HaveSemaphoreMessages()
    {
        // E2BIG and EFBIG cannot reach the kernel through the public API (checked before the call);
        // if SEMOPM is lowered between the check and the call, this is what the caller reads.
        IpcException e2big = IpcErrors.Create(7, "semop", IpcObjectKind.SemaphoreSet, null, 12);
        Assert.IsType<IpcLimitExceededException>(e2big);
        Assert.Contains("SEMOPM is the third field of /proc/sys/kernel/sem", e2big.Message, StringComparison.Ordinal);
        IpcException efbig = IpcErrors.Create(27, "semop", IpcObjectKind.SemaphoreSet, null, 12);
        Assert.Contains("semaphore index is not in semaphore set with id 12", efbig.Message, StringComparison.Ordinal);
        // Other kinds keep their own meaning of E2BIG (a message too long for the buffer).
        Assert.IsNotType<IpcLimitExceededException>(IpcErrors.Create(7, "msgrcv", IpcObjectKind.MessageQueue, null, 3));
    }

    [Fact]
    public void SemaphoreOperation_IsStructSembuf_AndValidates()
    {
        Assert.Equal(6, Unsafe.SizeOf<SemaphoreOperation>());
        SemaphoreOperation op = new(513, -3, SemaphoreOperationFlags.NoWait | SemaphoreOperationFlags.Undo);
        Interop.Sembuf raw = Unsafe.As<SemaphoreOperation, Interop.Sembuf>(ref op);
        Assert.Equal(513, raw.sem_num);
        Assert.Equal(-3, raw.sem_op);
        Assert.Equal(0x1800, raw.sem_flg); // IPC_NOWAIT | SEM_UNDO

        Assert.Equal(new SemaphoreOperation(2, -4), SemaphoreOperation.Wait(2, 4));
        Assert.Equal(new SemaphoreOperation(2, 4, SemaphoreOperationFlags.Undo), SemaphoreOperation.Release(2, 4, SemaphoreOperationFlags.Undo));
        Assert.Equal(0, SemaphoreOperation.WaitForZero(1).Delta);
        Assert.True(SemaphoreOperation.Wait(1) != SemaphoreOperation.Release(1));
        Assert.Equal("sem 2 -1 (NoWait, Undo)", SemaphoreOperation.Wait(2, 1, SemaphoreOperationFlags.NoWait | SemaphoreOperationFlags.Undo).ToString());
        Assert.Equal("sem 0 +3", SemaphoreOperation.Release(0, 3).ToString());

        Assert.Throws<ArgumentOutOfRangeException>(() => new SemaphoreOperation(-1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SemaphoreOperation(65536, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SemaphoreOperation(0, -32768));
        var flags = Assert.Throws<ArgumentOutOfRangeException>(() => new SemaphoreOperation(0, 1, (SemaphoreOperationFlags)0x2000));
        Assert.Contains("Only SemaphoreOperationFlags.NoWait", flags.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AfterDispose_EveryMemberThrowsObjectDisposed()
    {
        var set = SemaphoreSet.Create(IpcKey.Private, 1, [1]);
        int id = set.Id;
        set.Dispose();
        try
        {
            foreach (Action call in new Action[]
            {
                () => set.Operate([SemaphoreOperation.Wait(0)]), () => set.TryOperate([SemaphoreOperation.Wait(0)], TimeSpan.Zero),
                () => set.Wait(0), () => set.TryWait(0), () => set.Release(0), () => set.WaitForZero(0), () => set.TryWaitForZero(0, TimeSpan.Zero),
                () => set.GetValue(0), () => set.GetValues(), () => set.SetValue(0, 1), () => set.SetValues([1]),
                () => set.GetWaitingCount(0), () => set.GetZeroWaitingCount(0), () => set.GetLastProcessId(0), () => set.GetInfo(),
                () => set.SetPermissions(UnixFileMode.UserRead), () => set.SetOwner(0, 0), set.Remove,
            })
            {
                Assert.Throws<ObjectDisposedException>(call);
            }
        }
        finally
        {
            Assert.True(SemaphoreSet.TryRemove(id));
        }
    }
}
