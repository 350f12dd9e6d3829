namespace SysV.Ipc.Cli.Commands;

/// <summary>
/// <c>sysvipc ls</c> (also <c>sysvipc ipcs</c>): the listing of <c>ipcs</c>, same blocks, columns and
/// options, plus --json, --orphans, --key and --command.
/// </summary>
internal static class ListCommand
{
    internal static readonly Option<bool> s_shm = new("--shmems", "-m") { Description = "Shared memory segments." };
    internal static readonly Option<bool> s_queues = new("--queues", "-q") { Description = "Message queues." };
    internal static readonly Option<bool> s_semaphores = new("--semaphores", "-s") { Description = "Semaphore sets." };
    private static readonly Option<bool> s_all = new("--all", "-a") { Description = "All three kinds (the default)." };
    private static readonly Option<bool> s_time = new("--time", "-t") { Description = "Attach, detach, send, receive, operation and change times." };
    private static readonly Option<bool> s_pid = new("--pid", "-p") { Description = "Creator and last-operation pids." };
    private static readonly Option<bool> s_creator = new("--creator", "-c") { Description = "Creator and owner." };
    private static readonly Option<bool> s_limits = new("--limits", "-l") { Description = "System limits." };
    private static readonly Option<bool> s_summary = new("--summary", "-u") { Description = "What is in use now." };
    internal static readonly Option<bool> s_human = new("--human") { Description = "Sizes in human-readable form (64K, 1.4M)." };
    internal static readonly Option<bool> s_bytes = new("--bytes", "-b") { Description = "Sizes in bytes." };
    private static readonly Option<string> s_id = new("--id", "-i") { Description = "Every field of one object (with exactly one of -m, -q, -s); same as 'sysvipc show'.", HelpName = "ID" };
    internal static readonly Option<bool> s_json = new("--json", "-J") { Description = "JSON: lower-case field names, real numbers, booleans and nulls, times in ISO 8601 UTC." };
    private static readonly Option<bool> s_orphans = new("--orphans") { Description = "Only orphans: segments nobody attaches whose creator and last user are gone; queues and semaphore sets no running process used, idle for --idle seconds; and of those only the ones that hold no data unless --include-nonempty (see 'sysvipc rm --help' and docs/cli.md)." };
    internal static readonly Option<int> s_idle = new("--idle")
    {
        Description = "Seconds a queue or semaphore set must have been untouched to count as an orphan.",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => (int)IpcSystem.DefaultOrphanIdleTime.TotalSeconds,
    };

    internal static readonly Option<string[]> s_keys = new("--key")
    {
        Description = "Only objects with this key (repeatable).",
        HelpName = "KEY",
        Arity = ArgumentArity.OneOrMore,
        DefaultValueFactory = _ => [], // System.CommandLine's own default, an empty array, is made by reflection: slow in the native tool
    };

    private static readonly Option<bool> s_command = new("--command") { Description = "Add the creating process's command line to the segment rows, where it still runs (like lsipc's COMMAND)." };

    public static Command Create()
    {
        var command = new Command("ls", "List System V IPC objects exactly as ipcs does (same blocks, columns and widths), with JSON and orphan detection on top.")
        {
            s_shm, s_queues, s_semaphores, s_all, s_time, s_pid, s_creator, s_limits, s_summary, s_human, s_bytes, s_id,
            s_json, s_orphans, RemoveCommand.s_includeNonEmpty, s_idle, s_keys, s_command,
        };
        command.Aliases.Add("ipcs");
        command.SetAction(Run);
        HelpExamples.Register(command, """
              sysvipc ls                       # like ipcs: queues, segments, semaphore arrays
              sysvipc ls -m -p                 # segments with creator and last pids (ipcs -m -p)
              sysvipc ls -t                    # times, in local time (TZ applies)
              sysvipc ls -l --human            # limits, sizes as 16E, 8K
              sysvipc ls --orphans             # only what no running process owns
              sysvipc ls -m --command          # segments with their creator's command line
              sysvipc ls --json | jq '.shared_memory[] | select(.attach_count == 0)'
              sysvipc ls -m -i 7               # every field of segment 7 (ipcs -m -i 7)
            """);
        return command;
    }

