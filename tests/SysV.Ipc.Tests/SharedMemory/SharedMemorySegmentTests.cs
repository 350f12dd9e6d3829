using System.Globalization;
using SysV.Ipc.Interop;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.SharedMemory;

public sealed class SharedMemorySegmentTests : IpcLeakGuard
{
    private const UnixFileMode ReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void Create_MakesAZeroFilledSegmentWithKeySizeAndPermissions()
    {
        IpcKey key = TestKeys.Unique();
        DateTimeOffset before = DateTimeOffset.UtcNow.AddSeconds(-2);
        const UnixFileMode mode = ReadWrite | UnixFileMode.GroupRead;
        using var segment = SharedMemorySegment.Create(key, 3333, new() { Permissions = mode, RemoveOnDispose = true });

        Assert.True(segment.Id >= 0);
        Assert.Equal(key, segment.Key);
        Assert.Equal(3333, segment.Size);
        Assert.True(segment.WasCreated);
        Assert.True(segment.RemoveOnDispose);

        SharedMemoryInfo info = segment.GetInfo();
        Assert.Equal(IpcObjectKind.SharedMemory, info.Kind);
        Assert.Equal(segment.Id, info.Id);
        Assert.Equal(key, info.Key);
        Assert.Equal(3333, info.Size);
        Assert.Equal(mode, info.Permissions);
        Assert.Equal(Convert.ToInt32("640", 8), info.Mode);
        Assert.Equal(Libc.geteuid(), info.OwnerUserId);
        Assert.Equal(Libc.geteuid(), info.CreatorUserId);
        Assert.Equal(Environment.ProcessId, info.CreatorProcessId);
        Assert.Equal(0, info.LastProcessId);
        Assert.Equal(0, info.AttachCount);
        Assert.Null(info.LastAttachTime);
        Assert.Null(info.LastDetachTime);
        Assert.InRange(info.LastChangeTime!.Value, before, DateTimeOffset.UtcNow.AddSeconds(2));
        Assert.False(info.IsMarkedForRemoval);
        Assert.False(info.IsLocked);
        Assert.Null(info.ResidentBytes);

        using SharedMemoryAttachment attachment = segment.Attach();
        Assert.Equal(3333, attachment.Length);
        Assert.True(attachment.ReadOnlySpan.IndexOfAnyExcept((byte)0) < 0, "a new segment is zero-filled");
    }

    [Fact]
    public void Create_Private_MakesANewSegmentEveryTime()
    {
        using var first = SharedMemorySegment.Create(IpcKey.Private, 100, options: new() { RemoveOnDispose = true });
        using var second = SharedMemorySegment.Create(IpcKey.Private, 100, options: new() { RemoveOnDispose = true });
        Assert.NotEqual(first.Id, second.Id);
        Assert.True(first.Key.IsPrivate);
        Assert.True(second.GetInfo().Key.IsPrivate);
    }

    [Fact]
    public void Create_WhenTheKeyExists_ThrowsExistsWithLeftoverAdvice()
    {
        IpcKey key = TestKeys.Unique();
        using var segment = SharedMemorySegment.Create(key, 64, options: new() { RemoveOnDispose = true });

        var e = Assert.Throws<IpcObjectExistsException>(() => SharedMemorySegment.Create(key, 64));
        Assert.Equal(Errno.EEXIST, e.ErrorNumber);
        Assert.Equal(Errno.EEXIST, e.HResult);
        Assert.Equal(IpcObjectKind.SharedMemory, e.Kind);
        Assert.Equal(key, e.Key);
        Assert.IsAssignableFrom<IOException>(e);
        Assert.Contains($"Shared memory segment with key {key} already exists", e.Message, StringComparison.Ordinal);
        Assert.Contains("left over from an earlier run", e.Message, StringComparison.Ordinal);
        Assert.Contains("'ipcs -m'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"'ipcrm -M {key}'", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, IpcSystem.ListSharedMemory().Count(s => s.Key == key));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(long.MinValue)]
    public void Create_SizeNotPositive_ThrowsArgumentOutOfRangeBeforeAnyCall(long size)
    {
        // On an existing key: a call to shmget would have said EEXIST, so the argument check came first.
        IpcKey key = TestKeys.Unique();
        using var existing = SharedMemorySegment.Create(key, 64, options: new() { RemoveOnDispose = true });
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SharedMemorySegment.Create(key, size));
        Assert.Equal("size", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedMemorySegment.OpenOrCreate(key, size));
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedMemorySegment.Create(IpcKey.Private, size));
        Assert.Equal(1, IpcSystem.ListSharedMemory().Count(s => s.Key == key));
    }

