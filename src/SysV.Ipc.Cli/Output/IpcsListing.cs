namespace SysV.Ipc.Cli.Output;

/// <summary>
/// Writes the blocks of <c>ipcs</c> (util-linux 2.38.1) character for character: titles, headers, column
/// widths, truncation of owner names and the trailing spaces that pad every column.
/// </summary>
internal sealed class IpcsListing(TextWriter output, ListFormat format, SizeUnit unit, bool showCommand = false)
{
    /// <summary>The message queue block (ipcs prints it first).</summary>
    public void WriteQueues(IReadOnlyList<MessageQueueInfo> queues)
    {
        switch (format)
        {
            case ListFormat.Limits:
                IpcLimits limits = IpcSystem.GetLimits();
                Line("------ Messages Limits --------");
                Line("max queues system wide = " + CText.Number(limits.MaxQueues));
                Size(unit == SizeUnit.Default ? SizeUnit.Bytes : unit, "max size of message", (ulong)limits.MaxMessageSize, "\n");
                Size(unit == SizeUnit.Default ? SizeUnit.Bytes : unit, "default max size of queue", (ulong)limits.MaxQueueBytes, "\n");
                return;
            case ListFormat.Summary:
                IpcUsage usage = IpcSystem.GetUsage();
                Line("------ Messages Status --------");
                Line("allocated queues = " + CText.Number(usage.QueueCount));
                Line("used headers = " + CText.Number(usage.MessageCount));
                Size(unit, "used space", (ulong)usage.MessageBytes, unit == SizeUnit.Default ? " bytes\n" : "\n");
                return;
        }

        Block(
            queues,
            format switch
            {
                ListFormat.Creator => ("Message Queues Creators/Owners", CreatorHeader("msqid")),
                ListFormat.Time => ("Message Queues Send/Recv/Change Times", CText.Left("msqid", 8) + " " + CText.Left("owner", 10) + " " + CText.Left("send", 20) + " " + CText.Left("recv", 20) + " " + CText.Left("change", 20)),
                ListFormat.Pid => ("Message Queues PIDs", Columns(10, "msqid", "owner", "lspid", "lrpid")),
                _ => ("Message Queues", Columns(10, "key", "msqid", "owner", "perms") + " " + CText.Left(unit == SizeUnit.Human ? "size" : "used-bytes", 12) + " " + CText.Left("messages", 12)),
            },
            q => format switch
            {
                ListFormat.Time => IdAndOwner(q, 8) + TimeColumns(q.LastSendTime, q.LastReceiveTime, q.LastChangeTime),
                ListFormat.Pid => IdAndOwner(q, 8) + "  " + CText.Right(CText.Number(q.LastSendProcessId), 5) + "     " + CText.Right(CText.Number(q.LastReceiveProcessId), 5),
                _ => KeyColumn(q) + IdAndOwner(q, 10) + " " + CText.Left(CText.Octal(q.Mode & 0x1FF), 10) + " "
                    + (unit == SizeUnit.Human ? CText.Right(CText.HumanSize((ulong)q.BytesUsed), 6) + "      " : CText.Left(q.BytesUsed, 12))
                    + " " + CText.Left(q.MessageCount, 12),
            });
    }

