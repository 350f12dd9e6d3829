using System.Globalization;
using System.Text.Json;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Cli;

/// <summary>show decoding the library's objects, peek, dump, chmod, chown and top, each run as the built tool against real objects.</summary>
public sealed class InspectTests : IpcLeakGuard
{
#pragma warning disable CS0649 // only its layout matters
    private struct Gauge
    {
        public long Reading;
        public int Unit;
    }
#pragma warning restore CS0649

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void Show_DecodesAChannel_AndAnArea()
    {
        using var channel = SharedMemoryChannel.Create(TestKeys.Unique(), 4096, new SharedMemoryChannelOptions { RemoveOnDispose = true });
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using SharedMemoryChannelReader reader = channel.OpenReader();
        writer.Write("first"u8);
        writer.Write("second"u8);
        using SharedStruct<Gauge> area = SharedStruct<Gauge>.Create(TestKeys.Unique(), options: new SharedStructOptions { RemoveOnDispose = true });
        string pid = Text(Environment.ProcessId);

        CliRunner.Result shown = CliRunner.RunProcess(null, "show", "-m", Text(channel.Id));
        Assert.Equal((0, ""), (shown.ExitCode, shown.Error));
        Assert.StartsWith($"\nShared memory Segment shmid={channel.Id}\n", shown.Output, StringComparison.Ordinal);
        Assert.Contains("SharedMemoryChannel (SingleProducer)\ncapacity=4096\tmax_message=2040\tmax_writers=1\tcompleted=no\n", shown.Output, StringComparison.Ordinal);
        Assert.Contains($"creator_pid={pid} (running)", shown.Output, StringComparison.Ordinal);
        Assert.Contains("waiting=2 messages, 32 bytes\twrite_position=32\tread_position=0\treleased=0\n", shown.Output, StringComparison.Ordinal);
        Assert.Contains("reader_sleeping=no\tsleeping_writers=0\n", shown.Output, StringComparison.Ordinal);
        Assert.Matches($@"\n0 +reader +{pid} +yes +0 +32 +no ", shown.Output);
        Assert.Matches($@"\n1 +writer +{pid} +yes +32 +32 +no ", shown.Output);

        using JsonDocument json = JsonDocument.Parse(CliRunner.RunProcess(null, "show", "-m", Text(channel.Id), "--json").Output);
        JsonElement c = json.RootElement.GetProperty("channel");
        Assert.Equal(2, c.GetProperty("messages_waiting").GetInt32());
        Assert.Equal("single_producer", c.GetProperty("mode").GetString());
        Assert.Equal([Environment.ProcessId, Environment.ProcessId], c.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("pid").GetInt32()));

        CliRunner.Result areaShown = CliRunner.RunProcess(null, "show", "-m", Text(area.Id));
        Assert.Contains("SharedStruct area (format 1)\n", areaShown.Output, StringComparison.Ordinal);
        Assert.Contains("layout=struct(16){Reading:i64@0,Unit:i32@8}\n", areaShown.Output, StringComparison.Ordinal);
        Assert.Contains("\tsize=16\tstate=ready\n", areaShown.Output, StringComparison.Ordinal);
        Assert.Contains($"creator_pid={pid} (running)", areaShown.Output, StringComparison.Ordinal);

