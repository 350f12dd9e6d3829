namespace SysV.Ipc.Cli.Commands;

/// <summary><c>sysvipc dump -m ID [--offset N] [--length N]</c>: a hexdump of a segment, attached read-only.</summary>
internal static class DumpCommand
{
    private static readonly Option<string> s_segment = new("--shmem-id", "-m") { Description = "The segment's id (shmid, as 'sysvipc ls -m' lists it).", HelpName = "ID", Required = true };
    private static readonly Option<string> s_offset = new("--offset", "-o") { Description = "Start this many bytes in (K, M suffixes; default 0).", HelpName = "N" };
    private static readonly Option<string> s_length = new("--length", "-l") { Description = "Dump this many bytes (K, M suffixes; default: to the end, at most 64K unless given). Repeated lines fold into '*', as in hexdump -C.", HelpName = "N" };

    public static Command Create()
    {
        var command = new Command("dump", "Hexdump a shared memory segment (hexdump -C's layout), attaching it read-only: nothing is written. Needs read permission.")
        {
            s_segment, s_offset, s_length,
        };
        command.SetAction(Run);
        HelpExamples.Register(command, """
              sysvipc dump -m 7                          # the first 64 KiB of segment 7
              sysvipc dump -m 7 --offset 4096 --length 256
              sysvipc dump -m 7 --length 1M > seg7.txt
            """);
        return command;
    }

    private static int Run(ParseResult result)
    {
        string idText = result.GetValue(s_segment)!;
        if (!ArgumentParsers.TryParseId(idText, out int id, out string error))
        {
            throw new CliUsageException(error);
        }

        SharedMemoryInfo info = IpcSystem.ListSharedMemory().FirstOrDefault(s => s.Id == id)
            ?? throw new CliUsageException($"id {id} not found: no shared memory segment has this id ('sysvipc ls -m' lists them)");
        long offset = result.GetValue(s_offset) is { } o ? (o.Trim() == "0" ? 0 : ArgumentParsers.ParseSize(o)) : 0;
        if (offset > info.Size)
        {
            throw new CliUsageException($"--offset {offset} is past the end of segment {id} ({info.Size} bytes)");
        }

        long length = result.GetValue(s_length) is { } l ? ArgumentParsers.ParseSize(l) : Math.Min(info.Size - offset, 64 * 1024);
        length = Math.Min(length, info.Size - offset);

        using SharedMemorySegment segment = SharedMemorySegment.OpenById(id);
        using SharedMemoryAttachment view = segment.Attach(SharedMemoryAccess.ReadOnly);
        long end = Math.Min(offset + length, view.Length);
        if (end - offset > int.MaxValue)
        {
            throw new CliUsageException($"--length {end - offset} is more than one dump takes (2 GiB): dump it in parts with --offset");
        }

        Hexdump.Write(CommandOutput.Out(result), view.GetReadOnlySpan(offset, (int)(end - offset)), offset);
        return 0;
    }
}