    [Fact]
    public void Create_PermissionsBeyondRwx_ThrowArgumentOutOfRange()
    {
        IpcKey key = TestKeys.Unique();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SharedMemorySegment.Create(key, 64, new() { Permissions = ReadWrite | UnixFileMode.SetUser }));
        Assert.Equal("options", e.ParamName);
        Assert.Contains("rwx", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(IpcSystem.ListSharedMemory(), s => s.Key == key);
    }

    [RequiresRootFact]
    public void Create_AboveShmMax_ThrowsLimitExceededNamingTheLimit()
    {
        // SHMMAX belongs to the IPC namespace: lower it only in a child's private namespace.
        using RemoteProcess child = IsolatedChild.StartInNewIpcNamespace(CreateAboveShmMaxInChild);
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(30));
        string message = child.StandardOutput;
        Assert.Contains("IpcLimitExceededException", message, StringComparison.Ordinal);
        Assert.Contains("65537 bytes", message, StringComparison.Ordinal);
        Assert.Contains("SHMMAX is 65536 bytes", message, StringComparison.Ordinal);
        Assert.Contains("/proc/sys/kernel/shmmax", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_WithHugePages_WorksWhenReservedAndOtherwiseNamesNrHugepages()
    {
        ulong reserved = ulong.Parse(File.ReadAllText("/proc/sys/vm/nr_hugepages").Trim(), CultureInfo.InvariantCulture);
        IpcKey key = TestKeys.Unique();
        var options = new SharedMemoryCreateOptions { HugePages = true, RemoveOnDispose = true };
        if (reserved == 0)
        {
            var e = Assert.Throws<IpcLimitExceededException>(() => SharedMemorySegment.Create(key, 4096, options: options));
            Assert.Equal(Errno.ENOMEM, e.ErrorNumber);
            Assert.Contains("shmget(SHM_HUGETLB)", e.Message, StringComparison.Ordinal);
            Assert.Contains("/proc/sys/vm/nr_hugepages, which is 0 now", e.Message, StringComparison.Ordinal);
            Assert.Contains("needs 1 free pages of", e.Message, StringComparison.Ordinal);
            Assert.Contains("without HugePages", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(IpcSystem.ListSharedMemory(), s => s.Key == key);
        }
        else
        {
            using var segment = SharedMemorySegment.Create(key, 4096, options: options);
            using SharedMemoryAttachment attachment = segment.Attach();
            attachment.Write(4088, 7L);
            Assert.Equal(7L, attachment.Read<long>(4088));
        }
    }

    [Fact]
    public void OpenOrCreate_CreatesWhenMissing_OpensWhenPresent_RefusesWhenTooSmall()
    {
        IpcKey key = TestKeys.Unique();
        using var created = SharedMemorySegment.OpenOrCreate(key, 5000, options: new() { RemoveOnDispose = true });
        Assert.True(created.WasCreated);
        Assert.Equal(5000, created.Size);

        using var opened = SharedMemorySegment.OpenOrCreate(key, 100);
        Assert.False(opened.WasCreated);
        Assert.Equal(created.Id, opened.Id);
        Assert.Equal(5000, opened.Size); // the segment's real size, not the request
        Assert.False(opened.RemoveOnDispose);

        var e = Assert.Throws<IpcException>(() => SharedMemorySegment.OpenOrCreate(key, 5001));
        Assert.Equal(created.Id, e.Id);
        Assert.Contains("exists with 5000 bytes, smaller than the 5001 bytes requested", e.Message, StringComparison.Ordinal);
        Assert.Contains($"'ipcrm -m {created.Id}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_FindsTheSegmentByKey_WithItsRealSize()
    {
        IpcKey key = TestKeys.Unique();
        using var created = SharedMemorySegment.Create(key, 777, options: new() { RemoveOnDispose = true });
        using var opened = SharedMemorySegment.Open(key);
        Assert.Equal(created.Id, opened.Id);
        Assert.Equal(key, opened.Key);
        Assert.Equal(777, opened.Size);
        Assert.False(opened.WasCreated);
    }

    [Fact]
    public void Open_MissingKey_ThrowsNotFound()
    {
        IpcKey key = TestKeys.Unique();
        var e = Assert.Throws<IpcObjectNotFoundException>(() => SharedMemorySegment.Open(key));
        Assert.Equal(Errno.ENOENT, e.ErrorNumber);
        Assert.Equal(key, e.Key);
        Assert.Equal($"No shared memory segment exists with key {key} (shmget: No such file or directory). Create it first, or check that every party derives the same key ('ipcs -m' lists the existing ones).", e.Message);
    }

    [Fact]
    public void Open_Private_IsAnArgumentError()
    {
        var e = Assert.Throws<ArgumentException>(() => SharedMemorySegment.Open(IpcKey.Private));
        Assert.Equal("key", e.ParamName);
        Assert.Contains("OpenById", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenById_ReadsKeyAndSize_AndReportsStaleIds()
    {
        IpcKey key = TestKeys.Unique();
        int id;
        using (var created = SharedMemorySegment.Create(key, 4097, options: new() { RemoveOnDispose = true }))
        {
            id = created.Id;
            using var opened = SharedMemorySegment.OpenById(id);
            Assert.Equal(key, opened.Key);
            Assert.Equal(4097, opened.Size);
            Assert.False(opened.WasCreated);
        }

        var e = Assert.Throws<IpcObjectNotFoundException>(() => SharedMemorySegment.OpenById(id));
        Assert.Equal(Errno.EINVAL, e.ErrorNumber);
        Assert.Equal(id, e.Id);
        Assert.Contains($"No shared memory segment has id {id}", e.Message, StringComparison.Ordinal);
        Assert.Contains("removed, or the id is stale or wrong", e.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentOutOfRangeException>(() => SharedMemorySegment.OpenById(-1));
    }

    [Fact]
    public void GetInfo_TracksAttachAndDetach()
    {
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 64, options: new() { RemoveOnDispose = true });
        DateTimeOffset before = DateTimeOffset.UtcNow.AddSeconds(-2);
        using (SharedMemoryAttachment first = segment.Attach())
        using (SharedMemoryAttachment second = segment.Attach(SharedMemoryAccess.ReadOnly))
        {
            SharedMemoryInfo attached = segment.GetInfo();
            Assert.Equal(2, attached.AttachCount);
            Assert.Equal(Environment.ProcessId, attached.LastProcessId);
            Assert.InRange(attached.LastAttachTime!.Value, before, DateTimeOffset.UtcNow.AddSeconds(2));
            Assert.Null(attached.LastDetachTime);
        }

        SharedMemoryInfo detached = segment.GetInfo();
        Assert.Equal(0, detached.AttachCount);
        Assert.InRange(detached.LastDetachTime!.Value, before, DateTimeOffset.UtcNow.AddSeconds(2));
    }

    [Fact]
    public void SetPermissions_ChangesTheModeBits()
    {
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 64, options: new() { RemoveOnDispose = true });
        const UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        segment.SetPermissions(mode);
        Assert.Equal(mode, segment.GetInfo().Permissions);
        Assert.Equal(Convert.ToInt32("446", 8), segment.GetInfo().Mode);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => segment.SetPermissions(UnixFileMode.StickyBit | ReadWrite));
        Assert.Equal("permissions", e.ParamName);
        Assert.Equal(mode, segment.GetInfo().Permissions);
    }

    [Fact]
    public void SetOwner_ChangesOwnerButNotCreator()
    {
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 64, options: new() { RemoveOnDispose = true });
        uint me = Libc.geteuid();
        segment.SetOwner(IsolatedChild.NobodyId, IsolatedChild.NobodyId);
        SharedMemoryInfo info = segment.GetInfo();
        Assert.Equal(IsolatedChild.NobodyId, info.OwnerUserId);
        Assert.Equal(IsolatedChild.NobodyId, info.OwnerGroupId);
        Assert.Equal(me, info.CreatorUserId);

        Assert.Throws<ArgumentOutOfRangeException>(() => segment.SetOwner(uint.MaxValue, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => segment.SetOwner(0, uint.MaxValue));
        Assert.Equal(IsolatedChild.NobodyId, segment.GetInfo().OwnerUserId);
    }

    [Fact]
    public void LockAndUnlock_SetAndClearShmLocked()
    {
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 4096, options: new() { RemoveOnDispose = true });
        if (Libc.geteuid() != 0)
        {
            // Without CAP_IPC_LOCK it depends on RLIMIT_MEMLOCK; the error must then say so.
            try
            {
                segment.Lock();
            }
            catch (IpcException e)
            {
                Assert.Contains("RLIMIT_MEMLOCK", e.Message, StringComparison.Ordinal);
                return;
            }
        }
        else
        {
            segment.Lock();
        }

        Assert.True(segment.GetInfo().IsLocked);
        Assert.Equal(Libc.SHM_LOCKED, segment.GetInfo().Mode & Libc.SHM_LOCKED);
        segment.Unlock();
        Assert.False(segment.GetInfo().IsLocked);
    }

    [Fact]
    public void Remove_DeletesAnUnattachedSegment_AndASecondRemoveSaysNotFound()
    {
        IpcKey key = TestKeys.Unique();
        using var segment = SharedMemorySegment.Create(key, 64);
        segment.Remove();
        Assert.DoesNotContain(IpcSystem.ListSharedMemory(), s => s.Id == segment.Id);
        Assert.Throws<IpcObjectNotFoundException>(() => SharedMemorySegment.Open(key));

        var e = Assert.Throws<IpcObjectNotFoundException>(segment.Remove);
        Assert.Equal(segment.Id, e.Id);
        Assert.Contains($"No shared memory segment has id {segment.Id} (it had key {key})", e.Message, StringComparison.Ordinal);
        Assert.Throws<IpcObjectNotFoundException>(() => segment.Attach());
        Assert.Throws<IpcObjectNotFoundException>(segment.GetInfo);
        Assert.Throws<IpcObjectNotFoundException>(segment.Lock);
        Assert.Throws<IpcObjectNotFoundException>(() => segment.SetPermissions(ReadWrite));
    }

    [Fact]
    public void Remove_WhileAttached_MarksForRemoval_FreesTheKey_AndDisappearsAtTheLastDetach()
    {
        IpcKey key = TestKeys.Unique();
        using var segment = SharedMemorySegment.Create(key, 64);
        SharedMemoryAttachment attachment = segment.Attach();
        try
        {
            attachment.Write(0, 99);
            segment.Remove();

            SharedMemoryInfo info = segment.GetInfo();
            Assert.True(info.IsMarkedForRemoval);
            Assert.True(info.Key.IsPrivate);
            Assert.Equal(99, attachment.Read<int>(0)); // the memory stays usable until detached

            // Linux lets a marked segment be attached by id; the key is free for a new segment at once.
            using (SharedMemoryAttachment again = segment.Attach(SharedMemoryAccess.ReadOnly))
            {
                Assert.Equal(99, again.Read<int>(0));
            }

            using var successor = SharedMemorySegment.Create(key, 64, options: new() { RemoveOnDispose = true });
            Assert.NotEqual(segment.Id, successor.Id);
        }
        finally
        {
            attachment.Dispose();
        }

        Assert.Throws<IpcObjectNotFoundException>(segment.GetInfo);
    }

    [Fact]
    public void TryRemove_TrueWhenRemoved_FalseWhenAbsent()
    {
        using var segment = SharedMemorySegment.Create(IpcKey.Private, 64);
        Assert.True(SharedMemorySegment.TryRemove(segment.Id));
        Assert.False(SharedMemorySegment.TryRemove(segment.Id));
        Assert.False(SharedMemorySegment.TryRemove(-1));
        Assert.False(SharedMemorySegment.TryRemove(int.MaxValue));
    }

    [Fact]
    public void RemoveOnDispose_RemovesOnlyWhenAskedFor()
    {
        IpcKey key = TestKeys.Unique();
        int id;
        using (var persistent = SharedMemorySegment.Create(key, 64))
        {
            id = persistent.Id;
            Assert.False(persistent.RemoveOnDispose);
        }

        // Disposing did not remove it: segments persist, as the kernel's do.
        Assert.Contains(IpcSystem.ListSharedMemory(), s => s.Id == id);

        using (var opened = SharedMemorySegment.Open(key))
        {
            opened.RemoveOnDispose = true; // an opener may take the job over
        }

        Assert.DoesNotContain(IpcSystem.ListSharedMemory(), s => s.Id == id);

        using (var created = SharedMemorySegment.Create(key, 64, options: new() { RemoveOnDispose = true }))
        {
            id = created.Id;
            created.Remove(); // removing it explicitly first is fine: Dispose does not complain
        }

        Assert.DoesNotContain(IpcSystem.ListSharedMemory(), s => s.Id == id);
    }

    [Fact]
    public void AfterDispose_MembersThrowObjectDisposed_AndDisposeIsIdempotent()
    {
        var segment = SharedMemorySegment.Create(TestKeys.Unique(), 64, options: new() { RemoveOnDispose = true });
        int id = segment.Id;
        segment.Dispose();
        segment.Dispose();
        Assert.Throws<ObjectDisposedException>(() => segment.Attach());
        Assert.Throws<ObjectDisposedException>(segment.GetInfo);
        Assert.Throws<ObjectDisposedException>(() => segment.SetPermissions(ReadWrite));
        Assert.Throws<ObjectDisposedException>(() => segment.SetOwner(0, 0));
        Assert.Throws<ObjectDisposedException>(segment.Lock);
        Assert.Throws<ObjectDisposedException>(segment.Unlock);
        Assert.Throws<ObjectDisposedException>(segment.Remove);
        Assert.Equal(id, segment.Id); // identity stays readable
    }

    [Fact]
    public void ToString_NamesKeyIdAndSize()
    {
        IpcKey key = TestKeys.Unique();
        using var segment = SharedMemorySegment.Create(key, 64, options: new() { RemoveOnDispose = true });
        Assert.Equal($"shared memory segment with key {key} (id {segment.Id}), 64 bytes", segment.ToString());
    }

    private static int CreateAboveShmMaxInChild()
    {
        File.WriteAllText("/proc/sys/kernel/shmmax", "65536");
        Assert.Equal(65536UL, IpcSystem.GetLimits().MaxSegmentSize);
        var create = Assert.Throws<IpcLimitExceededException>(() => SharedMemorySegment.Create(new IpcKey(0x1234), 65537));
        Assert.Equal(0, create.ErrorNumber);
        var openOrCreate = Assert.Throws<IpcLimitExceededException>(() => SharedMemorySegment.OpenOrCreate(new IpcKey(0x1234), 65537));
        Assert.Equal(create.Message, openOrCreate.Message);
        Assert.Empty(IpcSystem.ListSharedMemory());

        // At the limit it works: the check is not off by one.
        using (var atLimit = SharedMemorySegment.Create(new IpcKey(0x1234), 65536))
        {
            atLimit.Remove();
        }

        Console.WriteLine(create.GetType().Name);
        Console.WriteLine(create.Message);
        return RemoteExecutor.SuccessExitCode;
    }
}