        // After the message is read (and the reader found the ring empty), show says so.
        byte[] buffer = new byte[100];
        Assert.True(reader.TryRead(buffer, out _));
        Assert.True(reader.TryRead(buffer, out _));
        Assert.False(reader.TryRead(buffer, out _));
        Assert.Contains("waiting=0 messages, 0 bytes", CliRunner.RunProcess(null, "show", "-m", Text(channel.Id)).Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Peek_ShowsEveryMessage_AsHexAndText_AndLeavesThemInTheQueue()
    {
        using var queue = MessageQueue.Create(TestKeys.Unique());
        queue.RemoveOnDispose = true;
        queue.Send(3, "hello\nworld"u8);
        queue.Send(9, [.. Enumerable.Range(0, 20).Select(i => (byte)i)]);

        CliRunner.Result peeked = CliRunner.RunProcess(null, "peek", "-q", Text(queue.Id));
        Assert.Equal((0, ""), (peeked.ExitCode, peeked.Error));
        Assert.Equal(
            $"Message queue msqid={queue.Id} key={queue.Key}: 2 messages, 31 bytes; showing 2 (not consumed)\n"
            + "\nmessage 0: type=3 length=11\n"
            + "00000000  68 65 6c 6c 6f 0a 77 6f  72 6c 64                 |hello.world|\n0000000b\n"
            + "text: hello\\x0aworld\n"
            + "\nmessage 1: type=9 length=20\n"
            + "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|\n"
            + "00000010  10 11 12 13                                       |....|\n00000014\n"
            + "text: \\x00\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08\\x09\\x0a\\x0b\\x0c\\x0d\\x0e\\x0f\\x10\\x11\\x12\\x13\n",
            peeked.Output);
        Assert.Equal(2, IpcSystem.ListMessageQueues().Single(q => q.Id == queue.Id).MessageCount);

        CliRunner.Result one = CliRunner.RunProcess(null, "peek", "-q", Text(queue.Id), "--count", "1", "--json");
        using JsonDocument json = JsonDocument.Parse(one.Output);
        JsonElement message = Assert.Single(json.RootElement.GetProperty("peeked").EnumerateArray());
        Assert.Equal("hello\nworld", message.GetProperty("text").GetString());
        Assert.Equal(3, message.GetProperty("type").GetInt64());
    }

    [Fact]
    public void Dump_IsHexdumpC_OfTheSegmentsBytes_ReadOnly()
    {
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 200, options: new() { RemoveOnDispose = true });
        byte[] bytes = [.. Enumerable.Range(0, 200).Select(i => (byte)(i * 7 + 1))];
        using (SharedMemoryAttachment attachment = segment.Attach())
        {
            bytes.CopyTo(attachment.Span);
        }

        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, bytes);
            CliRunner.Result dumped = CliRunner.RunProcess(null, "dump", "-m", Text(segment.Id));
            Assert.Equal((0, ""), (dumped.ExitCode, dumped.Error));
            Assert.Equal(Shell.Check("hexdump", "-C", file), dumped.Output);

            CliRunner.Result part = CliRunner.RunProcess(null, "dump", "-m", Text(segment.Id), "--offset", "16", "--length", "20");
            Assert.Equal(Shell.Check("hexdump", "-C", "-s", "16", "-n", "20", file), part.Output);

            // Repeated lines fold into '*' as hexdump -C folds them: a segment of zeros but for a few bytes.
            using var sparse = SharedMemorySegment.Create(TestKeys.Unique(), 5000, options: new() { RemoveOnDispose = true });
            byte[] zeros = new byte[5000];
            zeros[100] = 0x41;
            zeros[4999] = 0x5a;
            using (SharedMemoryAttachment attachment = sparse.Attach())
            {
                zeros.CopyTo(attachment.Span);
            }

