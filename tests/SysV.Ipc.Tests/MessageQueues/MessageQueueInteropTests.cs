using System.Globalization;
using System.Text.RegularExpressions;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.MessageQueues;

/// <summary>This library against real peers: a gcc-built C program, and util-linux's ipcs.</summary>
public sealed partial class MessageQueueInteropTests : IpcLeakGuard
{
    [Fact]
    public void MessagesFromAC_Program_ArriveWithTheirTypes()
    {
        using var queue = Queues.New();
        NativeProgram.Run("msgq_peer", "send", queue.Id.ToString(CultureInfo.InvariantCulture));

        // The C program sent types 3, 1, 2^40+1, 2, 7 in that order.
        Assert.Equal((1L, "from C #1 type 1"), Queues.Take(queue, MessageSelector.UpToType(2)));
        Assert.Equal((0x10000000001L, "from C #2 type 1099511627777"), Queues.Take(queue, MessageSelector.OfType(0x10000000001L)));
        Assert.Equal((3L, "from C #0 type 3"), Queues.Take(queue, MessageSelector.NotOfType(2)));
        Assert.Equal((2L, "from C #3 type 2"), Queues.Take(queue));
        Assert.Equal((7L, "from C #4 type 7"), Queues.Take(queue));
        Assert.Equal(0, queue.GetInfo().MessageCount);
    }

    [Fact]
    public void MessagesToAC_Program_ArriveWithTheirTypes()
    {
        using var queue = Queues.New();
        queue.Send(5, Queues.Text("to C, five"));
        queue.Send(long.MaxValue, Queues.Text("max"));
        queue.Send(1L << 33, ReadOnlySpan<byte>.Empty);

        string output = NativeProgram.Run("msgq_peer", "recv", queue.Id.ToString(CultureInfo.InvariantCulture), "3");
        Assert.Equal(
            [
                "type=5 len=10 body=to C, five",
                $"type={long.MaxValue} len=3 body=max",
                "type=8589934592 len=0 body=",
            ],
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(0, queue.GetInfo().MessageCount);
    }

    [Fact]
    public void Ipcs_ShowsTheSameFields_AsGetInfo()
    {
        using var queue = Queues.New();
        queue.SetPermissions(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        queue.SetMaxBytes(12345);
        queue.Send(1, new byte[100]);
        queue.Send(2, new byte[11]);
        queue.Receive(new byte[100], out _, MessageSelector.OfType(2));
        queue.Send(3, new byte[11]);

        MessageQueueInfo info = queue.GetInfo();
        string output = Shell.Check("ipcs", "-q", "-i", queue.Id.ToString(CultureInfo.InvariantCulture));
        Dictionary<string, string> fields = Fields(output);

        Assert.Contains($"msqid={queue.Id}", output, StringComparison.Ordinal);
        Assert.Equal(info.OwnerUserId.ToString(CultureInfo.InvariantCulture), fields["uid"]);
        Assert.Equal(info.OwnerGroupId.ToString(CultureInfo.InvariantCulture), fields["gid"]);
        Assert.Equal(info.CreatorUserId.ToString(CultureInfo.InvariantCulture), fields["cuid"]);
        Assert.Equal(info.CreatorGroupId.ToString(CultureInfo.InvariantCulture), fields["cgid"]);
        Assert.Equal((int)info.Permissions, Convert.ToInt32(fields["mode"], 8));
        Assert.Equal(0b110_100_100, Convert.ToInt32(fields["mode"], 8));
        Assert.Equal(info.BytesUsed.ToString(CultureInfo.InvariantCulture), fields["cbytes"]);
        Assert.Equal("111", fields["cbytes"]);
        Assert.Equal(info.MaxBytes?.ToString(CultureInfo.InvariantCulture), fields["qbytes"]);
        Assert.Equal(info.MessageCount.ToString(CultureInfo.InvariantCulture), fields["qnum"]);
        Assert.Equal("2", fields["qnum"]);
        Assert.Equal(info.LastSendProcessId.ToString(CultureInfo.InvariantCulture), fields["lspid"]);
        Assert.Equal(info.LastReceiveProcessId.ToString(CultureInfo.InvariantCulture), fields["lrpid"]);
        Assert.Equal(info.LastSendTime, CTime(fields["send_time"]));
        Assert.Equal(info.LastReceiveTime, CTime(fields["rcv_time"]));
        Assert.Equal(info.LastChangeTime, CTime(fields["change_time"]));

        // And the list view of the same queue.
        string list = Shell.Check("ipcs", "-q");
        Assert.Matches($@"(?m)^{queue.Key}\s+{queue.Id}\s+\S+\s+644\s+111\s+2\s*$", list);
    }

    /// <summary>"uid=0\tgid=0 ... mode=0644" and "send_time=Fri Nov 27 04:13:56 2026" lines, as name/value pairs.</summary>
    private static Dictionary<string, string> Fields(string output)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in output.Split('\n'))
        {
            if (line.Contains("_time=", StringComparison.Ordinal))
            {
                int eq = line.IndexOf('=', StringComparison.Ordinal);
                fields[line[..eq]] = line[(eq + 1)..].Trim();
                continue;
            }

            foreach (Match m in FieldPattern().Matches(line))
            {
                fields[m.Groups[1].Value] = m.Groups[2].Value;
            }
        }

        return fields;
    }

    /// <summary>ctime(3) text in local time, or "Not set".</summary>
    private static DateTimeOffset? CTime(string text)
    {
        if (text == "Not set")
        {
            return null;
        }

        string collapsed = Regex.Replace(text, @"\s+", " ");
        var local = DateTime.ParseExact(collapsed, "ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal);
        return new DateTimeOffset(local.ToUniversalTime(), TimeSpan.Zero);
    }

    [GeneratedRegex(@"(\w+)=(\S+)")]
    private static partial Regex FieldPattern();
}
