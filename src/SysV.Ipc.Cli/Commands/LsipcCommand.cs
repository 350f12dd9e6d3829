namespace SysV.Ipc.Cli.Commands;

/// <summary>
/// <c>sysvipc lsipc</c>: util-linux lsipc's options, columns and output modes, for those who think in lsipc
/// rather than ipcs (whose -l, -b, -t and -c mean other things, so they get a verb of their own).
/// </summary>
internal static class LsipcCommand
{
    private static readonly Option<bool> s_global = new("--global", "-g") { Description = "System-wide limits and usage (RESOURCE DESCRIPTION LIMIT USED USE%), of one kind with -m, -q or -s. The default without -m, -q or -s." };
    private static readonly Option<string> s_id = new("--id", "-i") { Description = "Details on the object with this id (with -m, -q or -s), one field per line; for a semaphore set, also a table of its semaphores.", HelpName = "ID" };
    private static readonly Option<bool> s_noHeadings = new("--noheadings") { Description = "No header line." };
    private static readonly Option<bool> s_noTruncate = new("--notruncate") { Description = "Never truncate a cell (sysvipc never does; accepted for lsipc's users)." };
    private static readonly Option<string> s_timeFormat = new("--time-format") { Description = "Dates as short (21:38 today, Dec01 this year, 2025-Dec01), full (ctime) or iso.", HelpName = "short|full|iso" };
    private static readonly Option<bool> s_bytes = new("--bytes", "-b") { Description = "Sizes in bytes rather than 64K, 8.5M." };
    private static readonly Option<bool> s_creator = new("--creator", "-c") { Description = "Add the creator's and owner's ids (CUID CGID UID GID)." };
    private static readonly Option<bool> s_export = new("--export", "-e") { Description = "NAME=\"value\" pairs, one object per line." };
    private static readonly Option<bool> s_json = new("--json", "-J") { Description = "JSON, as lsipc writes it (every value a string, null when empty)." };
    private static readonly Option<bool> s_newline = new("--newline", "-n") { Description = "NAME=\"value\", one per line." };
    private static readonly Option<bool> s_list = new("--list", "-l") { Description = "A table even with --id." };
    private static readonly Option<string> s_output = new("--output", "-o") { Description = "The columns, comma-separated (lsipc's names, any case); '+LIST' adds to the default ones. 'sysvipc lsipc --help' ends with the list.", HelpName = "LIST" };
    private static readonly Option<bool> s_outputAll = new("--output-all") { Description = "Every column of the kind." };
    private static readonly Option<bool> s_numericPerms = new("--numeric-perms", "-P") { Description = "PERMS as 0644 rather than rw-r--r--." };
    private static readonly Option<bool> s_raw = new("--raw", "-r") { Description = "Cells separated by one space, blanks in them as \\x20." };
    private static readonly Option<bool> s_time = new("--time", "-t") { Description = "Add the attach, detach, send, receive, operation and change times." };
    private static readonly Option<bool> s_shell = new("--shell", "-y") { Description = "Column names a shell takes as variables (USE% becomes USE_PCT)." };

    public static Command Create()
    {
        var command = new Command("lsipc", "List System V IPC objects with lsipc's options, columns and output modes (-g, -o, -r, -e, -J, -n, -y, -b, -P, --time-format, -i).")
        {
            ListCommand.s_shm, ListCommand.s_queues, ListCommand.s_semaphores, s_global, s_id, s_noHeadings, s_noTruncate, s_timeFormat, s_bytes, s_creator, s_export, s_json,
            s_newline, s_list, s_output, s_outputAll, s_numericPerms, s_raw, s_time, s_shell,
        };
        command.SetAction(Run);
        HelpExamples.Register(command, """
              sysvipc lsipc                          # limits and usage (lsipc -g)
              sysvipc lsipc -m                       # segments: KEY ID PERMS OWNER SIZE NATTCH STATUS CTIME CPID LPID COMMAND
              sysvipc lsipc -q -o KEY,ID,MSGS -e     # KEY="0x1234" ID="3" MSGS="2"
              sysvipc lsipc -s -i 4                  # one set, field per line, then SEMNUM VALUE NCOUNT ZCOUNT PID COMMAND
              sysvipc lsipc -m --output-all -J       # every column as JSON

            Columns: KEY ID OWNER PERMS CUID CUSER CGID CGROUP UID USER GID GROUP CTIME;
              -m: SIZE NATTCH STATUS ATTACH DETACH COMMAND CPID LPID; -q: USEDBYTES MSGS SEND RECV LSPID LRPID;
              -s: NSEMS OTIME; -g: RESOURCE DESCRIPTION LIMIT USED USE%
            """);
        return command;
    }

