namespace SysV.Ipc.Cli.Commands;

/// <summary>
/// <c>sysvipc mk</c>: creates objects like <c>ipcmk</c>, but always exclusively (an existing object with the
/// key is an error, never silently reused), with mode 0600 unless told otherwise, and with a chosen key
/// (--key, or ftok with --file and --proj) or, like ipcmk, a random one.
/// </summary>
internal static class MakeCommand
{
    private const int RandomKeyAttempts = 16;

    private static readonly Option<string> s_shm = new("--shmem", "-M") { Description = "Create a shared memory segment of SIZE bytes (K, M, G suffixes: 64K, 1M).", HelpName = "SIZE" };
    private static readonly Option<bool> s_queue = new("--queue", "-Q") { Description = "Create a message queue." };
    private static readonly Option<string> s_semaphores = new("--semaphore", "-S") { Description = "Create a semaphore set of N semaphores.", HelpName = "N" };
    private static readonly Option<string> s_mode = new("--mode", "-p") { Description = "Permission bits in octal (default 0600: only the owner; ipcmk's default is 0644).", HelpName = "MODE" };
    private static readonly Option<string> s_key = new("--key") { Description = "The key (0x1a2b3c4d or decimal; 0 is IPC_PRIVATE). Default: a random key, like ipcmk.", HelpName = "KEY" };
    internal static readonly Option<string> s_file = new("--file") { Description = "Derive the key from this existing file with ftok (like the C programs that share it).", HelpName = "PATH" };
    internal static readonly Option<string> s_proj = new("--proj") { Description = "The ftok project id for --file: 1 to 255 or one character (default 1).", HelpName = "N" };

    public static Command Create()
    {
        var command = new Command("mk", "Create System V IPC objects, like ipcmk but exclusive (never reusing an existing object) and 0600 by default. Prints each id and key.")
        {
            s_shm, s_queue, s_semaphores, s_mode, s_key, s_file, s_proj,
        };
        command.SetAction(Run);
        HelpExamples.Register(command, """
              sysvipc mk -M 64K                # a 65536-byte segment with a random key (ipcmk -M 64K)
              sysvipc mk -Q -p 0660            # a queue the owner's group may use too
              sysvipc mk -S 3 --key 0x1234     # three semaphores with key 0x00001234
              sysvipc mk -M 1M --file /tmp/app --proj 1   # key = ftok("/tmp/app", 1), as a C peer computes it
            """);
        return command;
    }

    private static int Run(ParseResult result)
    {
        string? sizeText = result.GetValue(s_shm);
        string? countText = result.GetValue(s_semaphores);
        bool queue = result.GetValue(s_queue);
        if (sizeText is null && countText is null && !queue)
        {
            throw new CliUsageException("nothing to create: give -M SIZE, -Q or -S N (see 'sysvipc mk --help')");
        }

        long size = sizeText is null ? 0 : ArgumentParsers.ParseSize(sizeText);
        int count = countText is null ? 0 : ArgumentParsers.ParseCount(countText);
        if (countText is not null && IpcSystem.GetLimits().MaxSemaphoresPerSet is var semmsl && count > semmsl)
        {
            throw new CliUsageException($"cannot create a set of {count} semaphores: this system allows at most {semmsl} per set (SEMMSL, the first field of /proc/sys/kernel/sem; sysctl kernel.sem)");
        }
        UnixFileMode mode = result.GetValue(s_mode) is { } modeText
            ? ArgumentParsers.ParseMode(modeText)
            : UnixFileMode.UserRead | UnixFileMode.UserWrite;
        IpcKey? key = ChosenKey(result);
        TextWriter output = CommandOutput.Out(result);

        if (sizeText is not null)
        {
            (int id, IpcKey k) = (0, default);
            try
            {
                (id, k) = CreateWithKey(key, k =>
                {
                    using SharedMemorySegment segment = SharedMemorySegment.Create(k, size, new() { Permissions = mode });
                    return (segment.Id, segment.Key);
                });
            }
            catch (IpcLimitExceededException e)
            {
                throw new CliUsageException(SegmentLimitMessage(e, sizeText, size, key));
            }

            output.Write($"Shared memory id: {CText.Number(id)} key: {k}\n");
        }

        if (queue)
        {
            var (id, k) = CreateWithKey(key, k => IpcCreation.CreateQueue(k, mode));
            output.Write($"Message queue id: {CText.Number(id)} key: {k}\n");
        }

        if (countText is not null)
        {
            var (id, k) = CreateWithKey(key, k => IpcCreation.CreateSemaphoreSet(k, count, mode));
            output.Write($"Semaphore id: {CText.Number(id)} key: {k}\n");
        }

        return 0;
    }

