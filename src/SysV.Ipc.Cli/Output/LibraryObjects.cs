using System.Text.Json;

namespace SysV.Ipc.Cli.Output;

/// <summary>What the library's own header in a segment says: a SharedStruct area or a channel (or why it could not be read).</summary>
internal sealed record LibraryContents(SharedStructAreaInfo? Area, SharedMemoryChannelStatus? Channel, string? Problem);

/// <summary>
/// Decodes the library's objects for <c>sysvipc show</c>: attaches the segment read-only (after its ipcs
/// fields were read, so they show the state before this look) and reads the public snapshots
/// <see cref="SharedStructAreaInfo.TryRead"/> and <see cref="SharedMemoryChannelStatus.TryRead"/>.
/// </summary>
internal static class LibraryObjects
{
    public static LibraryContents? Read(SharedMemoryInfo s)
    {
        if (s.ResidentBytes == 0 && (s.SwappedBytes ?? 0) == 0)
        {
            return null; // never written: no header
        }

        try
        {
            using SharedMemorySegment segment = SharedMemorySegment.OpenById(s.Id);
            using SharedMemoryAttachment view = segment.Attach(SharedMemoryAccess.ReadOnly);
            SharedStructAreaInfo? area = SharedStructAreaInfo.TryRead(view);
            SharedMemoryChannelStatus? channel = area is null ? SharedMemoryChannelStatus.TryRead(view) : null;
            return area is null && channel is null ? null : new LibraryContents(area, channel, null);
        }
        catch (IpcPermissionDeniedException)
        {
            return null; // not readable by this user: only the kernel's fields are shown
        }
        catch (IpcException e) when (e is ChannelCorruptedException or SharedAreaFormatException)
        {
            return new LibraryContents(null, null, e.Message);
        }
    }

    public static void WriteText(TextWriter output, LibraryContents contents)
    {
        if (contents.Problem is { } problem)
        {
            output.Write("Library header: unreadable: " + problem.ReplaceLineEndings(" ") + "\n\n");
            return;
        }

        if (contents.Area is { } a)
        {
            output.Write($"SharedStruct area (format {CText.Number(a.FormatVersion)})\n");
            output.Write($"type name: not recorded (the header records the layout, not the C# name)\n");
            output.Write($"layout={a.Layout}\n");
            output.Write($"layout_hash=0x{a.LayoutHash:x16}\tsize={CText.Number(a.DataSize)}\tstate={a.State.ToString().ToLowerInvariant()}\n");
            output.Write($"creator_pid={CText.Number(a.CreatorProcessId)} ({(a.IsCreatorRunning ? "running" : "gone")})\tready_time={(a.ReadyTime is { } t ? CText.CTime(t) : "Not set")}\n\n");
        }

        if (contents.Channel is { } c)
        {
            output.Write($"SharedMemoryChannel ({c.Mode})\n");
            output.Write($"capacity={CText.Number(c.Capacity)}\tmax_message={CText.Number(c.MaxMessageSize)}\tmax_writers={CText.Number(c.MaxProducers)}\tcompleted={(c.IsCompleted ? "yes" : "no")}\n");
            output.Write($"created={CText.CTime(c.CreatedAt)}\tcreator_pid={CText.Number(c.CreatorProcessId)} ({(IpcSystem.IsProcessRunning(c.CreatorProcessId) ? "running" : "gone")})\n");
            output.Write($"waiting={CText.Number(c.MessagesWaiting)} messages, {CText.Number(c.BytesWaiting)} bytes\twrite_position={CText.Number(c.WritePosition)}\tread_position={CText.Number(c.ReadPosition)}\treleased={CText.Number(c.ReleasedPosition)}\n");
            output.Write($"reader_sleeping={(c.IsReaderSleeping ? "yes" : "no")}\tsleeping_writers={CText.Number(c.SleepingWriters)}\n");
            string[] headers = ["slot", "role", "pid", "alive", "position", "lag", "sleeping", "heartbeat"];
            output.Write(string.Join(" ", headers.Select(h => CText.Left(h, 10))).TrimEnd() + "\n");
            foreach (ChannelParticipantStatus p in c.Participants)
            {
                string[] cells =
                [
                    CText.Number(p.Slot), p.Role == ChannelRole.Consumer ? "reader" : "writer", CText.Number(p.ProcessId), p.IsAlive ? "yes" : "no",
                    CText.Number(p.Position), CText.Number(p.Lag), p.IsSleeping ? "yes" : "no",
                    p.SinceHeartbeat is { } h ? $"{h.TotalSeconds:0.0}s ago" : "-",
                ];
                output.Write(string.Join(" ", cells.Select(x => CText.Left(x, 10))).TrimEnd() + "\n");
            }

            output.Write("\n");
        }
    }

    public static void WriteJson(Utf8JsonWriter json, LibraryContents contents)
    {
        if (contents.Problem is { } problem)
        {
            json.WriteString("library_header_problem", problem);
        }

        if (contents.Area is { } a)
        {
            json.WriteStartObject("area");
            json.WriteNumber("format_version", a.FormatVersion);
            json.WriteString("layout", a.Layout);
            json.WriteString("layout_hash", $"0x{a.LayoutHash:x16}");
            json.WriteNumber("size", a.DataSize);
            json.WriteString("state", a.State.ToString().ToLowerInvariant());
            json.WriteNumber("creator_pid", a.CreatorProcessId);
            json.WriteBoolean("creator_running", a.IsCreatorRunning);
            if (a.ReadyTime is { } t)
            {
                json.WriteString("ready_time", t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                json.WriteNull("ready_time");
            }

            json.WriteEndObject();
        }

        if (contents.Channel is { } c)
        {
            json.WriteStartObject("channel");
            json.WriteString("mode", c.Mode switch { ChannelMode.SingleProducer => "single_producer", ChannelMode.MultiProducer => "multi_producer", _ => "broadcast" });
            json.WriteNumber("capacity", c.Capacity);
            json.WriteNumber("max_message_size", c.MaxMessageSize);
            json.WriteNumber("max_writers", c.MaxProducers);
            json.WriteNumber("creator_pid", c.CreatorProcessId);
            json.WriteBoolean("completed", c.IsCompleted);
            json.WriteNumber("write_position", c.WritePosition);
            json.WriteNumber("read_position", c.ReadPosition);
            json.WriteNumber("released_position", c.ReleasedPosition);
            json.WriteNumber("bytes_waiting", c.BytesWaiting);
            json.WriteNumber("messages_waiting", c.MessagesWaiting);
            json.WriteBoolean("reader_sleeping", c.IsReaderSleeping);
            json.WriteNumber("sleeping_writers", c.SleepingWriters);
            json.WriteStartArray("participants");
            foreach (ChannelParticipantStatus p in c.Participants)
            {
                json.WriteStartObject();
                json.WriteNumber("slot", p.Slot);
                json.WriteString("role", p.Role == ChannelRole.Consumer ? "reader" : "writer");
                json.WriteNumber("pid", p.ProcessId);
                json.WriteBoolean("alive", p.IsAlive);
                json.WriteNumber("position", p.Position);
                json.WriteNumber("lag", p.Lag);
                json.WriteBoolean("sleeping", p.IsSleeping);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }
    }
}
