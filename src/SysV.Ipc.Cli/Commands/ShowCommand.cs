namespace SysV.Ipc.Cli.Commands;

/// <summary><c>sysvipc show -m|-q|-s ID</c>: every field of one object, as <c>ipcs -m|-q|-s -i ID</c> prints it.</summary>
internal static class ShowCommand
{
    private static readonly Argument<string> s_id = new("ID") { Description = "The object's id (shmid, msqid or semid, as 'sysvipc ls' lists it)." };

    public static Command Create()
    {
        var command = new Command("show", "Every field of one object, exactly as 'ipcs -m|-q|-s -i ID' prints it (times in local time, and for a semaphore set each semaphore's value, ncount, zcount and pid); then, for a segment holding a SharedStruct area or a channel, what its header says (layout, state, creator; mode, capacity, what waits, each reader and writer). 'sysvipc lsipc -m|-q|-s -i ID' gives lsipc's layout.")
        {
            ListCommand.s_shm, ListCommand.s_queues, ListCommand.s_semaphores, ListCommand.s_human, ListCommand.s_bytes, ListCommand.s_json, s_id,
        };
        s_id.CompletionSources.Add(context =>
        {
            // The ids of existing objects of the kind already given (-m, -q or -s), for Tab completion.
            ParseResult parsed = context.ParseResult;
            IEnumerable<IpcObjectInfo> objects = parsed.GetValue(ListCommand.s_shm) ? IpcSystem.ListSharedMemory()
                : parsed.GetValue(ListCommand.s_queues) ? IpcSystem.ListMessageQueues()
                : parsed.GetValue(ListCommand.s_semaphores) ? IpcSystem.ListSemaphoreSets()
                : IpcSystem.ListAll();
            return objects.Select(o => o.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).Distinct();
        });
        command.SetAction(Run);
        HelpExamples.Register(command, """
              sysvipc show -m 7                # ipcs -m -i 7
              sysvipc show -s 2                # values, ncount, zcount and pid of each semaphore
              sysvipc show -q 4 --human        # sizes as 16K
              sysvipc show -m 7 --json         # the same fields as JSON, with the creator's command line
              sysvipc show -m 9                # a channel: mode, capacity, messages waiting, reader and writers
              sysvipc lsipc -s -i 2            # lsipc's layout: field per line, then SEMNUM VALUE NCOUNT ZCOUNT PID COMMAND
            """);
        return command;
    }

    private static int Run(ParseResult result)
    {
        bool shm = result.GetValue(ListCommand.s_shm);
        bool msg = result.GetValue(ListCommand.s_queues);
        bool sem = result.GetValue(ListCommand.s_semaphores);
        if ((shm ? 1 : 0) + (msg ? 1 : 0) + (sem ? 1 : 0) != 1)
        {
            throw new CliUsageException("say which kind of object: exactly one of -m (segment), -q (queue) or -s (semaphore set)");
        }

        string idText = result.GetValue(s_id)!;
        if (!ArgumentParsers.TryParseId(idText, out int id, out _))
        {
            throw new CliUsageException($"failed to parse id argument: '{idText}'");
        }

        IpcObjectKind kind = shm ? IpcObjectKind.SharedMemory : msg ? IpcObjectKind.MessageQueue : IpcObjectKind.SemaphoreSet;
        return Show(result, kind, id, ListCommand.Unit(result), result.GetValue(ListCommand.s_json));
    }

    internal static int Show(ParseResult result, IpcObjectKind kind, int id, SizeUnit unit, bool json)
    {
        TextWriter output = CommandOutput.Out(result);
        IpcObjectInfo? info = kind switch
        {
            IpcObjectKind.SharedMemory => IpcSystem.ListSharedMemory().FirstOrDefault(o => o.Id == id),
            IpcObjectKind.MessageQueue => IpcSystem.ListMessageQueues().FirstOrDefault(o => o.Id == id),
            _ => IpcSystem.ListSemaphoreSets().FirstOrDefault(o => o.Id == id),
        };
        if (info is null)
        {
            string what = kind switch
            {
                IpcObjectKind.SharedMemory => "shared memory segment",
                IpcObjectKind.MessageQueue => "message queue",
                _ => "semaphore set",
            };
            char flag = kind switch { IpcObjectKind.SharedMemory => 'm', IpcObjectKind.MessageQueue => 'q', _ => 's' };
            throw new CliUsageException($"id {id} not found: no {what} has this id ('sysvipc ls -{flag}' lists them)");
        }

        IReadOnlyList<SemaphoreRow>? semaphores = info is SemaphoreSetInfo set ? SemaphoreRows.Read(set) : null;

        // The library's own header, read after the kernel's fields (attaching changes nattch, lpid, atime).
        LibraryContents? contents = info is SharedMemoryInfo segment ? LibraryObjects.Read(segment) : null;
        if (json)
        {
            JsonOutput.WriteDetails(output, info, semaphores, IpcSystem.DefaultOrphanIdleTime, contents);
            return 0;
        }

        switch (info)
        {
            case SharedMemoryInfo s:
                IpcsDetails.WriteSegment(output, s, unit);
                if (contents is not null)
                {
                    LibraryObjects.WriteText(output, contents);
                }

                break;
            case MessageQueueInfo q:
                IpcsDetails.WriteQueue(output, q, unit);
                break;
            case SemaphoreSetInfo s:
                IpcsDetails.WriteSemaphoreSet(output, s, semaphores!);
                break;
        }

        return 0;
    }
}
