using System.Diagnostics;
using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

// The structs below exist for their layout; many fields are never assigned (CS0649, CS0169).
#pragma warning disable CS0649, CS0169

namespace SysV.Ipc.Tests.Structured;

public sealed class SharedStructTests : IpcLeakGuard
{
    internal struct Counter
    {
        public int Initializations;
        public int Opens;
        public long Ready;
        public int CreatorPid;
    }

    // Three variants of one "version 1" struct: a field added, fields reordered, a field of another size.
    internal struct PointV1
    {
        public int X;
        public int Y;
    }

    internal struct PointWithFieldAdded
    {
        public int X;
        public int Y;
        public int Z;
    }

    internal struct PointReordered
    {
        public int Y;
        public int X;
    }

    internal struct PointWider
    {
        public long X;
        public int Y;
    }

    [Fact]
    public void InitializerRunsBeforeAnyoneSeesTheStructAndAChildReadsAndWritesIt()
    {
        IpcKey key = TestKeys.Unique();
        using var area = SharedStruct<Counter>.Create(key, (ref Counter c) =>
        {
            c.Initializations++;
            c.Ready = 0x5eed;
            c.CreatorPid = Environment.ProcessId;
        }, options: new() { RemoveOnDispose = true });

        Assert.True(area.WasCreated);
        Assert.False(area.IsRaw);
        Assert.Equal(Environment.ProcessId, area.CreatorProcessId);
        RemoteExecutor.Run(OpenAndCountAnOpen, Hex(key));
        Assert.Equal(1, area.ReadOnlyValue.Opens);
        Assert.Equal(1, area.ReadOnlyValue.Initializations);
    }

    [Fact]
    public void ConcurrentCreatorsInSeparateProcessesInitializeExactlyOnce()
    {
        const int Creators = 4;
        IpcKey key = TestKeys.Unique();
        long startAt = DateTimeOffset.UtcNow.AddMilliseconds(1500).ToUnixTimeMilliseconds();
        var children = new List<RemoteProcess>();
        try
        {
            for (int i = 0; i < Creators; i++)
            {
                children.Add(RemoteExecutor.Start(RaceToCreate, Hex(key), startAt.ToString(CultureInfo.InvariantCulture)));
            }

            foreach (RemoteProcess child in children)
            {
                child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));
            }