    /// <summary>Which limit refused a segment, in the user's terms: the size asked for, the key only if they chose it.</summary>
    private static string SegmentLimitMessage(IpcLimitExceededException e, string sizeText, long size, IpcKey? chosenKey)
    {
        string what = $"cannot create a shared memory segment of {sizeText} ({size} bytes){(chosenKey is { } k ? $" with key {k}" : string.Empty)}";
        const int ENOMEM = 12;
        if (e.ErrorNumber == ENOMEM)
        {
            return $"{what}: the kernel has not enough memory to reserve it (shmget: Cannot allocate memory). {MemoryFacts()} Ask for less, or free memory";
        }

        IpcLimits limits = IpcSystem.GetLimits();
        return $"{what}: a system limit is reached ({e.Message.Split(" (", 2)[0]}): at most {limits.MaxSegments} segments (kernel.shmmni) and {limits.MaxTotalSharedMemoryPages} pages of {limits.PageSize} bytes in all (kernel.shmall); 'sysvipc ls -u' shows what is in use";
    }

    private static string MemoryFacts()
    {
        try
        {
            Dictionary<string, long> info = File.ReadLines("/proc/meminfo")
                .Select(l => l.Split(':', 2))
                .Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => long.TryParse(p[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out long kb) ? kb * 1024 : 0);
            string policy = File.ReadAllText("/proc/sys/vm/overcommit_memory").Trim();
            return $"This machine has {CText.HumanSize((ulong)info.GetValueOrDefault("MemTotal"))} of memory ({CText.HumanSize((ulong)info.GetValueOrDefault("MemAvailable"))} available) and {CText.HumanSize((ulong)info.GetValueOrDefault("SwapTotal"))} of swap; vm.overcommit_memory is {policy}.";
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    /// <summary>The key from --key or --file/--proj; null for "pick a random one".</summary>
    internal static IpcKey? ChosenKey(ParseResult result)
    {
        string? keyText = result.GetValue(s_key);
        string? file = result.GetValue(s_file);
        string? proj = result.GetValue(s_proj);
        if (keyText is not null && file is not null)
        {
            throw new CliUsageException("give either --key or --file, not both");
        }

        if (proj is not null && file is null)
        {
            throw new CliUsageException("--proj needs --file (it is the second argument of ftok)");
        }

        if (keyText is not null)
        {
            return ArgumentParsers.ParseKey(keyText);
        }

        return file is null ? null : IpcKey.FromFile(file, proj is null ? (byte)1 : KeyCommand.ProjectId(result, proj));
    }

    /// <summary>Creates with the given key, or with random keys (never IPC_PRIVATE) until one is free.</summary>
    private static (int Id, IpcKey Key) CreateWithKey(IpcKey? key, Func<IpcKey, (int Id, IpcKey Key)> create)
    {
        if (key is { } chosen)
        {
            return create(chosen);
        }

        for (int attempt = 1; ; attempt++)
        {
            int value;
            do
            {
                value = Random.Shared.Next(int.MinValue, int.MaxValue);
            }
            while (value == 0);

            try
            {
                return create(new IpcKey(value));
            }
            catch (IpcObjectExistsException) when (attempt < RandomKeyAttempts)
            {
            }
        }
    }
}
