using System.Globalization;
using System.Runtime.CompilerServices;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.SharedMemory;

public sealed unsafe class SharedMemoryAttachmentTests : IpcLeakGuard
{
    private const int Size = 3333; // odd on purpose: not a page, not a power of two

    [Fact]
    public void TwoAttachmentsSeeTheSameMemory()
    {
        using var segment = NewSegment();
        using SharedMemoryAttachment a = segment.Attach();
        using SharedMemoryAttachment b = segment.Attach();
        Assert.NotEqual((nint)a.Pointer, (nint)b.Pointer);

        a.Span.Fill(0x5A);
        Assert.True(b.ReadOnlySpan.IndexOfAnyExcept((byte)0x5A) < 0);
        Assert.Equal(Size, a.Span.Length);
        Assert.Equal(Size, b.ReadOnlySpan.Length);
        Assert.Equal(Size, a.Length);
        Assert.Equal(segment.Id, a.Id);
        Assert.Equal(segment.Key, a.Key);
        Assert.False(a.IsReadOnly);
        Assert.False(a.IsDisposed);
    }

    [Fact]
    public void GetSpanAndGetReadOnlySpan_AreWindowsAtTheirOffset()
    {
        using var segment = NewSegment();
        using SharedMemoryAttachment attachment = segment.Attach();
        attachment.GetSpan(1000, 3).Fill(7);
        Assert.Equal(new byte[] { 0, 7, 7, 7, 0 }, attachment.GetReadOnlySpan(999, 5).ToArray());
        Assert.Equal(new byte[] { 7, 7, 7 }, attachment.ReadOnlySpan.Slice(1000, 3).ToArray());

        // The last byte and the empty window at the end are inside.
        attachment.GetSpan(Size - 1, 1)[0] = 9;
        Assert.Equal(9, attachment.GetReadOnlySpan(Size - 1, 1)[0]);
        Assert.Equal(0, attachment.GetSpan(Size, 0).Length);
    }

    [Fact]
    public void ReadAndWrite_AnyUnmanagedTypeAtAnyOffset_EvenUnaligned()
    {
        using var segment = NewSegment();
        using SharedMemoryAttachment attachment = segment.Attach();
        attachment.Write(1, 0x1122334455667788L);
        attachment.Write(Size - 8, double.Pi);
        attachment.Write(100, TutorialSyscall.Create(-3, 4, 5, "six"));
        attachment.Write<byte>(Size - 9, 0xEE);

        Assert.Equal(0x1122334455667788L, attachment.Read<long>(1));
        Assert.Equal(0x88, attachment.Read<byte>(1)); // little-endian, straight in memory
        Assert.Equal(double.Pi, attachment.Read<double>(Size - 8));
        Assert.Equal("six", attachment.Read<TutorialSyscall>(100).GetText());
        Assert.Equal(0xEE, attachment.ReadOnlySpan[Size - 9]);
    }

    [Fact]
    public void AsRefAndAsReadOnlyRef_PointIntoTheSegment()
    {
        using var segment = NewSegment();
        using SharedMemoryAttachment attachment = segment.Attach();
        ref long counter = ref attachment.AsRef<long>(64);
        counter = 41;
        Interlocked.Increment(ref counter);
        Assert.Equal(42, attachment.Read<long>(64));
        Assert.Equal(42, attachment.AsReadOnlyRef<long>(64));

        ref TutorialSyscall first = ref attachment.AsRef<TutorialSyscall>();
        first.Seq = 17;
        Assert.Equal(17, attachment.Read<long>(8));
        Assert.True(Unsafe.AreSame(ref first, ref attachment.AsRef<TutorialSyscall>(0)));
    }

