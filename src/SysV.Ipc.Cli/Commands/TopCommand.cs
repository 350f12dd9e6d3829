using System.Text;
using System.Text.Json;

namespace SysV.Ipc.Cli.Commands;

/// <summary>
/// <c>sysvipc top</c>: every object and what changes, sampled every interval. The kernel keeps no message
/// or operation counters, so rates are what can be measured: a queue's depth change per second (messages and
/// bytes) and whether anything sent, received or operated in the interval; a segment's attach count and its
/// change; for a channel, bytes written and read per second from its positions, and its depth.
/// On a terminal the view is redrawn in place (ANSI); otherwise each sample is printed after the last.
/// </summary>
internal static class TopCommand
{
    private static readonly Option<string> s_interval = new("--interval", "-d") { Description = "Seconds between samples (default 1; fractions allowed).", HelpName = "SECONDS" };
    private static readonly Option<bool> s_once = new("--once") { Description = "Take two samples one interval apart, print once, exit." };
    private static readonly Option<int> s_iterations = new("--iterations", "-n") { Description = "Stop after this many samples (default: until Ctrl-C; 1 with --once).", HelpName = "N" };
    private static readonly Option<bool> s_json = new("--json", "-J") { Description = "One JSON document per sample, one per line." };
    private static readonly Option<string> s_sort = new("--sort") { Description = "Order rows by id, key, kind, depth (messages or bytes waiting) or activity (rates, then depth); default activity.", HelpName = "COLUMN" };

    public static Command Create()
    {
        var command = new Command("top", "A live view of every object with what changes: queue depth and its rate, attach counts, semaphore activity and waiters, channel throughput and depth. Redraws in place on a terminal; --once and --json for scripts.")
        {
            s_interval, s_once, s_iterations, s_json, s_sort,
        };
        command.SetAction(Run);
        HelpExamples.Register(command, """
              sysvipc top                        # redraws every second; Ctrl-C quits
              sysvipc top --sort depth -d 0.5
              sysvipc top --once --json | jq '.objects[] | select(.kind == "channel")'
              sysvipc top --json -n 10 > samples.jsonl
            """);
        return command;
    }

    private static int Run(ParseResult result)
    {
        double seconds = result.GetValue(s_interval) is { } text
            ? double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0 && s <= 3600 ? s : throw new CliUsageException($"invalid --interval '{text}': give seconds, more than 0 (0.5, 2)")
            : 1;
        bool once = result.GetValue(s_once);
        int iterations = once ? 1 : result.GetValue(s_iterations);
        string sort = result.GetValue(s_sort) ?? "activity";
        if (sort is not ("id" or "key" or "kind" or "depth" or "activity"))
        {
            throw new CliUsageException($"unknown --sort '{sort}': use id, key, kind, depth or activity");
        }

        TextWriter output = CommandOutput.Out(result);
        bool json = result.GetValue(s_json);
        bool live = !json && !Console.IsOutputRedirected && output == StandardStreams.Out;
        TimeSpan interval = TimeSpan.FromSeconds(seconds);
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            Dictionary<(IpcObjectKind, int), TopSample> previous = Sample();
            DateTime previousTime = DateTime.UtcNow;
            for (int n = 0; iterations <= 0 || n < iterations; n++)
            {
                if (stop.Token.WaitHandle.WaitOne(interval))
                {
                    break;
                }

                Dictionary<(IpcObjectKind, int), TopSample> current = Sample();
                DateTime now = DateTime.UtcNow;
                List<TopRow> rows = [.. current.Values.Select(c => TopRow.From(c, previous.GetValueOrDefault((c.Info.Kind, c.Info.Id)), (now - previousTime).TotalSeconds))];
                rows = Sort(rows, sort);
                if (json)
                {
                    WriteJson(output, now, (now - previousTime).TotalSeconds, rows);
                }
                else
                {
                    output.Write((live ? "\u001b[H\u001b[2J" : n > 0 ? "\n" : string.Empty) + Text(now, seconds, rows));
                }

                output.Flush();
                previous = current;
                previousTime = now;
            }
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        return 0;
    }

    private static List<TopRow> Sort(List<TopRow> rows, string sort) => sort switch
    {
        "id" => [.. rows.OrderBy(r => r.Kind).ThenBy(r => r.Id)],
        "key" => [.. rows.OrderBy(r => (uint)r.Key.Value)],
        "kind" => [.. rows.OrderBy(r => r.Kind).ThenBy(r => r.Id)],
        "depth" => [.. rows.OrderByDescending(r => r.Depth).ThenBy(r => r.Id)],
        _ => [.. rows.OrderByDescending(r => r.Activity).ThenByDescending(r => r.Depth).ThenBy(r => r.Kind).ThenBy(r => r.Id)],
    };

