namespace SysV.Ipc.Cli.Commands;

/// <summary>
/// <c>sysvipc rm</c>: ipcrm's options, messages and exit code (1 when anything failed; every other
/// argument is still processed), plus --orphans, --key scoping, and --dry-run.
/// </summary>
internal static class RemoveCommand
{
    private static readonly Option<string[]> s_shmId = Repeatable("--shmem-id", "-m", "ID", "Remove the shared memory segment with this id.");
    private static readonly Option<string[]> s_shmKey = Repeatable("--shmem-key", "-M", "KEY", "Remove the shared memory segment with this key.");
    private static readonly Option<string[]> s_queueId = Repeatable("--queue-id", "-q", "ID", "Remove the message queue with this id.");
    private static readonly Option<string[]> s_queueKey = Repeatable("--queue-key", "-Q", "KEY", "Remove the message queue with this key.");
    private static readonly Option<string[]> s_semId = Repeatable("--semaphore-id", "-s", "ID", "Remove the semaphore set with this id.");
    private static readonly Option<string[]> s_semKey = Repeatable("--semaphore-key", "-S", "KEY", "Remove the semaphore set with this key.");

    private static readonly Option<string?> s_all = new("--all", "-a")
    {
        Description = "Remove every object this user may remove (others' are skipped), or only those of one kind: the value is optional (--all, --all=shm, --all=msg, --all=sem); --key narrows it.",
        Arity = ArgumentArity.ZeroOrOne,
        HelpName = "[shm|msg|sem]",
    };

    private static readonly Option<bool> s_orphans = new("--orphans")
    {
        Description = "Remove the orphans 'sysvipc ls --orphans' lists: objects no running process created or uses (segment: nothing attached, creator and last user gone; queue and semaphore set: last users gone, idle for --idle seconds) "
            + "that hold no data. Never by default: a SharedStruct area or channel, a segment whose pages were written, a queue with messages, a semaphore set with a value other than 0 (an IpcMutex); those are reported as kept. --key narrows it.",
    };

    internal static readonly Option<bool> s_includeNonEmpty = new("--include-nonempty") { Description = "With --orphans, also take orphans that hold data (areas, channels, written segments, queues with messages, semaphore sets with values)." };
    private static readonly Option<bool> s_dryRun = new("--dry-run", "-n") { Description = "Say what would be removed; remove nothing." };
    private static readonly Option<bool> s_verbose = new("--verbose", "-v") { Description = "Say what is being removed." };

    public static Command Create()
    {
        var command = new Command("rm", "Remove System V IPC objects by id or key, all of them, or only the orphans. Messages and exit codes as ipcrm's.")
        {
            s_shmId, s_shmKey, s_queueId, s_queueKey, s_semId, s_semKey, s_all, s_orphans, s_includeNonEmpty, ListCommand.s_idle, ListCommand.s_keys, s_dryRun, s_verbose,
        };
        command.SetAction(Run);
        HelpExamples.Register(command, """
              sysvipc rm -m 7 -m 8             # two segments by id (ipcrm -m 7 -m 8)
              sysvipc rm -M 0x1a2b3c4d         # a segment by key (ipcrm -M 0x1a2b3c4d)
              sysvipc rm -q 4 -S 0x6fbc2d40    # a queue by id and a semaphore set by key
              sysvipc rm --orphans --dry-run   # what nobody owns any more, without removing it
              sysvipc rm --orphans -v          # remove it, saying what
              sysvipc rm --all=shm --key 0x7e00abcd --key 0x7e00abce
            """);
        return command;
    }

    private static Option<string[]> Repeatable(string name, string alias, string helpName, string description) => new(name, alias)
    {
        Description = description + " Repeatable.",
        HelpName = helpName,
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
        DefaultValueFactory = _ => [], // as ListCommand's --key: not System.CommandLine's reflection-made empty array
    };

    private static int Run(ParseResult result)
    {
        string? allText = result.GetResult(s_all) is null ? null : result.GetValue(s_all) ?? string.Empty;
        IpcObjectKind[]? allKinds = allText switch
        {
            null => null,
            "" => [IpcObjectKind.SharedMemory, IpcObjectKind.SemaphoreSet, IpcObjectKind.MessageQueue],
            "shm" => [IpcObjectKind.SharedMemory],
            "msg" => [IpcObjectKind.MessageQueue],
            "sem" => [IpcObjectKind.SemaphoreSet],
            _ => throw new CliUsageException($"unknown argument: {allText} (--all takes shm, msg or sem)"),
        };
        bool orphans = result.GetValue(s_orphans);
        TimeSpan idle = ListCommand.IdleTime(result);
        Func<IpcObjectInfo, bool> inScope = ListCommand.Filter(result.GetValue(ListCommand.s_keys), orphans: false, idle);

        IReadOnlyList<(Option Option, string Value)> items = TokenOrder.Values(result, s_shmId, s_shmKey, s_queueId, s_queueKey, s_semId, s_semKey);
        if (items.Count == 0 && allKinds is null && !orphans)
        {
            throw new CliUsageException("nothing to remove: give -m/-q/-s ID, -M/-Q/-S KEY, --all or --orphans (see 'sysvipc rm --help')");
        }

        var remover = new Remover(result, result.GetValue(s_dryRun), result.GetValue(s_verbose));
        foreach ((Option option, string value) in items)
        {
            IpcObjectKind kind = option == s_shmId || option == s_shmKey ? IpcObjectKind.SharedMemory
                : option == s_queueId || option == s_queueKey ? IpcObjectKind.MessageQueue
                : IpcObjectKind.SemaphoreSet;
            if (option == s_shmKey || option == s_queueKey || option == s_semKey)
            {
                remover.RemoveByKey(kind, value);
            }
            else
            {
                remover.RemoveById(kind, value);
            }
        }

        foreach (IpcObjectKind kind in allKinds ?? [])
        {
            foreach (IpcObjectInfo o in List(kind).Where(inScope).Where(Removability.CanRemove))
            {
                remover.Remove(o.Kind, o.Id, null);
            }
        }

        if (orphans)
        {
            bool includeNonEmpty = result.GetValue(s_includeNonEmpty);
            foreach (IpcObjectInfo o in IpcSystem.ListAll().Where(inScope).Where(Removability.CanRemove))
            {
                OrphanVerdict verdict = OrphanRules.Judge(o, idle);
                if (verdict.IsProposed(includeNonEmpty))
                {
                    remover.Remove(o.Kind, o.Id, null);
                }
                else if (verdict.Abandoned)
                {
                    remover.Keep(o, verdict.Contents!);
                }
            }
        }

        return remover.Failures == 0 ? 0 : 1;
    }