    [Fact]
    public void EveryAccessOutsideTheSegment_ThrowsArgumentOutOfRange_AndNamesTheRange()
    {
        using var segment = NewSegment();
        using SharedMemoryAttachment attachment = segment.Attach();

        AssertOutOfRange("offset", () => attachment.Read<int>(-1));
        AssertOutOfRange("offset", () => attachment.Read<int>(Size - 3));
        AssertOutOfRange("offset", () => attachment.Read<byte>(Size));
        AssertOutOfRange("offset", () => attachment.Read<byte>(long.MaxValue));
        AssertOutOfRange("offset", () => attachment.Read<byte>(long.MinValue));
        AssertOutOfRange("offset", () => attachment.Write(Size - 7, 1L));
        AssertOutOfRange("offset", () => attachment.AsRef<long>(Size - 7));
        AssertOutOfRange("offset", () => attachment.AsReadOnlyRef<TutorialSyscall>(Size - 271));
        AssertOutOfRange("offset", () => attachment.GetSpan(Size - 1, 2));
        AssertOutOfRange("offset", () => attachment.GetReadOnlySpan(-1, 1));
        AssertOutOfRange("length", () => attachment.GetSpan(0, -1));
        AssertOutOfRange("length", () => attachment.GetReadOnlySpan(0, int.MinValue));

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => attachment.Read<long>(3330));
        Assert.Contains($"[3330, 3330+8) lies outside the {Size} bytes of shared memory segment with key {segment.Key} (id {segment.Id})", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadOnlyAttachment_ThrowsOnEveryWritePath_AndIsReallyMappedReadOnly()
    {
        using var segment = NewSegment();
        using (SharedMemoryAttachment writer = segment.Attach())
        {
            writer.Write(0, 1234);
        }

        using SharedMemoryAttachment reader = segment.Attach(SharedMemoryAccess.ReadOnly);
        Assert.True(reader.IsReadOnly);
        Assert.Equal("r--s", MappingPermissions((nint)reader.Pointer, segment.Key));

        AssertReadOnly(() => _ = reader.Span.Length);
        AssertReadOnly(() => reader.GetSpan(0, 1));
        AssertReadOnly(() => reader.Write(0, 1));
        AssertReadOnly(() => reader.AsRef<int>());
        AssertReadOnly(() => reader.AsRef<int>(Size)); // read-only is reported before the range

        // Reading works, and nothing was written.
        Assert.Equal(1234, reader.Read<int>(0));
        Assert.Equal(1234, reader.AsReadOnlyRef<int>());
        Assert.Equal(1234, BitConverter.ToInt32(reader.ReadOnlySpan[..4]));
        Assert.Equal(1234, BitConverter.ToInt32(reader.GetReadOnlySpan(0, 4)));

        var e = Assert.Throws<InvalidOperationException>(() => reader.Write(0, 1));
        Assert.Equal($"The shared memory segment with key {segment.Key} (id {segment.Id}) is attached read-only (SHM_RDONLY): writing to it would fault. Attach it with SharedMemoryAccess.ReadWrite to write.", e.Message);
    }

    [Fact]
    public void AfterDispose_EveryAccessThrowsObjectDisposed_AndTheMappingIsGone()
    {
        using var segment = NewSegment();
        SharedMemoryAttachment attachment = segment.Attach();
        nint address = (nint)attachment.Pointer;
        Assert.Equal("rw-s", MappingPermissions(address, segment.Key));
        attachment.Dispose();
        attachment.Dispose(); // idempotent

        Assert.True(attachment.IsDisposed);
        Assert.Null(MappingPermissions(address, segment.Key));
        Assert.Equal(0, segment.GetInfo().AttachCount);

        AssertDisposed(() => _ = attachment.Span.Length);
        AssertDisposed(() => _ = attachment.ReadOnlySpan.Length);
        AssertDisposed(() => attachment.GetSpan(0, 1));
        AssertDisposed(() => attachment.GetReadOnlySpan(0, 1));
        AssertDisposed(() => attachment.Read<int>(0));
        AssertDisposed(() => attachment.Write(0, 1));
        AssertDisposed(() => attachment.AsRef<int>());
        AssertDisposed(() => attachment.AsReadOnlyRef<int>());
        AssertDisposed(() => attachment.Read<int>(-5)); // disposed is reported before the range
        Assert.Contains("(detached)", attachment.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadOnlyAttachment_AfterDispose_ReportsDisposedFirst()
    {
        using var segment = NewSegment();
        SharedMemoryAttachment reader = segment.Attach(SharedMemoryAccess.ReadOnly);
        reader.Dispose();
        AssertDisposed(() => reader.Write(-1, 1));
        AssertDisposed(() => reader.AsRef<int>(-1));
        AssertDisposed(() => reader.GetSpan(0, 1));
    }

    [Fact]
    public void AForgottenAttachment_IsDetachedByTheFinalizer()
    {
        using var segment = NewSegment();
        AttachAndForget(segment);
        Assert.Equal(1, segment.GetInfo().AttachCount);
        for (int i = 0; i < 10 && segment.GetInfo().AttachCount != 0; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.Equal(0, segment.GetInfo().AttachCount);
    }

    [Fact]
    public void ASegmentLargerThanASpan_IsReachedThroughWindows()
    {
        // 2 GiB + 1 page of address space; NoReserve and untouched pages keep it free of real memory.
        long size = (long)int.MaxValue + 4097;
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), size, options: new() { NoReserve = true, RemoveOnDispose = true });
        using SharedMemoryAttachment attachment = segment.Attach();
        Assert.Equal(size, attachment.Length);

        var e = Assert.Throws<InvalidOperationException>(() => attachment.Span.Length);
        Assert.Contains("use GetSpan(offset, length)", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => attachment.ReadOnlySpan.Length);

        attachment.GetSpan(size - 16, 16).Fill(3);
        attachment.Write(size - 8, long.MaxValue);
        Assert.Equal(long.MaxValue, attachment.Read<long>(size - 8));
        Assert.Equal(3, attachment.GetReadOnlySpan(size - 16, 8)[7]);
        Assert.Throws<ArgumentOutOfRangeException>(() => attachment.Read<long>(size - 7));
    }

    [Fact]
    public void ToString_SaysWhatIsAttachedAndHow()
    {
        using var segment = NewSegment();
        using SharedMemoryAttachment reader = segment.Attach(SharedMemoryAccess.ReadOnly);
        Assert.Equal($"shared memory segment with key {segment.Key} (id {segment.Id}), {Size} bytes attached read-only", reader.ToString());
    }

    private static SharedMemorySegment NewSegment() =>
        SharedMemorySegment.Create(TestKeys.Unique(), Size, options: new() { RemoveOnDispose = true });

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AttachAndForget(SharedMemorySegment segment) => segment.Attach().Write(0, 1);

    /// <summary>
    /// The permissions ("r--s") of the System V mapping of this key at this address in /proc/self/maps, or null.
    /// The kernel names such mappings "/SYSV%08x (deleted)"; the runtime may reuse a freed address at once.
    /// </summary>
    private static string? MappingPermissions(nint address, IpcKey key)
    {
        string start = address.ToString("x", CultureInfo.InvariantCulture) + "-";
        string name = "/SYSV" + key.ToString()[2..];
        string? line = File.ReadLines("/proc/self/maps").FirstOrDefault(l => l.StartsWith(start, StringComparison.Ordinal) && l.Contains(name, StringComparison.Ordinal));
        return line?.Split(' ')[1];
    }

    private static void AssertOutOfRange(string parameter, Action action) =>
        Assert.Equal(parameter, Assert.Throws<ArgumentOutOfRangeException>(action).ParamName);

    private static void AssertReadOnly(Action action) =>
        Assert.Contains("read-only (SHM_RDONLY)", Assert.Throws<InvalidOperationException>(action).Message, StringComparison.Ordinal);

    private static void AssertDisposed(Action action) =>
        Assert.Equal(typeof(SharedMemoryAttachment).FullName, Assert.Throws<ObjectDisposedException>(action).ObjectName);
}