    private static Dictionary<(IpcObjectKind, int), TopSample> Sample()
    {
        var samples = new Dictionary<(IpcObjectKind, int), TopSample>();
        foreach (IpcObjectInfo info in IpcSystem.ListAll())
        {
            SharedMemoryChannelStatus? channel = null;
            int waiters = 0;
            if (info is SharedMemoryInfo s && s.ResidentBytes != 0)
            {
                channel = LibraryObjects.Read(s)?.Channel;
            }
            else if (info is SemaphoreSetInfo set)
            {
                try
                {
                    waiters = SemaphoreRows.Read(set).Sum(r => r.WaitingCount + r.ZeroWaitingCount);
                }
                catch (IpcException)
                {
                    waiters = -1; // not readable by this user
                }
            }

            samples[(info.Kind, info.Id)] = new TopSample(info, channel, waiters);
        }

        return samples;
    }

    private static string Text(DateTime now, double seconds, List<TopRow> rows)
    {
        var text = new StringBuilder();
        IpcUsage usage = IpcSystem.GetUsage();
        text.Append(CultureInfo.InvariantCulture, $"sysvipc top - {TimeZoneInfo.ConvertTimeFromUtc(now, TimeZoneInfo.Local):HH:mm:ss}, every {seconds:0.###} s: {usage.QueueCount} queues ({usage.MessageCount} messages), {usage.SegmentCount} segments, {usage.SemaphoreSetCount} semaphore sets\n\n");
        text.Append(string.Format(CultureInfo.InvariantCulture, "{0,-8} {1,6} {2,-10} {3,-8} {4,12} {5,12} {6,12} {7,12} {8,8} {9}\n", "KIND", "ID", "KEY", "OWNER", "DEPTH", "BYTES", "IN/s", "OUT/s", "USERS", "ACTIVITY"));
        foreach (TopRow r in rows)
        {
            text.Append(string.Format(CultureInfo.InvariantCulture, "{0,-8} {1,6} {2,-10} {3,-8} {4,12} {5,12} {6,12} {7,12} {8,8} {9}\n",
                r.KindName, r.Id, r.Key, CText.Left(Accounts.UserOrId(r.Owner), 8, 8).TrimEnd(), r.Depth?.ToString(CultureInfo.InvariantCulture) ?? "-", r.Bytes?.ToString(CultureInfo.InvariantCulture) ?? "-",
                Rate(r.InPerSecond), Rate(r.OutPerSecond), r.Users?.ToString(CultureInfo.InvariantCulture) ?? "-", r.Note));
        }

        return text.ToString();
    }

    private static string Rate(double? value) => value is { } v ? v.ToString(Math.Abs(v) >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture) : "-";

