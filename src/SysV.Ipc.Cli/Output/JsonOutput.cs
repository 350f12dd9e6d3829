using System.Text;
using System.Text.Json;

namespace SysV.Ipc.Cli.Output;

/// <summary>
/// The --json forms. Field names are lower-case snake_case and stable; numbers are numbers, flags are
/// booleans, and what the kernel does not know (a time never set, a name with no account) is null.
/// Times are ISO 8601 in UTC. The list form is one object with one array per kind asked for.
/// </summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions s_options = new() { Indented = true };

    public static void WriteListing(
        TextWriter output,
        IReadOnlyList<MessageQueueInfo>? queues,
        IReadOnlyList<SharedMemoryInfo>? segments,
        IReadOnlyList<SemaphoreSetInfo>? sets,
        TimeSpan orphanIdleTime)
        => Write(output, json =>
        {
            json.WriteStartObject();
            if (queues is not null)
            {
                json.WriteStartArray("message_queues");
                foreach (MessageQueueInfo q in queues)
                {
                    WriteQueue(json, q, orphanIdleTime);
                }

                json.WriteEndArray();
            }

            if (segments is not null)
            {
                json.WriteStartArray("shared_memory");
                foreach (SharedMemoryInfo s in segments)
                {
                    WriteSegment(json, s, orphanIdleTime);
                }

                json.WriteEndArray();
            }

            if (sets is not null)
            {
                json.WriteStartArray("semaphore_sets");
                foreach (SemaphoreSetInfo s in sets)
                {
                    WriteSemaphoreSet(json, s, null, orphanIdleTime);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        });

    public static void WriteDetails(TextWriter output, IpcObjectInfo info, IReadOnlyList<SemaphoreRow>? semaphores, TimeSpan orphanIdleTime, LibraryContents? contents = null)
        => Write(output, json =>
        {
            switch (info)
            {
                case SharedMemoryInfo s:
                    WriteSegment(json, s, orphanIdleTime, contents);
                    break;
                case MessageQueueInfo q:
                    WriteQueue(json, q, orphanIdleTime);
                    break;
                case SemaphoreSetInfo s:
                    WriteSemaphoreSet(json, s, semaphores, orphanIdleTime);
                    break;
            }
        });

    /// <summary>sysvipc peek --json: the queue and each message's type, length, body in base64 and text when it is UTF-8.</summary>
    public static void WriteMessages(TextWriter output, int id, long total, IReadOnlyList<(long Type, byte[] Body)> messages)
        => Write(output, json =>
        {
            json.WriteStartObject();
            json.WriteNumber("id", id);
            json.WriteNumber("messages", total);
            json.WriteStartArray("peeked");
            for (int i = 0; i < messages.Count; i++)
            {
                json.WriteStartObject();
                json.WriteNumber("position", i);
                json.WriteNumber("type", messages[i].Type);
                json.WriteNumber("length", messages[i].Body.Length);
                json.WriteBase64String("body_base64", messages[i].Body);
                try
                {
                    json.WriteString("text", new UTF8Encoding(false, true).GetString(messages[i].Body));
                }
                catch (DecoderFallbackException)
                {
                    json.WriteNull("text");
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });

    public static void WriteLimits(TextWriter output, IpcLimits limits)
        => Write(output, json =>
        {
            json.WriteStartObject();
            json.WriteStartObject("limits");
            json.WriteNumber("shmmax", limits.MaxSegmentSize);
            json.WriteNumber("shmmin", limits.MinSegmentSize);
            json.WriteNumber("shmmni", limits.MaxSegments);
            json.WriteNumber("shmall_pages", limits.MaxTotalSharedMemoryPages);
            json.WriteNumber("page_size", limits.PageSize);
            json.WriteNumber("msgmax", limits.MaxMessageSize);
            json.WriteNumber("msgmnb", limits.MaxQueueBytes);
            json.WriteNumber("msgmni", limits.MaxQueues);
            json.WriteNumber("semmsl", limits.MaxSemaphoresPerSet);
            json.WriteNumber("semmns", limits.MaxSemaphoresSystemWide);
            json.WriteNumber("semopm", limits.MaxOperationsPerCall);
            json.WriteNumber("semmni", limits.MaxSemaphoreSets);
            json.WriteNumber("semvmx", limits.MaxSemaphoreValue);
            json.WriteEndObject();
            json.WriteEndObject();
        });

    public static void WriteUsage(TextWriter output, IpcUsage usage)
        => Write(output, json =>
        {
            json.WriteStartObject();
            json.WriteStartObject("usage");
            json.WriteNumber("segments", usage.SegmentCount);
            json.WriteNumber("shm_pages", usage.SharedMemoryPages);
            json.WriteNumber("shm_resident_pages", usage.SharedMemoryResidentPages);
            json.WriteNumber("shm_swapped_pages", usage.SharedMemorySwappedPages);
            json.WriteNumber("queues", usage.QueueCount);
            json.WriteNumber("messages", usage.MessageCount);
            json.WriteNumber("message_bytes", usage.MessageBytes);
            json.WriteNumber("semaphore_sets", usage.SemaphoreSetCount);
            json.WriteNumber("semaphores", usage.SemaphoreCount);
            json.WriteEndObject();
            json.WriteEndObject();
        });

    private static void WriteSegment(Utf8JsonWriter json, SharedMemoryInfo s, TimeSpan orphanIdleTime, LibraryContents? contents = null)
    {
        json.WriteStartObject();
        WriteCommon(json, s);
        json.WriteNumber("size", s.Size);
        json.WriteNumber("attach_count", s.AttachCount);
        json.WriteNumber("creator_pid", s.CreatorProcessId);
        json.WriteNumber("last_pid", s.LastProcessId);
        WriteTime(json, "attach_time", s.LastAttachTime);
        WriteTime(json, "detach_time", s.LastDetachTime);
        WriteTime(json, "change_time", s.LastChangeTime);
        json.WriteBoolean("marked_for_removal", s.IsMarkedForRemoval);
        json.WriteBoolean("locked", s.IsLocked);
        WriteNullable(json, "resident_bytes", s.ResidentBytes);
        WriteNullable(json, "swapped_bytes", s.SwappedBytes);
        string? command = IpcSystem.GetProcessCommandLine(s.CreatorProcessId);
        json.WriteBoolean("creator_running", IpcSystem.IsProcessRunning(s.CreatorProcessId));
        WriteString(json, "creator_command", command);
        json.WriteBoolean("orphan", Commands.OrphanRules.Judge(s, orphanIdleTime).IsProposed(includeNonEmpty: false));
        if (contents is not null)
        {
            LibraryObjects.WriteJson(json, contents);
        }

        json.WriteEndObject();
    }

    private static void WriteQueue(Utf8JsonWriter json, MessageQueueInfo q, TimeSpan orphanIdleTime)
    {
        json.WriteStartObject();
        WriteCommon(json, q);
        json.WriteNumber("used_bytes", q.BytesUsed);
        json.WriteNumber("messages", q.MessageCount);
        WriteNullable(json, "max_bytes", q.MaxBytes);
        json.WriteNumber("last_send_pid", q.LastSendProcessId);
        json.WriteNumber("last_receive_pid", q.LastReceiveProcessId);
        WriteTime(json, "send_time", q.LastSendTime);
        WriteTime(json, "receive_time", q.LastReceiveTime);
        WriteTime(json, "change_time", q.LastChangeTime);
        json.WriteBoolean("orphan", Commands.OrphanRules.Judge(q, orphanIdleTime).IsProposed(includeNonEmpty: false));
        json.WriteEndObject();
    }

    private static void WriteSemaphoreSet(Utf8JsonWriter json, SemaphoreSetInfo s, IReadOnlyList<SemaphoreRow>? semaphores, TimeSpan orphanIdleTime)
    {
        json.WriteStartObject();
        WriteCommon(json, s);
        json.WriteNumber("nsems", s.Count);
        WriteTime(json, "operation_time", s.LastOperationTime);
        WriteTime(json, "change_time", s.LastChangeTime);
        json.WriteBoolean("orphan", Commands.OrphanRules.Judge(s, orphanIdleTime).IsProposed(includeNonEmpty: false));
        if (semaphores is not null)
        {
            json.WriteStartArray("semaphores");
            for (int i = 0; i < semaphores.Count; i++)
            {
                json.WriteStartObject();
                json.WriteNumber("semnum", i);
                json.WriteNumber("value", semaphores[i].Value);
                json.WriteNumber("ncount", semaphores[i].WaitingCount);
                json.WriteNumber("zcount", semaphores[i].ZeroWaitingCount);
                json.WriteNumber("pid", semaphores[i].LastProcessId);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteCommon(Utf8JsonWriter json, IpcObjectInfo o)
    {
        json.WriteNumber("id", o.Id);
        json.WriteNumber("key", o.Key.Value);
        json.WriteString("key_hex", o.Key.ToString());
        json.WriteNumber("mode", o.Mode);
        json.WriteString("perms", CText.OctalAlternate(o.Mode & 0x1FF).PadLeft(4, '0'));
        json.WriteNumber("owner_uid", o.OwnerUserId);
        WriteString(json, "owner", Accounts.UserName(o.OwnerUserId));
        json.WriteNumber("owner_gid", o.OwnerGroupId);
        WriteString(json, "owner_group", Accounts.GroupName(o.OwnerGroupId));
        json.WriteNumber("creator_uid", o.CreatorUserId);
        WriteString(json, "creator", Accounts.UserName(o.CreatorUserId));
        json.WriteNumber("creator_gid", o.CreatorGroupId);
        WriteString(json, "creator_group", Accounts.GroupName(o.CreatorGroupId));
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? time)
    {
        if (time is { } t)
        {
            json.WriteString(name, t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    /// <summary>A number, or null when it is not known.</summary>
    internal static void WriteNullable(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    /// <summary>A number, or null when it is not known.</summary>
    internal static void WriteNullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteString(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static void Write(TextWriter output, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, s_options))
        {
            body(json);
        }

        output.Write(Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
    }
}