    /// <summary>The shared memory block.</summary>
    public void WriteSegments(IReadOnlyList<SharedMemoryInfo> segments)
    {
        switch (format)
        {
            case ListFormat.Limits:
                WriteSharedMemoryLimits(IpcSystem.GetLimits());
                return;
            case ListFormat.Summary:
                IpcUsage usage = IpcSystem.GetUsage();
                Line("------ Shared Memory Status --------");
                Line("segments allocated " + CText.Number(usage.SegmentCount));
                Line("pages allocated " + CText.Number(usage.SharedMemoryPages));
                Line("pages resident  " + CText.Number(usage.SharedMemoryResidentPages));
                Line("pages swapped   " + CText.Number(usage.SharedMemorySwappedPages));
                Line("Swap performance: " + CText.Number(usage.SwapAttempts) + " attempts\t " + CText.Number(usage.SwapSuccesses) + " successes");
                return;
        }

        Block(
            segments,
            format switch
            {
                ListFormat.Creator => ("Shared Memory Segment Creators/Owners", CreatorHeader("shmid")),
                ListFormat.Time => ("Shared Memory Attach/Detach/Change Times", CText.Left("shmid", 10) + " " + CText.Left("owner", 10) + " " + CText.Left("attached", 20) + " " + CText.Left("detached", 20) + " " + CText.Left("changed", 20)),
                ListFormat.Pid => ("Shared Memory Creator/Last-op PIDs", Columns(10, "shmid", "owner", "cpid", "lpid") + (showCommand ? " command" : string.Empty)),
                _ => ("Shared Memory Segments", Columns(10, "key", "shmid", "owner", "perms", unit == SizeUnit.Human ? "size" : "bytes", "nattch") + " " + CText.Left("status", 12) + (showCommand ? " command" : string.Empty)),
            },
            s => format switch
            {
                ListFormat.Time => IdAndOwner(s, 10) + TimeColumns(s.LastAttachTime, s.LastDetachTime, s.LastChangeTime),
                ListFormat.Pid => IdAndOwner(s, 10) + " " + CText.Left(s.CreatorProcessId, 10) + " " + CText.Left(s.LastProcessId, 10) + Command(s),
                _ => KeyColumn(s) + IdAndOwner(s, 10) + " " + CText.Left(CText.Octal(s.Mode & 0x1FF), 10) + " "
                    + (unit == SizeUnit.Human ? CText.Right(CText.HumanSize((ulong)s.Size), 6) + "    " : CText.Left((ulong)s.Size, 10))
                    + " " + CText.Left(s.AttachCount, 10) + " " + CText.Left(s.IsMarkedForRemoval ? "dest" : " ", 6) + " " + CText.Left(s.IsLocked ? "locked" : " ", 6) + Command(s),
            });
    }

    /// <summary>The semaphore block (ipcs prints nothing for -p, not even a title).</summary>
    public void WriteSemaphoreSets(IReadOnlyList<SemaphoreSetInfo> sets)
    {
        switch (format)
        {
            case ListFormat.Limits:
                IpcLimits limits = IpcSystem.GetLimits();
                Line("------ Semaphore Limits --------");
                Line("max number of arrays = " + CText.Number(limits.MaxSemaphoreSets));
                Line("max semaphores per array = " + CText.Number(limits.MaxSemaphoresPerSet));
                Line("max semaphores system wide = " + CText.Number(limits.MaxSemaphoresSystemWide));
                Line("max ops per semop call = " + CText.Number(limits.MaxOperationsPerCall));
                Line("semaphore max value = " + CText.Number(limits.MaxSemaphoreValue));
                return;
            case ListFormat.Summary:
                IpcUsage usage = IpcSystem.GetUsage();
                Line("------ Semaphore Status --------");
                Line("used arrays = " + CText.Number(usage.SemaphoreSetCount));
                Line("allocated semaphores = " + CText.Number(usage.SemaphoreCount));
                return;
            case ListFormat.Pid:
                return;
        }

        Block(
            sets,
            format switch
            {
                ListFormat.Creator => ("Semaphore Arrays Creators/Owners", CreatorHeader("semid")),
                ListFormat.Time => ("Semaphore Operation/Change Times", CText.Left("semid", 8) + " " + CText.Left("owner", 10) + " " + CText.Left("last-op", 26) + " " + CText.Left("last-changed", 26)),
                _ => ("Semaphore Arrays", Columns(10, "key", "semid", "owner", "perms", "nsems")),
            },
            s => format switch
            {
                ListFormat.Time => IdAndOwner(s, 8) + "  " + CText.Time(s.LastOperationTime, 0, 26, 24) + " " + CText.Time(s.LastChangeTime, 0, 26, 24),
                _ => KeyColumn(s) + IdAndOwner(s, 10) + " " + CText.Left(CText.Octal(s.Mode & 0x1FF), 10) + " " + CText.Left(s.Count, 10),
            });
    }

    /// <summary>
    /// A block of the listing forms: its title and header line, then a row per object (the -c form's row is
    /// the same for every kind).
    /// </summary>
    private void Block<T>(IReadOnlyList<T> items, (string Title, string Header) top, Func<T, string> row)
        where T : IpcObjectInfo
    {
        Line("------ " + top.Title + " --------");
        Line(top.Header);
        foreach (T item in items)
        {
            Line(format == ListFormat.Creator ? CreatorRow(item) : row(item));
        }
    }