    private static int Run(ParseResult result)
    {
        bool shm = result.GetValue(ListCommand.s_shm), msg = result.GetValue(ListCommand.s_queues), sem = result.GetValue(ListCommand.s_semaphores);
        if ((shm ? 1 : 0) + (msg ? 1 : 0) + (sem ? 1 : 0) > 1)
        {
            throw new CliUsageException("mutually exclusive arguments: --shmems --queues --semaphores (give one of -m, -q, -s)");
        }

        // With a kind, --global lists that kind's limits (lsipc 2.38 also prints the kind's column headers, with empty cells).

        IpcObjectKind? kind = shm ? IpcObjectKind.SharedMemory : msg ? IpcObjectKind.MessageQueue : sem ? IpcObjectKind.SemaphoreSet : null;
        var format = new LsipcFormat(result.GetValue(s_bytes), result.GetValue(s_numericPerms), TimeFormat(result.GetValue(s_timeFormat)));
        LsipcMode mode = result.GetValue(s_json) ? LsipcMode.Json
            : result.GetValue(s_export) ? LsipcMode.Export
            : result.GetValue(s_newline) ? LsipcMode.Newline
            : result.GetValue(s_raw) ? LsipcMode.Raw
            : LsipcMode.Table;
        var table = new LsipcTable(CommandOutput.Out(result), mode, result.GetValue(s_noHeadings), result.GetValue(s_shell));

        if (result.GetValue(s_global) || kind is null)
        {
            LsipcColumn[] columns = Select(LsipcColumns.Global, ["RESOURCE", "DESCRIPTION", "LIMIT", "USED", "USE%"], result);
            IReadOnlyList<string?[]> rows = [.. LsipcGlobal.Rows(kind, format.Bytes).Select(r => columns.Select(c => r[c.Name]).ToArray())];
            table.Write("ipclimits", [.. columns.Select(c => (c.Name, c.Right))], rows);
            return 0;
        }

        LsipcColumn[] all = LsipcColumns.For(kind.Value);
        IReadOnlyList<IpcObjectInfo> objects = RemoveCommand.List(kind.Value);
        string jsonName = kind switch { IpcObjectKind.SharedMemory => "sharedmemory", IpcObjectKind.MessageQueue => "messages", _ => "semaphores" };
        if (result.GetValue(s_id) is { } idText)
        {
            if (!ArgumentParsers.TryParseId(idText, out int id, out _))
            {
                throw new CliUsageException($"failed to parse IPC identifier: '{idText}'");
            }

            objects = [.. objects.Where(o => o.Id == id)];
            if (objects.Count == 0)
            {
                throw new CliUsageException($"id {id} not found: no {CliErrors.Kind(kind.Value)} has this id ('sysvipc lsipc -{RemoveCommand.Letter(kind.Value)}' lists them)");
            }

            if (mode == LsipcMode.Table && !result.GetValue(s_list))
            {
                // The --id layout prints times in full unless told otherwise, as lsipc does.
                LsipcFormat details = result.GetValue(s_timeFormat) is null ? format with { Time = LsipcTimeFormat.Full } : format;
                LsipcDetails.Write(CommandOutput.Out(result), objects[0], all, details);
                return 0;
            }
        }

        LsipcColumn[] chosen = Select(all, LsipcColumns.Defaults(kind.Value, result.GetValue(s_creator), result.GetValue(s_time)), result);
        table.Write(jsonName, [.. chosen.Select(c => (c.Name, c.Right))], [.. objects.Select(o => chosen.Select(c => c.Value(o, format)).ToArray())]);
        return 0;
    }