    private static void WriteJson(TextWriter output, DateTime now, double seconds, List<TopRow> rows)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", now.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WriteNumber("interval_seconds", Math.Round(seconds, 3));
            json.WriteStartArray("objects");
            foreach (TopRow r in rows)
            {
                r.WriteJson(json);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        output.Write(Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
    }
}

/// <summary>One object as sampled: its kernel fields, its channel status when it is one, and waiters on a set.</summary>
internal sealed record TopSample(IpcObjectInfo Info, SharedMemoryChannelStatus? Channel, int Waiters);

/// <summary>One row of top: depth and rates between two samples of the same object.</summary>
internal sealed record TopRow(
    string KindName, IpcObjectKind Kind, int Id, IpcKey Key, uint Owner,
    long? Depth, long? Bytes, double? InPerSecond, double? OutPerSecond, long? Users, bool Active, string Note, TopSample Sample)
{
    public double Activity => Math.Abs(InPerSecond ?? 0) + Math.Abs(OutPerSecond ?? 0) + (Active ? 1 : 0);

    public static TopRow From(TopSample now, TopSample? before, double seconds)
    {
        seconds = Math.Max(seconds, 1e-3);
        switch (now.Info)
        {
            case MessageQueueInfo q:
            {
                var b = before?.Info as MessageQueueInfo;
                bool active = b is not null && (q.LastSendTime != b.LastSendTime || q.LastReceiveTime != b.LastReceiveTime || q.MessageCount != b.MessageCount);
                double? msgs = b is null ? null : (q.MessageCount - b.MessageCount) / seconds;
                double? bytes = b is null ? null : (q.BytesUsed - b.BytesUsed) / seconds;
                string note = $"depth {Signed(msgs)} msg/s {Signed(bytes)} B/s{(active ? ", sent or received" : string.Empty)}; last sender {q.LastSendProcessId}, receiver {q.LastReceiveProcessId}";
                return new("queue", q.Kind, q.Id, q.Key, q.OwnerUserId, q.MessageCount, q.BytesUsed, null, null, null, active, note, now) { MessageRate = msgs, ByteRate = bytes };
            }

            case SharedMemoryInfo s when now.Channel is { } c:
            {
                SharedMemoryChannelStatus? p = before?.Channel;
                double? written = p is null ? null : (c.WritePosition - p.WritePosition) / seconds;
                double? read = p is null ? null : (c.ReadPosition - p.ReadPosition) / seconds;
                int alive = c.Participants.Count(x => x.IsAlive);
                string note = $"channel {(c.Mode switch { ChannelMode.SingleProducer => "1 writer", ChannelMode.MultiProducer => "multi-writer", _ => "broadcast" })}, {c.Capacity} B ring, {alive} of {c.Participants.Count} participants alive{(c.IsReaderSleeping ? ", reader asleep" : string.Empty)}{(c.SleepingWriters > 0 ? $", {c.SleepingWriters} writers asleep" : string.Empty)}";
                return new("channel", s.Kind, s.Id, s.Key, s.OwnerUserId, c.MessagesWaiting, c.BytesWaiting, written, read, s.AttachCount, (written ?? 0) != 0 || (read ?? 0) != 0, note, now);
            }

            case SharedMemoryInfo s:
            {
                var b = before?.Info as SharedMemoryInfo;
                bool active = b is not null && (s.AttachCount != b.AttachCount || s.LastAttachTime != b.LastAttachTime || s.LastDetachTime != b.LastDetachTime);
                string note = $"{s.Size} B, attaches {(b is null ? "?" : Signed(s.AttachCount - b.AttachCount))}{(s.IsMarkedForRemoval ? ", removed (dest)" : string.Empty)}; last pid {s.LastProcessId}";
                return new("segment", s.Kind, s.Id, s.Key, s.OwnerUserId, null, s.ResidentBytes, null, null, s.AttachCount, active, note, now);
            }

            case SemaphoreSetInfo set:
            {
                var b = before?.Info as SemaphoreSetInfo;
                bool active = b is not null && set.LastOperationTime != b.LastOperationTime;
                string note = $"{set.Count} semaphores, {(now.Waiters < 0 ? "waiters unreadable" : $"{now.Waiters} waiting")}{(active ? ", operated" : string.Empty)}";
                return new("semset", set.Kind, set.Id, set.Key, set.OwnerUserId, now.Waiters < 0 ? null : now.Waiters, null, null, null, null, active, note, now);
            }

            default:
                throw new InvalidOperationException("unknown kind");
        }
    }

    /// <summary>A queue's depth change per second (the kernel counts no messages sent, only those waiting).</summary>
    public double? MessageRate { get; init; }

    public double? ByteRate { get; init; }

    private static string Signed(double? value) => value is { } v ? (v > 0 ? "+" : string.Empty) + v.ToString("0.#", CultureInfo.InvariantCulture) : "?";

    public void WriteJson(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("kind", KindName);
        json.WriteNumber("id", Id);
        json.WriteString("key", Key.ToString());
        json.WriteNumber("owner_uid", Owner);
        JsonOutput.WriteNullable(json, "depth", Depth);
        JsonOutput.WriteNullable(json, "bytes", Bytes);
        JsonOutput.WriteNullable(json, "users", Users);
        json.WriteBoolean("active", Active);
        switch (Sample.Info)
        {
            case MessageQueueInfo:
                Rate(json, "depth_change_messages_per_second", MessageRate);
                Rate(json, "depth_change_bytes_per_second", ByteRate);
                break;
            case SharedMemoryInfo s when Sample.Channel is { } c:
                Rate(json, "written_bytes_per_second", InPerSecond);
                Rate(json, "read_bytes_per_second", OutPerSecond);
                json.WriteNumber("capacity", c.Capacity);
                json.WriteBoolean("reader_sleeping", c.IsReaderSleeping);
                json.WriteNumber("sleeping_writers", c.SleepingWriters);
                json.WriteNumber("participants_alive", c.Participants.Count(p => p.IsAlive));
                json.WriteNumber("size", s.Size);
                break;
            case SharedMemoryInfo s:
                json.WriteNumber("size", s.Size);
                json.WriteNumber("attach_count", s.AttachCount);
                break;
            case SemaphoreSetInfo set:
                json.WriteNumber("nsems", set.Count);
                break;
        }

        json.WriteEndObject();
    }

    private static void Rate(Utf8JsonWriter json, string name, double? value) =>
        JsonOutput.WriteNullable(json, name, value is { } v ? Math.Round(v, 3) : null);
}
