namespace SysV.Ipc.Cli.Commands;

/// <summary>What the orphan judgement says about one object, and what it holds.</summary>
/// <param name="Abandoned">No running process created or uses it (<see cref="IpcSystem.IsOrphan"/>).</param>
/// <param name="Contents">What it holds, in words ("SharedStruct area ...", "3 messages (120 bytes)"), or null when it holds nothing.</param>
internal readonly record struct OrphanVerdict(bool Abandoned, string? Contents)
{
    /// <summary>Whether --orphans proposes it: abandoned, and empty unless --include-nonempty.</summary>
    public bool IsProposed(bool includeNonEmpty) => Abandoned && (Contents is null || includeNonEmpty);
}

/// <summary>
/// The tool's orphan rules: the library's <see cref="IpcSystem.IsOrphan"/> (nobody running created or uses
/// it), and on top of it, by default, never an object that holds data:
/// a segment with a SharedStruct area or a channel header, or any segment whose pages were ever written
/// (resident or swapped bytes); a queue with messages; a semaphore set with a value other than 0 (an
/// IpcMutex's set has its lock at 1). --include-nonempty lifts that second rule. Only objects already judged
/// abandoned are looked into (attaching a segment read-only, reading a set's values).
/// </summary>
internal static class OrphanRules
{
    public static OrphanVerdict Judge(IpcObjectInfo info, TimeSpan idle)
    {
        if (!IpcSystem.IsOrphan(info, idle))
        {
            return new OrphanVerdict(false, null);
        }

        return new OrphanVerdict(true, Contents(info));
    }

    /// <summary>What the object holds, or null when nothing.</summary>
    public static string? Contents(IpcObjectInfo info) => info switch
    {
        SharedMemoryInfo s => SegmentContents(s),
        MessageQueueInfo q => q.MessageCount > 0 ? $"{CText.Number(q.MessageCount)} unread message{(q.MessageCount == 1 ? "" : "s")} ({CText.Number(q.BytesUsed)} bytes)" : null,
        SemaphoreSetInfo s => SemaphoreContents(s),
        _ => null,
    };

    private static string? SegmentContents(SharedMemoryInfo s)
    {
        if ((s.ResidentBytes ?? 0) == 0 && (s.SwappedBytes ?? 0) == 0 && s.ResidentBytes is not null)
        {
            return null; // never written: every page is still the kernel's zero page
        }

        try
        {
            using SharedMemorySegment segment = SharedMemorySegment.OpenById(s.Id);
            using SharedMemoryAttachment view = segment.Attach(SharedMemoryAccess.ReadOnly);
            if (SharedStructAreaInfo.TryRead(view) is { } area)
            {
                return $"a SharedStruct area ({area.Layout}, {CText.Number(area.DataSize)} bytes, {area.State.ToString().ToLowerInvariant()}, created by pid {CText.Number(area.CreatorProcessId)})";
            }

            if (SharedMemoryChannelStatus.TryRead(view) is { } channel)
            {
                return channel.MessagesWaiting > 0 || channel.BytesWaiting > 0
                    ? $"a channel with {CText.Number(channel.MessagesWaiting)} unread message{(channel.MessagesWaiting == 1 ? "" : "s")} ({CText.Number(channel.BytesWaiting)} bytes)"
                    : "a channel (empty now, but a channel is reopened by its peers)";
            }
        }
        catch (IpcException e) when (e is not IpcObjectNotFoundException and not IpcObjectRemovedException)
        {
            return "contents this user may not read";
        }
        catch (IpcException)
        {
            return null; // gone meanwhile
        }

        long written = (s.ResidentBytes ?? 0) + (s.SwappedBytes ?? 0);
        return $"data: {CText.Number(written)} bytes of it were written";
    }

    private static string? SemaphoreContents(SemaphoreSetInfo info)
    {
        int[] values;
        try
        {
            using SemaphoreSet set = SemaphoreSet.OpenById(info.Id);
            values = set.GetValues();
        }
        catch (IpcException)
        {
            return "values this user may not read";
        }

        if (values.All(v => v == 0))
        {
            return null;
        }

        string list = string.Join(",", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
        return values is [1, 0] or [1, 1] or [0, 1] or [0, 0]
            ? $"what looks like an IpcMutex's lock and owned flag (values {list})"
            : $"semaphore values {list}";
    }
}
