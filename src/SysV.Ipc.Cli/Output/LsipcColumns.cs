namespace SysV.Ipc.Cli.Output;

/// <summary>How lsipc prints times (--time-format): short (21:38, Dec01, 2025-Dec01), full (ctime) or iso.</summary>
internal enum LsipcTimeFormat
{
    Short,
    Full,
    Iso,
}

/// <summary>The value options of an lsipc run that change how cells read.</summary>
internal sealed record LsipcFormat(bool Bytes, bool NumericPerms, LsipcTimeFormat Time);

/// <summary>One lsipc column: its name, what it means, whether lsipc right-aligns it, and how a cell reads.</summary>
internal sealed record LsipcColumn(string Name, string Description, bool Right, Func<IpcObjectInfo, LsipcFormat, string?> Value)
{
    /// <summary>The label lsipc gives the column in the --id layout ("Segment size").</summary>
    public string Title => LsipcColumns.Titles.GetValueOrDefault(Name, Name);
}

/// <summary>
/// lsipc's columns (util-linux 2.38.1), named and computed as lsipc names and computes them: null is an
/// empty cell (a time never set, a command of a process that is gone).
/// </summary>
internal static class LsipcColumns
{
    private static readonly string[] s_months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    internal static readonly Dictionary<string, string> Titles = new()
    {
        ["KEY"] = "Key", ["ID"] = "ID", ["OWNER"] = "Owner", ["PERMS"] = "Permissions", ["CUID"] = "Creator UID", ["CUSER"] = "Creator user",
        ["CGID"] = "Creator GID", ["CGROUP"] = "Creator group", ["UID"] = "UID", ["USER"] = "User name", ["GID"] = "GID", ["GROUP"] = "Group name",
        ["CTIME"] = "Last change", ["USEDBYTES"] = "Bytes used", ["MSGS"] = "Messages", ["SEND"] = "Msg sent", ["RECV"] = "Msg received",
        ["LSPID"] = "Msg sender", ["LRPID"] = "Msg receiver", ["SIZE"] = "Segment size", ["NATTCH"] = "Attached processes", ["STATUS"] = "Status",
        ["ATTACH"] = "Attach time", ["DETACH"] = "Detach time", ["COMMAND"] = "Creator command", ["CPID"] = "Creator PID", ["LPID"] = "Last user PID",
        ["NSEMS"] = "Semaphores", ["OTIME"] = "Last operation",
    };

    public static readonly LsipcColumn[] Generic =
    [
        new("KEY", "Resource key", false, (o, _) => o.Key.ToString()),
        new("ID", "Resource ID", false, (o, _) => CText.Number(o.Id)),
        new("OWNER", "Owner's username or UID", true, (o, _) => Accounts.UserOrId(o.OwnerUserId)),
        new("PERMS", "Permissions", true, (o, f) => Perms(o.Mode, f)),
        new("CUID", "Creator UID", true, (o, _) => CText.Number(o.CreatorUserId)),
        new("CUSER", "Creator user", false, (o, _) => Accounts.UserName(o.CreatorUserId)),
        new("CGID", "Creator GID", true, (o, _) => CText.Number(o.CreatorGroupId)),
        new("CGROUP", "Creator group", false, (o, _) => Accounts.GroupName(o.CreatorGroupId)),
        new("UID", "User ID", true, (o, _) => CText.Number(o.OwnerUserId)),
        new("USER", "User name", false, (o, _) => Accounts.UserName(o.OwnerUserId)),
        new("GID", "Group ID", true, (o, _) => CText.Number(o.OwnerGroupId)),
        new("GROUP", "Group name", false, (o, _) => Accounts.GroupName(o.OwnerGroupId)),
        new("CTIME", "Time of the last change", true, (o, f) => Time(o.LastChangeTime, f)),
    ];

    public static readonly LsipcColumn[] SharedMemory =
    [
        new("SIZE", "Segment size", true, (o, f) => Size((ulong)((SharedMemoryInfo)o).Size, f)),
        new("NATTCH", "Number of attached processes", true, (o, _) => CText.Number(((SharedMemoryInfo)o).AttachCount)),
        new("STATUS", "Status", false, (o, _) => Status((SharedMemoryInfo)o)),
        new("ATTACH", "Attach time", true, (o, f) => Time(((SharedMemoryInfo)o).LastAttachTime, f)),
        new("DETACH", "Detach time", true, (o, f) => Time(((SharedMemoryInfo)o).LastDetachTime, f)),
        new("COMMAND", "Creator command line", false, (o, _) => IpcSystem.GetProcessCommandLine(((SharedMemoryInfo)o).CreatorProcessId)),
        new("CPID", "PID of the creator", true, (o, _) => CText.Number(((SharedMemoryInfo)o).CreatorProcessId)),
        new("LPID", "PID of last user", true, (o, _) => CText.Number(((SharedMemoryInfo)o).LastProcessId)),
    ];