    private static int Run(ParseResult result)
    {
        bool shm = result.GetValue(s_shm);
        bool msg = result.GetValue(s_queues);
        bool sem = result.GetValue(s_semaphores);
        SizeUnit unit = Unit(result);

        if (result.GetValue(s_id) is { } idText)
        {
            if ((shm ? 1 : 0) + (msg ? 1 : 0) + (sem ? 1 : 0) != 1)
            {
                throw new CliUsageException("when using an ID, a single resource must be specified (-m, -q or -s)");
            }

            if (!ArgumentParsers.TryParseId(idText, out int id, out _))
            {
                throw new CliUsageException($"failed to parse id argument: '{idText}'");
            }

            IpcObjectKind kind = shm ? IpcObjectKind.SharedMemory : msg ? IpcObjectKind.MessageQueue : IpcObjectKind.SemaphoreSet;
            return ShowCommand.Show(result, kind, id, unit, result.GetValue(s_json));
        }

        if (result.GetValue(s_all) || (!shm && !msg && !sem))
        {
            shm = msg = sem = true;
        }

        ListFormat format = Format(result);
        TextWriter output = CommandOutput.Out(result);
        TimeSpan idle = IdleTime(result);
        Func<IpcObjectInfo, bool> filter = Filter(result.GetValue(s_keys), result.GetValue(s_orphans), idle, result.GetValue(RemoveCommand.s_includeNonEmpty));

        if (result.GetValue(s_json))
        {
            switch (format)
            {
                case ListFormat.Limits:
                    JsonOutput.WriteLimits(output, IpcSystem.GetLimits());
                    break;
                case ListFormat.Summary:
                    JsonOutput.WriteUsage(output, IpcSystem.GetUsage());
                    break;
                default:
                    JsonOutput.WriteListing(
                        output,
                        msg ? Rows(IpcSystem.ListMessageQueues(), filter) : null,
                        shm ? Rows(IpcSystem.ListSharedMemory(), filter) : null,
                        sem ? Rows(IpcSystem.ListSemaphoreSets(), filter) : null,
                        idle);
                    break;
            }

            return 0;
        }

        bool listsRows = format is not (ListFormat.Limits or ListFormat.Summary);
        var listing = new IpcsListing(output, format, unit, result.GetValue(s_command));
        output.Write("\n");
        if (msg)
        {
            listing.WriteQueues(listsRows ? Rows(IpcSystem.ListMessageQueues(), filter) : []);
            output.Write("\n");
        }

        if (shm)
        {
            listing.WriteSegments(listsRows ? Rows(IpcSystem.ListSharedMemory(), filter) : []);
            output.Write("\n");
        }

        if (sem)
        {
            listing.WriteSemaphoreSets(listsRows ? Rows(IpcSystem.ListSemaphoreSets(), filter) : []);
            output.Write("\n");
        }

        return 0;
    }

    private static List<T> Rows<T>(IEnumerable<T> objects, Func<IpcObjectInfo, bool> filter)
        where T : IpcObjectInfo
        => [.. objects.Where(o => filter(o))];

    internal static SizeUnit Unit(ParseResult result)
    {
        Option? last = TokenOrder.Last(result, s_human, s_bytes);
        return last == s_human ? SizeUnit.Human : last == s_bytes ? SizeUnit.Bytes : SizeUnit.Default;
    }

    internal static TimeSpan IdleTime(ParseResult result)
    {
        int seconds = result.GetValue(s_idle);
        return seconds >= 0
            ? TimeSpan.FromSeconds(seconds)
            : throw new CliUsageException($"invalid --idle value {seconds}: give a number of seconds, 0 or more");
    }

    /// <summary>The --key and --orphans filters; keys are checked before anything is read.</summary>
    internal static Func<IpcObjectInfo, bool> Filter(string[]? keyTexts, bool orphans, TimeSpan idle, bool includeNonEmpty = false)
    {
        HashSet<IpcKey> keys = [.. (keyTexts ?? []).Select(ArgumentParsers.ParseKey)];
        return o => (keys.Count == 0 || keys.Contains(o.Key)) && (!orphans || OrphanRules.Judge(o, idle).IsProposed(includeNonEmpty));
    }

    private static ListFormat Format(ParseResult result)
    {
        Option? last = TokenOrder.Last(result, s_time, s_pid, s_creator, s_limits, s_summary);
        return last == s_time ? ListFormat.Time
            : last == s_pid ? ListFormat.Pid
            : last == s_creator ? ListFormat.Creator
            : last == s_limits ? ListFormat.Limits
            : last == s_summary ? ListFormat.Summary
            : ListFormat.Default;
    }
}