    internal static char Letter(IpcObjectKind kind) => kind switch { IpcObjectKind.SharedMemory => 'm', IpcObjectKind.MessageQueue => 'q', _ => 's' };

    internal static IReadOnlyList<IpcObjectInfo> List(IpcObjectKind kind) => kind switch
    {
        IpcObjectKind.SharedMemory => IpcSystem.ListSharedMemory(),
        IpcObjectKind.MessageQueue => IpcSystem.ListMessageQueues(),
        _ => IpcSystem.ListSemaphoreSets(),
    };

    /// <summary>Removes one object at a time and reports each failure as ipcrm does, counting them.</summary>
    private sealed class Remover(ParseResult result, bool dryRun, bool verbose)
    {
        public int Failures { get; private set; }

        public void RemoveById(IpcObjectKind kind, string text)
        {
            if (!ArgumentParsers.TryParseId(text, out int id, out string error))
            {
                Fail(error);
                return;
            }

            Remove(kind, id, null);
        }

        public void RemoveByKey(IpcObjectKind kind, string text)
        {
            if (!ArgumentParsers.TryParseKey(text, out IpcKey key, out string error))
            {
                Fail(error);
                return;
            }

            if (key.IsPrivate)
            {
                Fail($"illegal key ({text})");
                return;
            }

            IpcObjectInfo? match = List(kind).FirstOrDefault(o => o.Key == key);
            if (match is null)
            {
                Fail($"no {CliErrors.Kind(kind)} has key {key} ('sysvipc ls -{Letter(kind)}' lists them)");
                return;
            }

            Remove(kind, match.Id, text);
        }

        public void Remove(IpcObjectKind kind, int id, string? keyText)
        {
            string what = kind switch
            {
                IpcObjectKind.SharedMemory => "shared memory segment",
                IpcObjectKind.MessageQueue => "message queue",
                _ => "semaphore",
            };
            string idText = CText.Number(id);
            if (dryRun)
            {
                IpcObjectInfo? info = List(kind).FirstOrDefault(o => o.Id == id);
                if (info is null)
                {
                    Fail($"invalid id ({idText})");
                    return;
                }

                if (!Removability.CanRemove(info))
                {
                    Fail(Denied(kind, id, keyText));
                    return;
                }

                CommandOutput.Out(result).Write($"would remove {what} id `{idText}' (key {info.Key})\n");
                return;
            }

            if (verbose)
            {
                CommandOutput.Out(result).Write($"removing {what} id `{idText}'\n");
            }

            try
            {
                if (!IpcSystem.TryRemove(kind, id))
                {
                    Fail(keyText is null ? $"invalid id ({idText})" : $"no {CliErrors.Kind(kind)} has key {keyText} any more (removed meanwhile)");
                }
            }
            catch (IpcPermissionDeniedException)
            {
                Fail(Denied(kind, id, keyText));
            }
        }

        /// <summary>An abandoned object --orphans leaves alone because it holds data: said in a dry run and with -v.</summary>
        public void Keep(IpcObjectInfo info, string contents)
        {
            if (dryRun || verbose)
            {
                CommandOutput.Out(result).Write($"keeping {CliErrors.Kind(info.Kind)} id `{CText.Number(info.Id)}' (key {info.Key}): it holds {contents} (--include-nonempty removes it)\n");
            }
        }

        /// <summary>ipcrm's "permission denied for id (5)", then the kind and whose it is.</summary>
        private static string Denied(IpcObjectKind kind, int id, string? keyText)
        {
            string head = keyText is null ? $"permission denied for id ({CText.Number(id)})" : $"permission denied for key ({keyText})";
            IpcObjectInfo? info = List(kind).FirstOrDefault(o => o.Id == id);
            return info is null
                ? $"{head}: {CliErrors.Kind(kind)} {CText.Number(id)}"
                : $"{head}: {CliErrors.Kind(kind)} {CText.Number(id)}: {Removability.WhyNot(info)}";
        }

        private void Fail(string message)
        {
            Failures++;
            CommandOutput.Fail(result, message);
        }
    }
}