            using var area = SharedStruct<Counter>.Open(key, SharedMemoryAccess.ReadOnly);
            Assert.Equal(1, area.ReadOnlyValue.Initializations);
            Assert.Equal(Creators, area.ReadOnlyValue.Opens);
            Assert.Equal(1, children.Count(c => c.StandardOutput.Contains("created", StringComparison.Ordinal)));
            Assert.Contains(children, c => c.Id == area.CreatorProcessId);
        }
        finally
        {
            children.ForEach(c => c.Dispose());
            RemoveIfPresent(key);
        }
    }

    [Fact]
    public void AFieldAddedIsALayoutMismatchNamingBothLayouts()
    {
        var e = AssertMismatch<PointV1, PointWithFieldAdded>();
        Assert.Contains("field Z (i32@8) exists only in this process's layout", e.Message, StringComparison.Ordinal);
        Assert.Equal("struct(8){X:i32@0,Y:i32@4}", e.ActualLayout);
        Assert.Equal("struct(12){X:i32@0,Y:i32@4,Z:i32@8}", e.ExpectedLayout);
    }

    [Fact]
    public void ReorderedFieldsAreALayoutMismatch()
    {
        var e = AssertMismatch<PointV1, PointReordered>();
        Assert.Contains("different order", e.Message, StringComparison.Ordinal);
        Assert.Contains("field X is i32@0 in the area but i32@4 here", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFieldOfAnotherSizeIsALayoutMismatch()
    {
        var e = AssertMismatch<PointV1, PointWider>();
        Assert.Contains("field X is i32@0 in the area but i64@0 here", e.Message, StringComparison.Ordinal);
        Assert.Contains("8 bytes, this process's is 16", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSameLayoutOpensFromAnotherProcess()
    {
        IpcKey key = TestKeys.Unique();
        using var area = SharedStruct<PointV1>.Create(key, (ref PointV1 p) => p.X = 7, options: new() { RemoveOnDispose = true });
        RemoteExecutor.Run(OpenAsOtherLayouts, Hex(key));
    }

    [Fact]
    public void AReadOnlyOpenCanReadButNeverWrite()
    {
        IpcKey key = TestKeys.Unique();
        using var owner = SharedStruct<PointV1>.Create(key, (ref PointV1 p) => p.Y = 99, options: new() { RemoveOnDispose = true });
        using var reader = SharedStruct<PointV1>.Open(key, SharedMemoryAccess.ReadOnly);

        Assert.True(reader.IsReadOnly);
        Assert.Equal(99, reader.ReadOnlyValue.Y);
        var e = Assert.Throws<InvalidOperationException>(() => reader.Value.X = 1);
        Assert.Contains("read-only", e.Message, StringComparison.Ordinal);
        using (SharedMemoryAttachment attachment = reader.Segment.Attach(SharedMemoryAccess.ReadOnly))
        {
            Assert.Throws<InvalidOperationException>(() => attachment.Span.Clear());
        }

        owner.Value.Y = 100;
        Assert.Equal(100, reader.ReadOnlyValue.Y);
        reader.Dispose();
        Assert.Throws<ObjectDisposedException>(() => reader.ReadOnlyValue.Y);
    }

    [Fact]
    public void AnInitializerThatThrowsRemovesTheArea()
    {
        IpcKey key = TestKeys.Unique();
        Assert.Throws<FormatException>(() => SharedStruct<PointV1>.Create(key, (ref PointV1 _) => throw new FormatException("bad")));
        Assert.DoesNotContain(IpcSystem.ListSharedMemory(), s => s.Key == key);
    }

    [Fact]
    public void ACreatorKilledWhileInitializingIsReportedInsteadOfWaitedFor()
    {
        IpcKey key = TestKeys.Unique();
        using RemoteProcess child = RemoteExecutor.Start(CreateAndHangInInitializer, Hex(key));
        try
        {
            child.WaitForOutput("initializing", TimeSpan.FromSeconds(30));
            child.Kill();
            var clock = Stopwatch.StartNew();
            var e = Assert.Throws<SharedAreaFormatException>(() => SharedStruct<PointV1>.Open(key));
            Assert.Contains("exited while initializing", e.Message, StringComparison.Ordinal);
            Assert.Contains($"pid {child.Id}", e.Message, StringComparison.Ordinal);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        }
        finally
        {
            RemoveIfPresent(key);
        }
    }

    [Fact]
    public void AnOpenerWaitsWhileTheCreatorInitializes()
    {
        IpcKey key = TestKeys.Unique();
        using RemoteProcess child = RemoteExecutor.Start(CreateWithSlowInitializer, Hex(key));
        try
        {
            child.WaitForOutput("initializing", TimeSpan.FromSeconds(30));
            using (var area = SharedStruct<Counter>.Open(key))
            {
                // Open returned only after the initializer's last write.
                Assert.Equal(0x5eed, area.ReadOnlyValue.Ready);
                area.Value.Opens = 1;
            }

            child.Process.StandardInput.WriteLine("done");
            child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(30));
        }
        finally
        {
            RemoveIfPresent(key);
        }
    }

    [Fact]
    public void ASegmentWithForeignContentIsNotTakenForAStructuredArea()
    {
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 4096, options: new() { RemoveOnDispose = true });
        using (var attachment = segment.Attach())
        {
            "not a header"u8.CopyTo(attachment.Span);
        }

        var e = Assert.Throws<SharedAreaFormatException>(() => SharedStruct<PointV1>.Open(segment.Key));
        Assert.Contains("SHSTRUCT", e.Message, StringComparison.Ordinal);
        Assert.Contains("OpenRaw", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AHeaderWithOutOfRangeFieldsIsRejectedWithoutReadingOutsideTheSegment()
    {
        IpcKey key = TestKeys.Unique();
        using var area = SharedStruct<PointV1>.Create(key, options: new() { RemoveOnDispose = true });
        using var raw = area.Segment.Attach();

        // Another process announces a different layout whose text lies far beyond the segment.
        raw.Write<ulong>(24, 0x1234);
        raw.Write<uint>(32, 0x7fff_0000);
        var e = Assert.Throws<LayoutMismatchException>(() => SharedStruct<PointV1>.Open(key));
        Assert.Contains("out of bounds", e.ActualLayout, StringComparison.Ordinal);

        raw.Write<uint>(8, 2); // a future format version
        var v = Assert.Throws<SharedAreaFormatException>(() => SharedStruct<PointV1>.Open(key));
        Assert.Contains("format version is 2", v.Message, StringComparison.Ordinal);

        raw.Write<uint>(44, 77); // a state no writer produces
        Assert.Throws<SharedAreaFormatException>(() => SharedStruct<PointV1>.Open(key));
    }

    [Fact]
    public void RawModeChecksOnlyTheSize()
    {
        IpcKey key = TestKeys.Unique();
        using var area = SharedStruct<PointV1>.CreateRaw(key, (ref PointV1 p) => { p.X = 1; p.Y = 2; }, options: new() { RemoveOnDispose = true });
        Assert.Equal(8, area.Segment.Size);

        using (var same = SharedStruct<PointReordered>.OpenRaw(key))
        {
            // The caller vouches for the layout: a reordered struct reads the fields swapped.
            Assert.Equal(1, same.ReadOnlyValue.Y);
        }

        var e = Assert.Throws<LayoutMismatchException>(() => SharedStruct<PointWithFieldAdded>.OpenRaw(key));
        Assert.Contains("8 bytes but", e.Message, StringComparison.Ordinal);
        Assert.Throws<LayoutMismatchException>(() => SharedStruct<int>.OpenRaw(key));
        using var prefix = SharedStruct<int>.OpenRaw(key, size: RawSizeMatch.AtLeast);
        Assert.Equal(1, prefix.ReadOnlyValue);
    }

    [Fact]
    public void CreateOnAnExistingKeySaysHowToCleanUp()
    {
        IpcKey key = TestKeys.Unique();
        using var area = SharedStruct<PointV1>.Create(key, options: new() { RemoveOnDispose = true });
        var e = Assert.Throws<IpcObjectExistsException>(() => SharedStruct<PointV1>.Create(key));
        Assert.Contains("ipcrm", e.Message, StringComparison.Ordinal);

        using var again = SharedStruct<PointV1>.OpenOrCreate(key, (ref PointV1 _) => throw new InvalidOperationException("must not run"));
        Assert.False(again.WasCreated);
    }

    private static LayoutMismatchException AssertMismatch<TCreated, TOpened>()
        where TCreated : unmanaged
        where TOpened : unmanaged
    {
        IpcKey key = TestKeys.Unique();
        using var area = SharedStruct<TCreated>.Create(key, options: new() { RemoveOnDispose = true });
        var e = Assert.Throws<LayoutMismatchException>(() => SharedStruct<TOpened>.Open(key));
        Assert.Equal(SharedStruct<TCreated>.LayoutDescription, e.ActualLayout);
        Assert.Equal(SharedStruct<TOpened>.LayoutDescription, e.ExpectedLayout);
        Assert.Contains(e.ActualLayout, e.Message, StringComparison.Ordinal);
        Assert.Contains(e.ExpectedLayout, e.Message, StringComparison.Ordinal);
        Assert.Equal(key, e.Key);

        var orCreate = Assert.Throws<LayoutMismatchException>(() => SharedStruct<TOpened>.OpenOrCreate(key));
        Assert.Equal(e.Message, orCreate.Message);
        return e;
    }

    private static string Hex(IpcKey key) => key.Value.ToString(CultureInfo.InvariantCulture);

    private static IpcKey ParseKey(string text) => new(int.Parse(text, CultureInfo.InvariantCulture));

    private static void RemoveIfPresent(IpcKey key)
    {
        foreach (SharedMemoryInfo s in IpcSystem.ListSharedMemory().Where(s => s.Key == key))
        {
            SharedMemorySegment.TryRemove(s.Id);
        }
    }

    private static int OpenAndCountAnOpen(string key)
    {
        using var area = SharedStruct<Counter>.Open(ParseKey(key));
        if (area.ReadOnlyValue.Ready != 0x5eed || area.CreatorProcessId == Environment.ProcessId)
        {
            return 1;
        }

        Interlocked.Increment(ref area.Value.Opens);
        return RemoteExecutor.SuccessExitCode;
    }

    private static int RaceToCreate(string key, string startAt)
    {
        // Everyone starts at the same wall-clock instant, after the runtime has started in every child.
        long wait = long.Parse(startAt, CultureInfo.InvariantCulture) - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (wait > 0)
        {
            Thread.Sleep((int)wait);
        }

        using var area = SharedStruct<Counter>.OpenOrCreate(ParseKey(key), (ref Counter c) =>
        {
            c.Initializations++;
            Thread.Sleep(300); // a slow initializer widens the window in which others must wait
            c.Ready = 0x5eed;
        });

        // Nobody may see the struct before the initializer finished.
        if (area.ReadOnlyValue.Ready != 0x5eed || area.ReadOnlyValue.Initializations != 1)
        {
            Console.WriteLine($"saw Ready={area.ReadOnlyValue.Ready} Initializations={area.ReadOnlyValue.Initializations}");
            return 1;
        }

        Interlocked.Increment(ref area.Value.Opens);
        Console.WriteLine(area.WasCreated ? "created" : "opened");
        return RemoteExecutor.SuccessExitCode;
    }

    private static int OpenAsOtherLayouts(string key)
    {
        using var area = SharedStruct<PointV1>.Open(ParseKey(key));
        if (area.ReadOnlyValue.X != 7)
        {
            return 1;
        }

        try
        {
            using var wrong = SharedStruct<PointReordered>.Open(ParseKey(key));
            return 2;
        }
        catch (LayoutMismatchException)
        {
            return RemoteExecutor.SuccessExitCode;
        }
    }

    private static int CreateAndHangInInitializer(string key)
    {
        using var area = SharedStruct<PointV1>.Create(ParseKey(key), (ref PointV1 _) =>
        {
            Console.WriteLine("initializing");
            Thread.Sleep(Timeout.Infinite); // killed by the test
        });
        return 1;
    }

    private static int CreateWithSlowInitializer(string key)
    {
        using var area = SharedStruct<Counter>.Create(ParseKey(key), (ref Counter c) =>
        {
            Console.WriteLine("initializing");
            Thread.Sleep(500);
            c.Ready = 0x5eed;
        }, options: new() { RemoveOnDispose = true });
        Console.ReadLine();
        return area.ReadOnlyValue.Opens == 1 ? RemoteExecutor.SuccessExitCode : 1;
    }
}