    public static readonly LsipcColumn[] Queues =
    [
        new("USEDBYTES", "Bytes used", true, (o, f) => Size((ulong)((MessageQueueInfo)o).BytesUsed, f)),
        new("MSGS", "Number of messages", false, (o, _) => CText.Number(((MessageQueueInfo)o).MessageCount)),
        new("SEND", "Time of last msg sent", true, (o, f) => Time(((MessageQueueInfo)o).LastSendTime, f)),
        new("RECV", "Time of last msg received", true, (o, f) => Time(((MessageQueueInfo)o).LastReceiveTime, f)),
        new("LSPID", "PID of the last msg sender", true, (o, _) => CText.Number(((MessageQueueInfo)o).LastSendProcessId)),
        new("LRPID", "PID of the last msg receiver", true, (o, _) => CText.Number(((MessageQueueInfo)o).LastReceiveProcessId)),
    ];

    public static readonly LsipcColumn[] Semaphores =
    [
        new("NSEMS", "Number of semaphores", true, (o, _) => CText.Number(((SemaphoreSetInfo)o).Count)),
        new("OTIME", "Time of the last operation", true, (o, f) => Time(((SemaphoreSetInfo)o).LastOperationTime, f)),
    ];

    /// <summary>The --global columns; their cells come from <see cref="Commands.LsipcGlobal"/>, not from an object.</summary>
    public static readonly LsipcColumn[] Global =
    [
        new("RESOURCE", "Resource name", false, (_, _) => null),
        new("DESCRIPTION", "Resource description", false, (_, _) => null),
        new("LIMIT", "System-wide limit", true, (_, _) => null),
        new("USED", "Currently used", true, (_, _) => null),
        new("USE%", "Currently use percentage", true, (_, _) => null),
    ];

    public static LsipcColumn[] For(IpcObjectKind kind) => kind switch
    {
        IpcObjectKind.SharedMemory => [.. Generic, .. SharedMemory],
        IpcObjectKind.MessageQueue => [.. Generic, .. Queues],
        _ => [.. Generic, .. Semaphores],
    };

    /// <summary>lsipc's default columns, plus those -c and -t add.</summary>
    public static string[] Defaults(IpcObjectKind kind, bool creator, bool time)
    {
        List<string> names = kind switch
        {
            // lsipc 2.38: -t alone puts ATTACH and DETACH before COMMAND; with -c they go last, after CUID CGID UID GID.
            IpcObjectKind.SharedMemory => time && !creator
                ? ["KEY", "ID", "PERMS", "OWNER", "SIZE", "NATTCH", "STATUS", "CTIME", "CPID", "LPID", "ATTACH", "DETACH", "COMMAND"]
                : ["KEY", "ID", "PERMS", "OWNER", "SIZE", "NATTCH", "STATUS", "CTIME", "CPID", "LPID", "COMMAND"],
            IpcObjectKind.MessageQueue => ["KEY", "ID", "PERMS", "OWNER", "USEDBYTES", "MSGS", "LSPID", "LRPID"],
            _ => ["KEY", "ID", "PERMS", "OWNER", "NSEMS"],
        };
        if (creator)
        {
            names.AddRange(["CUID", "CGID", "UID", "GID"]);
        }

        if (time)
        {
            names.AddRange(kind switch
            {
                IpcObjectKind.SharedMemory => creator ? ["ATTACH", "DETACH"] : [],
                IpcObjectKind.MessageQueue => ["SEND", "RECV", "CTIME"],
                _ => ["OTIME", "CTIME"],
            });
        }

        return [.. names.Distinct()];
    }

    /// <summary>rw-r--r--, or 0644 with -P.</summary>
    internal static string Perms(int mode, LsipcFormat format)
    {
        if (format.NumericPerms)
        {
            return "0" + Convert.ToString(mode & 0x1FF, 8).PadLeft(3, '0');
        }

        Span<char> text = stackalloc char[9];
        for (int i = 0; i < 9; i++)
        {
            text[i] = (mode & (0x100 >> i)) != 0 ? "rwx"[i % 3] : '-';
        }

        return new string(text);
    }

    internal static string Size(ulong bytes, LsipcFormat format) => format.Bytes ? CText.Number(bytes) : CText.HumanSize(bytes);

    internal static string? Time(DateTimeOffset? time, LsipcFormat format)
    {
        if (time is not { } t)
        {
            return null;
        }

        DateTimeOffset local = TimeZoneInfo.ConvertTime(t, TimeZoneInfo.Local);
        DateTimeOffset now = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.Local);
        return format.Time switch
        {
            LsipcTimeFormat.Full => CText.CTime(t),
            LsipcTimeFormat.Iso => local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + Offset(local.Offset),
            _ when local.Year == now.Year && local.DayOfYear == now.DayOfYear => local.ToString("HH:mm", CultureInfo.InvariantCulture),
            _ when local.Year == now.Year => s_months[local.Month - 1] + local.Day.ToString("00", CultureInfo.InvariantCulture),
            _ => local.Year.ToString(CultureInfo.InvariantCulture) + "-" + s_months[local.Month - 1] + local.Day.ToString("00", CultureInfo.InvariantCulture),
        };
    }

    private static string Offset(TimeSpan offset)
        => (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().Hours.ToString("00", CultureInfo.InvariantCulture) + ":" + offset.Duration().Minutes.ToString("00", CultureInfo.InvariantCulture);

    private static string? Status(SharedMemoryInfo s)
    {
        List<string> flags = [];
        if (s.IsMarkedForRemoval)
        {
            flags.Add("dest");
        }

        if (s.IsLocked)
        {
            flags.Add("locked");
        }

        return flags.Count == 0 ? null : string.Join(",", flags);
    }
}
