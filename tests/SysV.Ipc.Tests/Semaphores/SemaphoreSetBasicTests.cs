using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Semaphores;

/// <summary>Create, open, operate, read and write values, remove: the core of SemaphoreSet against the real kernel.</summary>
public sealed class SemaphoreSetBasicTests : IpcLeakGuard
{
    [Fact]
    public void Create_SetsInitialValues_AndMarksTheSetInitialized()
    {
        IpcKey key = TestKeys.Unique();
        using var set = SemaphoreSet.Create(key, 3, [0, 5, SemaphoreSet.MaxValue], options: new() { RemoveOnDispose = true });

        Assert.True(set.WasCreated);
        Assert.Equal(key, set.Key);
        Assert.Equal(3, set.Count);
        Assert.Equal(new int[] { 0, 5, SemaphoreSet.MaxValue }, set.GetValues());
        SemaphoreSetInfo info = set.GetInfo();
        Assert.Equal(set.Id, info.Id);
        Assert.Equal(key, info.Key);
        Assert.Equal(3, info.Count);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, info.Permissions);
        Assert.NotNull(info.LastOperationTime); // the protocol's "initialized" mark
        Assert.NotNull(info.LastChangeTime);
        Assert.Equal(Environment.ProcessId, set.GetLastProcessId(0));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(SemaphoreSet.MaxValue)]
    public void Create_InitializationMark_LeavesEveryFirstValueUnchanged(int first)
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 2, [first, 3], options: new() { RemoveOnDispose = true });
        Assert.Equal(new int[] { first, 3 }, set.GetValues());
        Assert.NotNull(set.GetInfo().LastOperationTime);
    }

    [Fact]
    public void Create_ExistingKey_ThrowsExists_NamingKeyAndRemedy()
    {
        IpcKey key = TestKeys.Unique();
        using var first = SemaphoreSet.Create(key, 1, [1], options: new() { RemoveOnDispose = true });
        var e = Assert.Throws<IpcObjectExistsException>(() => SemaphoreSet.Create(key, 1, [1]));
        Assert.Contains(key.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains("ipcrm -S", e.Message, StringComparison.Ordinal);
        Assert.Equal(IpcObjectKind.SemaphoreSet, e.Kind);
    }

    [Fact]
    public void Open_ByKeyAndById_SeeTheSameSet()
    {
        IpcKey key = TestKeys.Unique();
        using var created = SemaphoreSet.Create(key, 2, [3, 4], new() { Permissions = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, RemoveOnDispose = true });
        using var byKey = SemaphoreSet.Open(key);
        using var byId = SemaphoreSet.OpenById(created.Id);

        Assert.False(byKey.WasCreated);
        Assert.Equal(created.Id, byKey.Id);
        Assert.Equal(2, byKey.Count);
        Assert.Equal(key, byId.Key);
        Assert.Equal(2, byId.Count);
        byKey.Release(1, 2);
        Assert.Equal(6, byId.GetValue(1));
    }

    [Fact]
    public void Open_MissingKey_ThrowsNotFound()
    {
        IpcKey key = TestKeys.Unique();
        var e = Assert.Throws<IpcObjectNotFoundException>(() => SemaphoreSet.Open(key));
        Assert.Contains("No semaphore set exists with key " + key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenById_MissingId_ThrowsNotFound()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [0]);
        int id = set.Id;
        set.Remove();
        var e = Assert.Throws<IpcObjectNotFoundException>(() => SemaphoreSet.OpenById(id));
        Assert.Contains($"No semaphore set has id {id}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenOrCreate_CreatesThenOpens()
    {
        IpcKey key = TestKeys.Unique();
        using var first = SemaphoreSet.OpenOrCreate(key, 2, [1, 2], createOptions: new() { RemoveOnDispose = true });
        using var second = SemaphoreSet.OpenOrCreate(key, 2, [7, 7]);
        Assert.True(first.WasCreated);
        Assert.False(second.WasCreated);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(new int[] { 1, 2 }, second.GetValues()); // the opener's values are not applied

        var e = Assert.Throws<IpcException>(() => SemaphoreSet.OpenOrCreate(key, 3, [0, 0, 0]));
        Assert.Contains("exists with 2 semaphores, not the 3 requested", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WaitAndRelease_MoveTheValue()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [2], options: new() { RemoveOnDispose = true });
        set.Wait(0);
        Assert.Equal(1, set.GetValue(0));
        set.Wait(0, 1);
        Assert.Equal(0, set.GetValue(0));
        set.Release(0, 5);
        Assert.Equal(5, set.GetValue(0));
        set.Wait(0, 5);
        Assert.Equal(0, set.GetValue(0));
    }

    [Fact]
    public void TryWait_TakesOnlyWhatIsThere()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [2], options: new() { RemoveOnDispose = true });
        Assert.False(set.TryWait(0, count: 3));
        Assert.Equal(2, set.GetValue(0));
        Assert.True(set.TryWait(0, count: 2));
        Assert.Equal(0, set.GetValue(0));
        Assert.False(set.TryWait(0));
    }

    [Fact]
    public void Operate_AppliesAllOperations()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 3, [1, 0, 0], options: new() { RemoveOnDispose = true });
        Assert.True(set.Operate([SemaphoreOperation.Wait(0), SemaphoreOperation.Release(1, 3), SemaphoreOperation.WaitForZero(2)]));
        Assert.Equal(new int[] { 0, 3, 0 }, set.GetValues());
    }

    [Fact]
    public void Operate_NoWaitOnSecond_AppliesNeither()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 2, [1, 0], options: new() { RemoveOnDispose = true });
        bool applied = set.Operate([SemaphoreOperation.Wait(0), SemaphoreOperation.Wait(1, 1, SemaphoreOperationFlags.NoWait)]);
        Assert.False(applied);
        Assert.Equal(new int[] { 1, 0 }, set.GetValues()); // the first operation was not applied either
    }

    [Fact]
    public void SetValueAndSetValues_AreRead_Back()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 3, [0, 0, 0], options: new() { RemoveOnDispose = true });
        set.SetValue(1, 42);
        Assert.Equal(42, set.GetValue(1));
        set.SetValues([SemaphoreSet.MaxValue, 0, 9]);
        Assert.Equal(new int[] { SemaphoreSet.MaxValue, 0, 9 }, set.GetValues());
        Span<int> buffer = stackalloc int[5];
        buffer.Fill(-1);
        set.GetValues(buffer);
        Assert.Equal(new int[] { SemaphoreSet.MaxValue, 0, 9, -1, -1 }, buffer.ToArray());
    }

    [Fact]
    public void Remove_MakesTheIdStale_AndTryRemoveReportsIt()
    {
        var set = SemaphoreSet.Create(TestKeys.Unique(), 1, [0]);
        int id = set.Id;
        set.Remove();
        Assert.DoesNotContain(IpcSystem.ListSemaphoreSets(), s => s.Id == id);
        Assert.False(SemaphoreSet.TryRemove(id));
        var e = Assert.Throws<IpcObjectNotFoundException>(set.Remove);
        Assert.Contains($"No semaphore set has id {id}", e.Message, StringComparison.Ordinal);
        Assert.Throws<IpcObjectNotFoundException>(() => set.GetValue(0));
    }

    [Fact]
    public void TryRemove_ExistingId_RemovesIt()
    {
        var set = SemaphoreSet.Create(IpcKey.Private, 1, [0]);
        Assert.True(SemaphoreSet.TryRemove(set.Id));
        Assert.DoesNotContain(IpcSystem.ListSemaphoreSets(), s => s.Id == set.Id);
        Assert.False(SemaphoreSet.TryRemove(-1));
    }

    [Fact]
    public void Dispose_WithoutRemoveOnDispose_LeavesTheSet()
    {
        var set = SemaphoreSet.Create(IpcKey.Private, 1, [0]);
        set.Dispose();
        try
        {
            Assert.Contains(IpcSystem.ListSemaphoreSets(), s => s.Id == set.Id);
            Assert.Throws<ObjectDisposedException>(() => set.GetValue(0));
            Assert.Throws<ObjectDisposedException>(() => set.Wait(0));
        }
        finally
        {
            Assert.True(SemaphoreSet.TryRemove(set.Id));
        }
    }

    [Fact]
    public void Dispose_WithRemoveOnDispose_RemovesTheSet()
    {
        var set = SemaphoreSet.Create(IpcKey.Private, 1, [0]);
        set.RemoveOnDispose = true;
        set.Dispose();
        set.Dispose(); // idempotent
        Assert.DoesNotContain(IpcSystem.ListSemaphoreSets(), s => s.Id == set.Id);
    }
}