            File.WriteAllBytes(file, zeros);
            Assert.Equal(Shell.Check("hexdump", "-C", file), CliRunner.RunProcess(null, "dump", "-m", Text(sparse.Id)).Output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    [Trait("Category", CrossUser.Trait)]
    public void ChmodAndChown_ChangeEveryKind_WithIpcsStyleMessages()
    {
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 100, options: new() { RemoveOnDispose = true });
        using var queue = MessageQueue.Create(TestKeys.Unique());
        queue.RemoveOnDispose = true;
        using var set = SemaphoreSet.Create(TestKeys.Unique(), 1, [0], options: new() { RemoveOnDispose = true });

        foreach ((string flag, int id) in new[] { ("-m", segment.Id), ("-q", queue.Id), ("-s", set.Id) })
        {
            CliRunner.Result chmod = CliRunner.RunProcess(null, "chmod", flag, Text(id), "0640", "-v");
            Assert.Equal((0, ""), (chmod.ExitCode, chmod.Error));
            Assert.EndsWith($" id `{id}' changed from 0600 to 0640\n", chmod.Output, StringComparison.Ordinal);

            CliRunner.Result chown = CliRunner.RunProcess(null, "chown", flag, Text(id), "nobody:65534");
            Assert.Equal((0, "", ""), (chown.ExitCode, chown.Output, chown.Error));
        }

        Assert.Equal(["640", "nobody"], new[] { IpcsText.Rows(Shell.Check("ipcs", "-m"), "------ Shared")[segment.Id][3], IpcsText.Rows(Shell.Check("ipcs", "-m"), "------ Shared")[segment.Id][2] });
        Assert.Equal("640", IpcsText.Rows(Shell.Check("ipcs", "-q"), "------ Message")[queue.Id][3]);
        Assert.Equal("nobody", IpcsText.Rows(Shell.Check("ipcs", "-s"), "------ Semaphore")[set.Id][2]);
        Assert.Equal(65534u, IpcSystem.ListSemaphoreSets().Single(s => s.Id == set.Id).OwnerGroupId);

        // Now nobody owns them: root still may, an unrelated id is ipcrm's "invalid id".
        CliRunner.Result missing = CliRunner.RunProcess(null, "chmod", "-m", "99999999", "600");
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith("sysvipc: invalid id (99999999): no shared memory segment has this id", missing.Error, StringComparison.Ordinal);

        using var roots = MessageQueue.Create(TestKeys.Unique());
        roots.RemoveOnDispose = true;
        CliRunner.Result denied = CliRunner.RunAsNobody("chmod", "-q", Text(roots.Id), "666");
        Assert.Equal(1, denied.ExitCode);
        Assert.StartsWith($"sysvipc: permission denied for id ({roots.Id}): message queue {roots.Id}: it belongs to root (uid 0)", denied.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void TopOnceJson_IsOneDocument_WithEachObjectsDepth()
    {
        using var queue = MessageQueue.Create(TestKeys.Unique());
        queue.RemoveOnDispose = true;
        queue.Send(1, new byte[10]);
        queue.Send(1, new byte[20]);
        using var channel = SharedMemoryChannel.Create(TestKeys.Unique(), 4096, new SharedMemoryChannelOptions { RemoveOnDispose = true });
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        writer.Write(new byte[100]);
        using var set = SemaphoreSet.Create(TestKeys.Unique(), 2, [0, 0], options: new() { RemoveOnDispose = true });

        CliRunner.Result top = CliRunner.RunProcess(null, "top", "--once", "--json", "--interval", "0.2");
        Assert.Equal((0, ""), (top.ExitCode, top.Error));
        string line = Assert.Single(top.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using JsonDocument json = JsonDocument.Parse(line);
        Assert.True(json.RootElement.GetProperty("interval_seconds").GetDouble() >= 0.2);
        JsonElement[] objects = [.. json.RootElement.GetProperty("objects").EnumerateArray()];
        JsonElement q = objects.Single(o => o.GetProperty("kind").GetString() == "queue" && o.GetProperty("id").GetInt32() == queue.Id);
        Assert.Equal((2, 30), (q.GetProperty("depth").GetInt32(), q.GetProperty("bytes").GetInt32()));
        Assert.Equal(0, q.GetProperty("depth_change_messages_per_second").GetDouble());
        JsonElement c = objects.Single(o => o.GetProperty("kind").GetString() == "channel" && o.GetProperty("id").GetInt32() == channel.Id);
        Assert.Equal((1, 112), (c.GetProperty("depth").GetInt32(), c.GetProperty("bytes").GetInt32())); // a 100-byte message takes 8 + 100 bytes, 8-aligned
        Assert.Equal(4096, c.GetProperty("capacity").GetInt32());
        Assert.Equal(1, c.GetProperty("participants_alive").GetInt32());
        Assert.Equal(0, c.GetProperty("written_bytes_per_second").GetDouble());
        JsonElement s = objects.Single(o => o.GetProperty("kind").GetString() == "semset" && o.GetProperty("id").GetInt32() == set.Id);
        Assert.Equal(2, s.GetProperty("nsems").GetInt32());

        // Not a terminal: plain text, one block per sample.
        CliRunner.Result plain = CliRunner.RunProcess(null, "top", "-n", "2", "--interval", "0.1", "--sort", "depth");
        Assert.Equal(0, plain.ExitCode);
        Assert.Equal(2, plain.Output.Split("sysvipc top - ").Length - 1);
        Assert.DoesNotContain("\u001b[", plain.Output, StringComparison.Ordinal);
    }
}
