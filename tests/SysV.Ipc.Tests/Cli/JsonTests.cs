using System.Globalization;
using System.Text.Json;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Cli;

/// <summary>'sysvipc ls --json' and 'show --json': valid JSON whose values are IpcSystem's, with real types.</summary>
public sealed class JsonTests : IpcLeakGuard
{
    [Fact]
    public void Listing_MatchesIpcSystem_WithNumbersBooleansAndNulls()
    {
        using var objects = new TestObjects();
        CliRunner.Result result = CliRunner.Run("ls", "--json");
        Assert.Equal(0, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.Equal(["message_queues", "shared_memory", "semaphore_sets"], root.EnumerateObject().Select(p => p.Name));

        Dictionary<int, JsonElement> segments = root.GetProperty("shared_memory").EnumerateArray().ToDictionary(e => e.GetProperty("id").GetInt32());
        foreach (SharedMemoryInfo info in IpcSystem.ListSharedMemory().Where(s => objects.SegmentIds.Contains(s.Id)))
        {
            JsonElement s = segments[info.Id];
            Assert.Equal(info.Key.Value, s.GetProperty("key").GetInt32());
            Assert.Equal(info.Key.ToString(), s.GetProperty("key_hex").GetString());
            Assert.Equal(info.Size, s.GetProperty("size").GetInt64());
            Assert.Equal(info.AttachCount, s.GetProperty("attach_count").GetInt64());
            Assert.Equal(info.CreatorProcessId, s.GetProperty("creator_pid").GetInt32());
            Assert.Equal(info.LastProcessId, s.GetProperty("last_pid").GetInt32());
            Assert.Equal(info.Mode, s.GetProperty("mode").GetInt32());
            Assert.Equal("0" + Convert.ToString(info.Mode & 0x1FF, 8), s.GetProperty("perms").GetString());
            Assert.Equal(info.OwnerUserId, s.GetProperty("owner_uid").GetUInt32());
            Assert.Equal(info.IsMarkedForRemoval, s.GetProperty("marked_for_removal").GetBoolean());
            Assert.Equal(info.LastChangeTime, DateTimeOffset.Parse(s.GetProperty("change_time").GetString()!, CultureInfo.InvariantCulture));
            AssertTime(info.LastAttachTime, s.GetProperty("attach_time"));
            AssertTime(info.LastDetachTime, s.GetProperty("detach_time"));
        }

        // The ipcmk segment: never attached (null times), creator gone (no command), so an orphan.
        JsonElement ipcmk = segments[objects.IpcmkSegment];
        Assert.Equal(JsonValueKind.Null, ipcmk.GetProperty("attach_time").ValueKind);
        Assert.Equal(JsonValueKind.Null, ipcmk.GetProperty("creator_command").ValueKind);
        Assert.False(ipcmk.GetProperty("creator_running").GetBoolean());
        Assert.True(ipcmk.GetProperty("orphan").GetBoolean());

        // The library's segment: created and attached by this process, whose command line is shown.
        JsonElement ours = segments[objects.LibrarySegment.Id];
        Assert.Equal(Environment.ProcessId, ours.GetProperty("creator_pid").GetInt32());
        Assert.Equal(IpcSystem.GetProcessCommandLine(Environment.ProcessId), ours.GetProperty("creator_command").GetString());
        Assert.False(ours.GetProperty("orphan").GetBoolean());
        Assert.True(segments[objects.RemovedSegmentId].GetProperty("marked_for_removal").GetBoolean());

        MessageQueueInfo queue = IpcSystem.ListMessageQueues().Single(q => q.Id == objects.IpcmkQueue);
        JsonElement q = root.GetProperty("message_queues").EnumerateArray().Single(e => e.GetProperty("id").GetInt32() == queue.Id);
        Assert.Equal(queue.MaxBytes, q.GetProperty("max_bytes").GetInt64());
        Assert.Equal(0, q.GetProperty("messages").GetInt64());
        Assert.Equal(JsonValueKind.Null, q.GetProperty("send_time").ValueKind);

        SemaphoreSetInfo set = IpcSystem.ListSemaphoreSets().Single(s => s.Id == objects.IpcmkSemaphores);
        JsonElement sem = root.GetProperty("semaphore_sets").EnumerateArray().Single(e => e.GetProperty("id").GetInt32() == set.Id);
        Assert.Equal(3, sem.GetProperty("nsems").GetInt32());
        Assert.Equal(JsonValueKind.Null, sem.GetProperty("operation_time").ValueKind);
    }

    [Fact]
    public void OneKind_AndKeyFilter_LimitTheArrays()
    {
        using var objects = new TestObjects();
        CliRunner.Result result = CliRunner.Run("ls", "-m", "--json", "--key", objects.LibrarySegment.Key.ToString());
        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.Equal(["shared_memory"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal([objects.LibrarySegment.Id], json.RootElement.GetProperty("shared_memory").EnumerateArray().Select(e => e.GetProperty("id").GetInt32()));
    }

    [Fact]
    public void LimitsAndUsage_AreNumbers_FromIpcSystem()
    {
        using JsonDocument limits = JsonDocument.Parse(CliRunner.Run("ls", "-l", "--json").Output);
        IpcLimits expected = IpcSystem.GetLimits();
        JsonElement l = limits.RootElement.GetProperty("limits");
        Assert.Equal(expected.MaxSegmentSize, l.GetProperty("shmmax").GetUInt64());
        Assert.Equal(expected.MaxMessageSize, l.GetProperty("msgmax").GetInt32());
        Assert.Equal(expected.MaxSemaphoreValue, l.GetProperty("semvmx").GetInt32());

        using var objects = new TestObjects();
        using JsonDocument usage = JsonDocument.Parse(CliRunner.Run("ls", "-u", "--json").Output);
        Assert.Equal(IpcSystem.GetUsage().SegmentCount, usage.RootElement.GetProperty("usage").GetProperty("segments").GetInt32());
    }

    [Fact]
    public void Show_Json_IsOneObject()
    {
        using var objects = new TestObjects();
        CliRunner.Result result = CliRunner.Run("show", "-m", objects.LibrarySegment.Id.ToString(CultureInfo.InvariantCulture), "--json");
        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.Equal(objects.LibrarySegment.Id, json.RootElement.GetProperty("id").GetInt32());
        Assert.Equal(3333, json.RootElement.GetProperty("size").GetInt64());
    }

    private static void AssertTime(DateTimeOffset? expected, JsonElement actual)
    {
        if (expected is null)
        {
            Assert.Equal(JsonValueKind.Null, actual.ValueKind);
        }
        else
        {
            Assert.EndsWith("Z", actual.GetString(), StringComparison.Ordinal);
            Assert.Equal(expected, DateTimeOffset.Parse(actual.GetString()!, CultureInfo.InvariantCulture));
        }
    }
}
