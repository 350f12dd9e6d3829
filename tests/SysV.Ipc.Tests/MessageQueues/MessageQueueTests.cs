using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.MessageQueues;

public sealed class MessageQueueTests : IpcLeakGuard
{
    [Fact]
    public void Create_Open_OpenOrCreate_OpenById_NameTheSameQueue()
    {
        IpcKey key = TestKeys.Unique();
        using var created = MessageQueue.Create(key, new() { Permissions = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead });
        created.RemoveOnDispose = true;
        using var opened = MessageQueue.Open(key);
        using var either = MessageQueue.OpenOrCreate(key);
        using var byId = MessageQueue.OpenById(created.Id);

        Assert.True(created.WasCreated);
        Assert.False(opened.WasCreated);
        Assert.False(either.WasCreated);
        Assert.Equal(created.Id, opened.Id);
        Assert.Equal(created.Id, either.Id);
        Assert.Equal(key, byId.Key);
        Assert.Equal((UnixFileMode)0b110_100_000, created.GetInfo().Permissions);
        Assert.Contains(key.ToString(), created.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void OpenOrCreate_CreatesWhenMissing()
    {
        IpcKey key = TestKeys.Unique();
        using var queue = MessageQueue.OpenOrCreate(key);
        queue.RemoveOnDispose = true;
        Assert.True(queue.WasCreated);
        Assert.Contains(IpcSystem.ListMessageQueues(), q => q.Id == queue.Id && q.Key == key);
    }

    [Fact]
    public void PrivateQueues_AreFoundById()
    {
        using var queue = MessageQueue.Create(IpcKey.Private);
        queue.RemoveOnDispose = true;
        using var byId = MessageQueue.OpenById(queue.Id);
        Assert.True(byId.Key.IsPrivate);
        byId.Send(5, Queues.Text("private"));
        Assert.Equal((5L, "private"), Queues.Take(queue));
        Assert.Throws<ArgumentException>(() => MessageQueue.Open(IpcKey.Private));
        Assert.Throws<ArgumentException>(() => MessageQueue.OpenOrCreate(IpcKey.Private));
    }

    [Fact]
    public void Create_WhenKeyExists_SaysSoAndHowToCleanUp()
    {
        using var queue = Queues.New();
        var e = Assert.Throws<IpcObjectExistsException>(() => MessageQueue.Create(queue.Key));
        Assert.Equal(17, e.ErrorNumber);
        Assert.Equal(IpcObjectKind.MessageQueue, e.Kind);
        Assert.Contains($"message queue with key {queue.Key}", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("ipcrm -Q", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_MissingKey_And_StaleId_AreNotFound()
    {
        IpcKey key = TestKeys.Unique();
        var e = Assert.Throws<IpcObjectNotFoundException>(() => MessageQueue.Open(key));
        Assert.Contains($"No message queue exists with key {key}", e.Message, StringComparison.Ordinal);

        var queue = MessageQueue.Create(key);
        int id = queue.Id;
        queue.Remove();
        var stale = Assert.Throws<IpcObjectNotFoundException>(() => MessageQueue.OpenById(id));
        Assert.Contains($"No message queue has id {id}", stale.Message, StringComparison.Ordinal);
        var send = Assert.Throws<IpcObjectNotFoundException>(() => queue.Send(1, Queues.Text("x")));
        Assert.Contains("msgsnd", send.Message, StringComparison.Ordinal);
        var receive = Assert.Throws<IpcObjectNotFoundException>(() => queue.TryReceive(new byte[8], out _, out _));
        Assert.Contains("msgrcv", receive.Message, StringComparison.Ordinal);
        Assert.False(MessageQueue.TryRemove(id));
        Assert.Throws<IpcObjectNotFoundException>(queue.Remove);
    }

    [Fact]
    public void UpToType_TakesTheLowestTypeAtMostTheBound_AsTheKernelDoes()
    {
        using var queue = Queues.New();
        foreach (long type in new long[] { 4, 3, 2, 1 })
        {
            queue.Send(type, Queues.Text("t" + type.ToString(CultureInfo.InvariantCulture)));
        }

        Assert.Equal((1L, "t1"), Queues.Take(queue, MessageSelector.UpToType(2)));
        Assert.Equal((2L, "t2"), Queues.Take(queue, MessageSelector.UpToType(3)));
        Assert.False(queue.TryReceive(new byte[8], out _, out _, MessageSelector.UpToType(2)));
        Assert.Equal((3L, "t3"), Queues.Take(queue, MessageSelector.UpToType(long.MaxValue)));
        Assert.Equal((4L, "t4"), Queues.Take(queue));
    }

    [Fact]
    public void Any_OfType_NotOfType_FollowTheQueueOrder()
    {
        using var queue = Queues.New();
        queue.Send(4, Queues.Text("a4"));
        queue.Send(3, Queues.Text("b3"));
        queue.Send(4, Queues.Text("c4"));
        queue.Send(2, Queues.Text("d2"));

        Assert.Equal((3L, "b3"), Queues.Take(queue, MessageSelector.NotOfType(4)));
        Assert.Equal((2L, "d2"), Queues.Take(queue, MessageSelector.NotOfType(4)));
        Assert.False(queue.TryReceive(new byte[8], out _, out _, MessageSelector.NotOfType(4)));
        Assert.False(queue.TryReceive(new byte[8], out _, out _, MessageSelector.OfType(3)));
        Assert.Equal((4L, "a4"), Queues.Take(queue, MessageSelector.OfType(4)));
        Assert.Equal((4L, "c4"), Queues.Take(queue, MessageSelector.Any));
        Assert.Equal(0, queue.GetInfo().MessageCount);
    }

    [Fact]
    public void Types_AboveInt32_AreNotNarrowed()
    {
        using var queue = Queues.New();
        const long big = (1L << 40) + 7;
        queue.Send(long.MaxValue, Queues.Text("max"));
        queue.Send(big, Queues.Text("big"));
        queue.Send(7, Queues.Text("seven"));

        Assert.Equal((7L, "seven"), Queues.Take(queue, MessageSelector.OfType(7)));
        Assert.Equal((big, "big"), Queues.Take(queue, MessageSelector.UpToType(big)));
        Assert.Equal((long.MaxValue, "max"), Queues.Take(queue, MessageSelector.OfType(long.MaxValue)));
    }

    [Fact]
    public void Receive_ReturnsLengthAndType_EmptyBodiesToo()
    {
        using var queue = Queues.New();
        var body = new byte[3333];
        Random.Shared.NextBytes(body);
        queue.Send(9, body);
        queue.Send(10, ReadOnlySpan<byte>.Empty);

        var buffer = new byte[8192];
        int length = queue.Receive(buffer, out long type);
        Assert.Equal(9, type);
        Assert.Equal(body, buffer[..length]);
        Assert.Equal(0, queue.Receive(buffer, out type, MessageSelector.OfType(10)));
        Assert.Equal(10, type);
    }

    [Fact]
    public void TooSmallBuffer_FailsWithE2BIG_AndTheMessageStaysQueued()
    {
        using var queue = Queues.New();
        queue.Send(6, Queues.Text(new string('x', 100)));

        var e = Assert.Throws<MessageBufferTooSmallException>(() => queue.Receive(new byte[10], out _));
        Assert.Equal(7, e.ErrorNumber);
        Assert.Equal(queue.Id, e.Id);
        Assert.Contains("stays in the queue", e.Message, StringComparison.Ordinal);
        Assert.Contains("AllowTruncation", e.Message, StringComparison.Ordinal);
        Assert.Contains("10 bytes", e.Message, StringComparison.Ordinal);
        Assert.Throws<MessageBufferTooSmallException>(() => queue.TryReceive(new byte[99], out _, out _));

        MessageQueueInfo info = queue.GetInfo();
        Assert.Equal(1, info.MessageCount);
        Assert.Equal(100, info.BytesUsed);
        Assert.Equal((6L, new string('x', 100)), Queues.Take(queue));
    }

    [Fact]
    public void AllowTruncation_TakesThePrefix_AndDiscardsTheRest()
    {
        using var queue = Queues.New();
        queue.Send(6, Queues.Text("0123456789abcdef"));
        queue.Send(6, Queues.Text("second"));

        var buffer = new byte[10];
        int length = queue.Receive(buffer, out long type, MessageSelector.Any, MessageReceiveOptions.AllowTruncation);
        Assert.Equal(10, length);
        Assert.Equal(6, type);
        Assert.Equal("0123456789", Queues.Text(buffer));
        Assert.Equal(1, queue.GetInfo().MessageCount);
        Assert.Equal((6L, "second"), Queues.Take(queue));
    }

    [Fact]
    public void TryPeek_CopiesByPosition_WithoutTakingAnything()
    {
        using var queue = Queues.New();
        queue.Send(30, Queues.Text("first"));
        queue.Send(10, Queues.Text("second"));
        queue.Send(20, Queues.Text("third, long"));

        var buffer = new byte[64];
        Assert.True(queue.TryPeek(1, buffer, out long type, out int length));
        Assert.Equal((10L, "second"), (type, Queues.Text(buffer.AsSpan(0, length))));
        Assert.True(queue.TryPeek(0, buffer, out type, out length));
        Assert.Equal((30L, "first"), (type, Queues.Text(buffer.AsSpan(0, length))));
        Assert.False(queue.TryPeek(3, buffer, out type, out length));
        Assert.Equal((0L, 0), (type, length));
        Assert.Throws<MessageBufferTooSmallException>(() => queue.TryPeek(2, new byte[5], out _, out _));
        Assert.True(queue.TryPeek(2, buffer.AsSpan(0, 5), out type, out length, MessageReceiveOptions.AllowTruncation));
        Assert.Equal((20L, "third"), (type, Queues.Text(buffer.AsSpan(0, length))));
        Assert.Equal(3, queue.GetInfo().MessageCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.TryPeek(-1, buffer, out _, out _));
    }

    [Fact]
    public void FullQueue_TrySendReturnsFalse_ByBytesAndByCount()
    {
        using var queue = Queues.New();
        queue.SetMaxBytes(100);
        Assert.Equal(100, queue.GetInfo().MaxBytes);
        Assert.True(queue.TrySend(1, new byte[60]));
        Assert.False(queue.TrySend(1, new byte[60]));
        Assert.True(queue.TrySend(1, new byte[40]));
        Assert.False(queue.TrySend(1, new byte[1])); // 100 bytes: full
        Assert.True(queue.TrySend(1, ReadOnlySpan<byte>.Empty)); // an empty message still fits (3 messages <= 100)
        for (int i = 0; i < 3; i++)
        {
            queue.Receive(new byte[100], out _);
        }

        // The kernel also counts messages against msg_qbytes: three empty messages fill a 3-byte queue.
        queue.SetMaxBytes(3);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(queue.TrySend(1, ReadOnlySpan<byte>.Empty));
        }

        Assert.False(queue.TrySend(1, ReadOnlySpan<byte>.Empty));
        Assert.Equal(3, queue.GetInfo().MessageCount);
    }

    [Fact]
    public async Task TrySend_WithTimeout_WaitsForRoom_AndGivesUp()
    {
        using var queue = Queues.New();
        queue.SetMaxBytes(10);
        queue.Send(1, new byte[10]);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(queue.TrySend(2, new byte[5], TimeSpan.FromMilliseconds(100)));
        Assert.InRange(watch.ElapsedMilliseconds, 95, 5000);

        Task<int> reader = Task.Run(() => { Thread.Sleep(100); return queue.Receive(new byte[10], out _); });
        Assert.True(queue.TrySend(2, Queues.Text("room"), TimeSpan.FromSeconds(10)));
        Assert.Equal(10, await reader);
        Assert.Equal((2L, "room"), Queues.Take(queue));

        using var cts = new CancellationTokenSource(50);
        queue.Send(1, new byte[10]);
        Assert.ThrowsAny<OperationCanceledException>(() => queue.TrySend(2, new byte[1], Timeout.InfiniteTimeSpan, cts.Token));
        Assert.Equal(1, queue.GetInfo().MessageCount);
    }

    [Fact]
    public async Task TryReceive_WithTimeout_WaitsForAMessage_AndGivesUp()
    {
        using var queue = Queues.New();
        var buffer = new byte[16];
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(queue.TryReceive(buffer, out long type, out int length, MessageSelector.Any, MessageReceiveOptions.None, TimeSpan.FromMilliseconds(100)));
        Assert.InRange(watch.ElapsedMilliseconds, 95, 5000);
        Assert.Equal((0L, 0), (type, length));

        Task writer = Task.Run(() => { Thread.Sleep(50); queue.Send(3, Queues.Text("late")); });
        Assert.True(queue.TryReceive(buffer, out type, out length, MessageSelector.OfType(3), MessageReceiveOptions.None, TimeSpan.FromSeconds(10)));
        Assert.Equal((3L, "late"), (type, Queues.Text(buffer.AsSpan(0, length))));
        await writer;
    }

    [Fact]
    public void BodyAboveMsgmax_FailsBeforeTheSystemCall_NamingTheLimit()
    {
        using var queue = Queues.New();
        int msgmax = int.Parse(File.ReadAllText("/proc/sys/kernel/msgmax").Trim(), CultureInfo.InvariantCulture);
        Assert.Equal(msgmax, queue.MaxMessageSize);

        queue.Send(1, new byte[msgmax]);
        var e = Assert.Throws<IpcLimitExceededException>(() => queue.Send(1, new byte[msgmax + 1]));
        Assert.Equal(0, e.ErrorNumber); // detected before msgsnd
        Assert.Contains("MSGMAX", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{msgmax} bytes per message", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{msgmax + 1} bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("/proc/sys/kernel/msgmax", e.Message, StringComparison.Ordinal);
        Assert.Throws<IpcLimitExceededException>(() => queue.TrySend(1, new byte[msgmax + 1]));

        // Before the call: on a removed queue the size error still comes first.
        queue.Remove();
        Assert.Throws<IpcLimitExceededException>(() => queue.Send(1, new byte[msgmax + 1]));
    }

    [Fact]
    public async Task ChangedMsgmax_IsHonoured_WhenThisProcessMayChangeIt()
    {
        // Only inside the private IPC namespace eng/test.sh makes: msgmax is per namespace, and changing the
        // host's would disturb other programs.
        if (Environment.GetEnvironmentVariable("SYSV_IPC_IN_NAMESPACE") != "1")
        {
            return;
        }

        const string path = "/proc/sys/kernel/msgmax";
        string original = File.ReadAllText(path).Trim();
        using var queue = Queues.New();
        try
        {
            _ = queue.MaxMessageSize; // cache the original
            File.WriteAllText(path, "100");
            var lowered = Assert.Throws<IpcLimitExceededException>(() => queue.Send(1, new byte[101]));
            Assert.Contains("MSGMAX is 100 bytes", lowered.Message, StringComparison.Ordinal);

            File.WriteAllText(path, "20000");
            queue.SetMaxBytes(16384);
            queue.Send(1, new byte[12000]);
            Assert.Equal(20000, queue.MaxMessageSize);
            Assert.Equal(12000, queue.Receive(new byte[20000], out _));

            // A message longer than MSGMAX is now (lowered after it was sent) still reaches ReceiveAsync.
            queue.Send(2, new byte[12000]);
            File.WriteAllText(path, "100");
            _ = queue.MaxMessageSize;
            ValueTask<ReceivedMessage> receive = queue.ReceiveAsync();
            Assert.True(receive.IsCompletedSuccessfully);
            Assert.Equal(12000, (await receive).Body.Length);
        }
        finally
        {
            File.WriteAllText(path, original);
            _ = queue.MaxMessageSize;
        }
    }

    [Fact]
    public void TooManyQueues_IsALimitError_NamingMsgmni()
    {
        // Only inside the private IPC namespace eng/test.sh makes (msgmni is per namespace).
        if (Environment.GetEnvironmentVariable("SYSV_IPC_IN_NAMESPACE") != "1")
        {
            return;
        }

        const string path = "/proc/sys/kernel/msgmni";
        string original = File.ReadAllText(path).Trim();
        using var first = Queues.New();
        try
        {
            File.WriteAllText(path, IpcSystem.ListMessageQueues().Count.ToString(CultureInfo.InvariantCulture));
            var e = Assert.Throws<IpcLimitExceededException>(() => MessageQueue.Create(TestKeys.Unique()));
            Assert.Equal(28, e.ErrorNumber);
            Assert.Contains("/proc/sys/kernel/msgmni", e.Message, StringComparison.Ordinal);
            Assert.Contains("msgget", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.WriteAllText(path, original);
        }
    }

    [Fact]
    public void CallerMistakes_AreArgumentErrors_BeforeAnySystemCall()
    {
        var queue = Queues.New();
        queue.Remove(); // any system call would now fail with "not found"
        queue.RemoveOnDispose = false;

        var zero = Assert.Throws<ArgumentOutOfRangeException>(() => queue.Send(0, Queues.Text("x")));
        Assert.Equal("type", zero.ParamName);
        Assert.Contains("positive", zero.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.Send(-5, Queues.Text("x")));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.TrySend(long.MinValue, Queues.Text("x")));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.SendAsync(0, Queues.Text("x")));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.TrySend(1, Queues.Text("x"), TimeSpan.FromMilliseconds(-2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageSelector.OfType(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageSelector.NotOfType(-1));
        var upTo = Assert.Throws<ArgumentOutOfRangeException>(() => MessageSelector.UpToType(0));
        Assert.Contains("MessageSelector.Any", upTo.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.Receive(new byte[8], out _, default, (MessageReceiveOptions)2));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.SetMaxBytes(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.SetPermissions(UnixFileMode.SetUser | UnixFileMode.UserRead));
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageQueue.Create(TestKeys.Unique(), new() { Permissions = UnixFileMode.StickyBit }));
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageQueue.OpenById(-1));

        queue.Dispose();
        Assert.Throws<ObjectDisposedException>(() => queue.Send(1, Queues.Text("x")));
        Assert.Throws<ObjectDisposedException>(() => queue.Receive(new byte[8], out _));
        Assert.Throws<ObjectDisposedException>(() => queue.GetInfo());
    }

    [Fact]
    public void SetMaxBytes_AboveMsgmnb_IsAClearPermissionError()
    {
        using var queue = Queues.New();
        long msgmnb = long.Parse(File.ReadAllText("/proc/sys/kernel/msgmnb").Trim(), CultureInfo.InvariantCulture);
        queue.SetMaxBytes(msgmnb / 2);
        Assert.Equal(msgmnb / 2, queue.GetInfo().MaxBytes);

        // Root in this container lacks CAP_SYS_RESOURCE in the initial namespace: EPERM even for root.
        try
        {
            queue.SetMaxBytes(msgmnb + 1);
            Assert.Equal(msgmnb + 1, queue.GetInfo().MaxBytes); // a truly privileged process may
        }
        catch (IpcPermissionDeniedException e)
        {
            Assert.Equal(1, e.ErrorNumber);
            Assert.Contains("MSGMNB", e.Message, StringComparison.Ordinal);
            Assert.Contains(msgmnb.ToString(CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
            Assert.Contains("/proc/sys/kernel/msgmnb", e.Message, StringComparison.Ordinal);
            Assert.Contains("CAP_SYS_RESOURCE", e.Message, StringComparison.Ordinal);
            Assert.Equal(msgmnb / 2, queue.GetInfo().MaxBytes);
        }
    }

    [Fact]
    public void GetInfo_ReportsCountsPidsTimesAndPermissions()
    {
        using var queue = Queues.New();
        MessageQueueInfo fresh = queue.GetInfo();
        Assert.Equal(0, fresh.MessageCount);
        Assert.Null(fresh.LastSendTime);
        Assert.Null(fresh.LastReceiveTime);
        Assert.Equal(0, fresh.LastSendProcessId);
        Assert.NotNull(fresh.LastChangeTime);

        queue.Send(1, new byte[11]);
        queue.Send(2, new byte[100]);
        queue.Receive(new byte[100], out _, MessageSelector.OfType(1));
        MessageQueueInfo info = queue.GetInfo();
        Assert.Equal(1, info.MessageCount);
        Assert.Equal(100, info.BytesUsed);
        Assert.Equal(Environment.ProcessId, info.LastSendProcessId);
        Assert.Equal(Environment.ProcessId, info.LastReceiveProcessId);
        Assert.NotNull(info.LastSendTime);
        Assert.InRange(info.LastReceiveTime!.Value, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(queue.Key, info.Key);
        Assert.Equal(IpcObjectKind.MessageQueue, info.Kind);

        queue.SetPermissions(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead, queue.GetInfo().Permissions);
        queue.SetOwner(12345, 54321);
        Assert.Equal((12345u, 54321u), (queue.GetInfo().OwnerUserId, queue.GetInfo().OwnerGroupId));
        Assert.Equal(info.CreatorUserId, queue.GetInfo().CreatorUserId);
    }

    [Fact]
    public void Selector_DescribesItself()
    {
        Assert.Equal("any type", MessageSelector.Any.ToString());
        Assert.Equal("type 5", MessageSelector.OfType(5).ToString());
        Assert.Equal("any type but 5", MessageSelector.NotOfType(5).ToString());
        Assert.Equal("the lowest type up to 5", MessageSelector.UpToType(5).ToString());
        Assert.Equal(MessageSelectorKind.UpToType, MessageSelector.UpToType(5).Kind);
        Assert.Equal(5, MessageSelector.UpToType(5).Type);
        Assert.Equal(MessageSelector.Any, default);
        Assert.NotEqual(MessageSelector.OfType(5), MessageSelector.NotOfType(5));
    }

    [Fact]
    public void RemoveOnDispose_RemovesOnlyWhenAsked()
    {
        var kept = MessageQueue.Create(TestKeys.Unique());
        kept.Dispose();
        Assert.True(MessageQueue.TryRemove(kept.Id));

        var removed = MessageQueue.Create(TestKeys.Unique());
        removed.RemoveOnDispose = true;
        removed.Dispose();
        Assert.DoesNotContain(IpcSystem.ListMessageQueues(), q => q.Id == removed.Id);
        Assert.False(MessageQueue.TryRemove(-1));
    }
}