    /// <summary>The three time columns of the queue and segment -t forms, "%-20.16s" of each date after a space.</summary>
    private static string TimeColumns(DateTimeOffset? first, DateTimeOffset? second, DateTimeOffset? change)
        => " " + CText.Time(first, 4, 20, 16) + " " + CText.Time(second, 4, 20, 16) + " " + CText.Time(change, 4, 20, 16);

    private void WriteSharedMemoryLimits(IpcLimits limits)
    {
        ulong pageSize = (ulong)limits.PageSize;
        ulong pages = limits.MaxTotalSharedMemoryPages;
        Line("------ Shared Memory Limits --------");
        Line("max number of segments = " + CText.Number(limits.MaxSegments));
        Size(unit == SizeUnit.Default ? SizeUnit.Kilobytes : unit, "max seg size", limits.MaxSegmentSize, "\n");
        if (unit is SizeUnit.Kilobytes or SizeUnit.Default)
        {
            // ipcs multiplies pages by kilobytes per page and saturates at the largest multiple on overflow.
            ulong perPage = pageSize / 1024;
            ulong total = unchecked(pages * perPage);
            if (pages != 0 && total / pages != perPage)
            {
                total = ulong.MaxValue - (ulong.MaxValue % perPage);
            }

            Size(SizeUnit.Default, "max total shared memory (kbytes)", total, "\n");
        }
        else
        {
            ulong total = unchecked(pages * pageSize);
            if (pages != 0 && total / pages != pageSize)
            {
                total = ulong.MaxValue - (ulong.MaxValue % pageSize);
            }

            Size(unit, "max total shared memory", total, "\n");
        }

        Size(unit == SizeUnit.Default ? SizeUnit.Bytes : unit, "min seg size", limits.MinSegmentSize, "\n");
    }

    /// <summary>ipcs's ipc_print_size with a label: "label (bytes) = N", "label (kbytes) = N", "label = 4K".</summary>
    private void Size(SizeUnit sizeUnit, string label, ulong value, string end)
    {
        string prefix = sizeUnit switch
        {
            SizeUnit.Bytes => label + " (bytes) = ",
            SizeUnit.Kilobytes => label + " (kbytes) = ",
            _ => label + " = ",
        };
        output.Write(prefix + SizeValue(sizeUnit, value) + end);
    }

    internal static string SizeValue(SizeUnit sizeUnit, ulong value) => sizeUnit switch
    {
        SizeUnit.Kilobytes => CText.Number(value / 1024),
        SizeUnit.Human => CText.HumanSize(value),
        _ => CText.Number(value),
    };

    private string Command(SharedMemoryInfo s)
        => showCommand ? " " + (IpcSystem.GetProcessCommandLine(s.CreatorProcessId) is { } line ? CText.SafeEncode(line) : "-") : string.Empty;

    private static string KeyColumn(IpcObjectInfo o) => o.Key + " ";

    /// <summary>"%-Nd %-10.10s" of id and owner name, or "%-Nd %-10u" when the uid has no name.</summary>
    private static string IdAndOwner(IpcObjectInfo o, int idWidth)
        => CText.Left(o.Id, idWidth) + " " + CText.Left(Accounts.UserOrId(o.OwnerUserId), 10, 10);

    private static string CreatorHeader(string idName) => Columns(10, idName, "perms", "cuid", "cgid", "uid", "gid");

    /// <summary>ipc_print_perms: names are not truncated here, unlike the owner column of the other forms.</summary>
    private static string CreatorRow(IpcObjectInfo o)
        => CText.Left(o.Id, 10) + " " + CText.Left(CText.Octal(o.Mode & 0x1FF), 10)
            + " " + CText.Left(Accounts.UserOrId(o.CreatorUserId), 10)
            + " " + CText.Left(Accounts.GroupOrId(o.CreatorGroupId), 10)
            + " " + CText.Left(Accounts.UserOrId(o.OwnerUserId), 10)
            + " " + CText.Left(Accounts.GroupOrId(o.OwnerGroupId), 10);

    private static string Columns(int width, params string[] names) => string.Join(" ", names.Select(n => CText.Left(n, width)));

    private void Line(string text) => output.Write(text + "\n");
}