    private static LsipcColumn[] Select(LsipcColumn[] all, string[] defaults, ParseResult result)
    {
        if (result.GetValue(s_outputAll))
        {
            return all;
        }

        string? list = result.GetValue(s_output);
        IEnumerable<string> names = list is null ? defaults
            : list.StartsWith('+') ? [.. defaults, .. list[1..].Split(',', StringSplitOptions.RemoveEmptyEntries)]
            : list.Split(',', StringSplitOptions.RemoveEmptyEntries);
        return [.. names.Select(n => all.FirstOrDefault(c => c.Name.Equals(n.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new CliUsageException($"unknown column: {n.Trim()} (these are: {string.Join(",", all.Select(c => c.Name))})"))];
    }

    private static LsipcTimeFormat TimeFormat(string? text) => text switch
    {
        null or "short" => LsipcTimeFormat.Short,
        "full" => LsipcTimeFormat.Full,
        "iso" => LsipcTimeFormat.Iso,
        _ => throw new CliUsageException($"unknown time format: {text} (use short, full or iso)"),
    };
}

/// <summary>lsipc --global: one row per limit, with what is used of it and the percentage.</summary>
internal static class LsipcGlobal
{
    public static IEnumerable<Dictionary<string, string?>> Rows(IpcObjectKind? kind, bool bytes)
    {
        IpcLimits limits = IpcSystem.GetLimits();
        IpcUsage usage = IpcSystem.GetUsage();
        string Size(ulong value) => bytes ? CText.Number(value) : CText.HumanSize(value);
        if (kind is null or IpcObjectKind.MessageQueue)
        {
            yield return Row("MSGMNI", "Number of message queues", CText.Number(limits.MaxQueues), usage.QueueCount, limits.MaxQueues);
            yield return Row("MSGMAX", "Max size of message (bytes)", Size((ulong)limits.MaxMessageSize));
            yield return Row("MSGMNB", "Default max size of queue (bytes)", Size((ulong)limits.MaxQueueBytes));
        }

        if (kind is null or IpcObjectKind.SharedMemory)
        {
            yield return Row("SHMMNI", "Shared memory segments", CText.Number(limits.MaxSegments), usage.SegmentCount, limits.MaxSegments);
            // lsipc counts the pages the segments' sizes make, rounded down, not the kernel's shm_tot.
            ulong pages = (ulong)IpcSystem.ListSharedMemory().Sum(s => s.Size) / (ulong)limits.PageSize;
            yield return Row("SHMALL", "Shared memory pages", CText.Number(limits.MaxTotalSharedMemoryPages), pages, limits.MaxTotalSharedMemoryPages);
            yield return Row("SHMMAX", "Max size of shared memory segment (bytes)", Size(limits.MaxSegmentSize));
            yield return Row("SHMMIN", "Min size of shared memory segment (bytes)", Size(limits.MinSegmentSize));
        }

        if (kind is null or IpcObjectKind.SemaphoreSet)
        {
            yield return Row("SEMMNI", "Number of semaphore identifiers", CText.Number(limits.MaxSemaphoreSets), usage.SemaphoreSetCount, limits.MaxSemaphoreSets);
            yield return Row("SEMMNS", "Total number of semaphores", CText.Number(limits.MaxSemaphoresSystemWide), usage.SemaphoreCount, limits.MaxSemaphoresSystemWide);
            yield return Row("SEMMSL", "Max semaphores per semaphore set.", CText.Number(limits.MaxSemaphoresPerSet));
            yield return Row("SEMOPM", "Max number of operations per semop(2)", CText.Number(limits.MaxOperationsPerCall));
            yield return Row("SEMVMX", "Semaphore max value", CText.Number(limits.MaxSemaphoreValue));
        }
    }

    private static Dictionary<string, string?> Row(string resource, string description, string limit, decimal? used = null, decimal? max = null) => new()
    {
        ["RESOURCE"] = resource,
        ["DESCRIPTION"] = description,
        ["LIMIT"] = limit,
        ["USED"] = used is { } u ? u.ToString(CultureInfo.InvariantCulture) : "-",
        ["USE%"] = used is { } v && max is { } m && m != 0 ? (v / m * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%" : "-",
    };
}

/// <summary>lsipc --id: "Label:" and value, one field per line, then a semaphore set's elements.</summary>
internal static class LsipcDetails
{
    private const int Width = 36;

    public static void Write(TextWriter output, IpcObjectInfo info, LsipcColumn[] columns, LsipcFormat format)
    {
        foreach (LsipcColumn column in columns)
        {
            string? value = column.Value(info, format);
            if (value is null && column.Name is not "STATUS" and not "CUSER" and not "CGROUP" and not "USER" and not "GROUP")
            {
                continue; // lsipc leaves out times never set and a command that is gone
            }

            output.Write((column.Title + ":").PadRight(Width) + CText.SafeEncode(value ?? string.Empty).PadRight(Width) + "\n");
        }

        if (info is SemaphoreSetInfo set)
        {
            output.Write("Elements:\n\n");
            IReadOnlyList<SemaphoreRow> rows = SemaphoreRows.Read(set);
            string[] headers = ["SEMNUM", "VALUE", "NCOUNT", "ZCOUNT", "PID", "COMMAND"];
            List<string[]> cells = [.. rows.Select((r, i) => new[]
            {
                CText.Number(i), CText.Number(r.Value), CText.Number(r.WaitingCount), CText.Number(r.ZeroWaitingCount), CText.Number(r.LastProcessId),
                CText.SafeEncode(IpcSystem.GetProcessCommandLine(r.LastProcessId) ?? string.Empty),
            })];
            int[] widths = [.. headers.Select((h, i) => Math.Max(h.Length, cells.Select(c => c[i].Length).DefaultIfEmpty(0).Max()))];
            // Every header is right-aligned in its column, COMMAND's too (its cells are not), as lsipc prints them.
            output.Write(string.Join(" ", headers.Select((h, i) => h.PadLeft(widths[i]))) + "\n");
            foreach (string[] row in cells)
            {
                output.Write(string.Join(" ", row.Select((c, i) => i < 5 ? c.PadLeft(widths[i]) : c)) + "\n");
            }
        }
    }
}
