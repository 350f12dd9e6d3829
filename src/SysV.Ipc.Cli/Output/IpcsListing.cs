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
            case ListFormat.Creator:
                Line("------ Message Queues Creators/Owners --------");
                Line(CreatorHeader("msqid"));
                break;
            case ListFormat.Time:
                Line("------ Message Queues Send/Recv/Change Times --------");
                Line(CText.Left("msqid", 8) + " " + CText.Left("owner", 10) + " " + CText.Left("send", 20) + " " + CText.Left("recv", 20) + " " + CText.Left("change", 20));
                break;
            case ListFormat.Pid:
                Line("------ Message Queues PIDs --------");
                Line(Columns(10, "msqid", "owner", "lspid", "lrpid"));
                break;
            default:
                Line("------ Message Queues --------");
                Line(Columns(10, "key", "msqid", "owner", "perms") + " " + CText.Left(unit == SizeUnit.Human ? "size" : "used-bytes", 12) + " " + CText.Left("messages", 12));
                break;
        }

        foreach (MessageQueueInfo q in queues)
        {
            switch (format)
            {
                case ListFormat.Creator:
                    Line(CreatorRow(q));
                    break;
                case ListFormat.Time:
                    output.Write(IdAndOwner(q, 8));
                    output.Write(" " + CText.Time(q.LastSendTime, 4, 20, 16));
                    output.Write(" " + CText.Time(q.LastReceiveTime, 4, 20, 16));
                    Line(" " + CText.Time(q.LastChangeTime, 4, 20, 16));
                    break;
                case ListFormat.Pid:
                    Line(IdAndOwner(q, 8) + "  " + CText.Right(CText.Number(q.LastSendProcessId), 5) + "     " + CText.Right(CText.Number(q.LastReceiveProcessId), 5));
                    break;
                default:
                    output.Write(KeyColumn(q) + IdAndOwner(q, 10) + " " + CText.Left(CText.Octal(q.Mode & 0x1FF), 10) + " ");
                    output.Write(unit == SizeUnit.Human ? CText.Right(CText.HumanSize((ulong)q.BytesUsed), 6) + "      " : CText.Left(q.BytesUsed, 12));
                    Line(" " + CText.Left(q.MessageCount, 12));
                    break;
            }
        }
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
            case ListFormat.Creator:
                Line("------ Shared Memory Segment Creators/Owners --------");
                Line(CreatorHeader("shmid"));
                break;
            case ListFormat.Time:
                Line("------ Shared Memory Attach/Detach/Change Times --------");
                Line(CText.Left("shmid", 10) + " " + CText.Left("owner", 10) + " " + CText.Left("attached", 20) + " " + CText.Left("detached", 20) + " " + CText.Left("changed", 20));
                break;
            case ListFormat.Pid:
                Line("------ Shared Memory Creator/Last-op PIDs --------");
                Line(Columns(10, "shmid", "owner", "cpid", "lpid") + (showCommand ? " command" : string.Empty));
                break;
            default:
                Line("------ Shared Memory Segments --------");
                Line(Columns(10, "key", "shmid", "owner", "perms", unit == SizeUnit.Human ? "size" : "bytes", "nattch") + " " + CText.Left("status", 12) + (showCommand ? " command" : string.Empty));
                break;
        }

        foreach (SharedMemoryInfo s in segments)
        {
            switch (format)
            {
                case ListFormat.Creator:
                    Line(CreatorRow(s));
                    break;
                case ListFormat.Time:
                    output.Write(IdAndOwner(s, 10));
                    output.Write(" " + CText.Time(s.LastAttachTime, 4, 20, 16));
                    output.Write(" " + CText.Time(s.LastDetachTime, 4, 20, 16));
                    Line(" " + CText.Time(s.LastChangeTime, 4, 20, 16));
                    break;
                case ListFormat.Pid:
                    Line(IdAndOwner(s, 10) + " " + CText.Left(s.CreatorProcessId, 10) + " " + CText.Left(s.LastProcessId, 10) + Command(s));
                    break;
                default:
                    output.Write(KeyColumn(s) + IdAndOwner(s, 10) + " " + CText.Left(CText.Octal(s.Mode & 0x1FF), 10) + " ");
                    output.Write(unit == SizeUnit.Human ? CText.Right(CText.HumanSize((ulong)s.Size), 6) + "    " : CText.Left((ulong)s.Size, 10));
                    Line(" " + CText.Left(s.AttachCount, 10) + " " + CText.Left(s.IsMarkedForRemoval ? "dest" : " ", 6) + " " + CText.Left(s.IsLocked ? "locked" : " ", 6) + Command(s));
                    break;
            }
        }
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
            case ListFormat.Creator:
                Line("------ Semaphore Arrays Creators/Owners --------");
                Line(CreatorHeader("semid"));
                break;
            case ListFormat.Time:
                Line("------ Semaphore Operation/Change Times --------");
                Line(CText.Left("semid", 8) + " " + CText.Left("owner", 10) + " " + CText.Left("last-op", 26) + " " + CText.Left("last-changed", 26));
                break;
            default:
                Line("------ Semaphore Arrays --------");
                Line(Columns(10, "key", "semid", "owner", "perms", "nsems"));
                break;
        }

        foreach (SemaphoreSetInfo s in sets)
        {
            switch (format)
            {
                case ListFormat.Creator:
                    Line(CreatorRow(s));
                    break;
                case ListFormat.Time:
                    output.Write(IdAndOwner(s, 8));
                    output.Write("  " + CText.Time(s.LastOperationTime, 0, 26, 24));
                    Line(" " + CText.Time(s.LastChangeTime, 0, 26, 24));
                    break;
                default:
                    Line(KeyColumn(s) + IdAndOwner(s, 10) + " " + CText.Left(CText.Octal(s.Mode & 0x1FF), 10) + " " + CText.Left(s.Count, 10));
                    break;
            }
        }
    }

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
