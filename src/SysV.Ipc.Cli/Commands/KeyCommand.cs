namespace SysV.Ipc.Cli.Commands;

/// <summary><c>sysvipc key PATH [--proj N]</c>: the key glibc's ftok computes, printed as ipcs prints keys.</summary>
internal static class KeyCommand
{
    private static readonly Option<string> s_proj = new("--proj") { Description = "The ftok project id: 1 to 255 or one character (default 1). ftok(3) says it must not be 0.", HelpName = "N" };

    private static readonly Argument<string> s_path = new("PATH") { Description = "An existing file or directory every party can see." };

    public static Command Create()
    {
        var command = new Command("key", "Print the key ftok(PATH, PROJ) gives, as ipcs prints keys (0x%08x). The file must exist.")
        {
            s_path, s_proj,
        };
        command.SetAction(Run);
        HelpExamples.Register(command, """
              sysvipc key /tmp/app             # ftok("/tmp/app", 1)
              sysvipc key /tmp/app --proj 2    # ftok("/tmp/app", 2)
              sysvipc key . --proj A           # ftok(".", 'A')
              sysvipc ls -m --key "$(sysvipc key /tmp/app)"
            """);
        return command;
    }

    private static int Run(ParseResult result)
    {
        string path = result.GetValue(s_path)!;
        string? proj = result.GetValue(s_proj);
        IpcKey key = IpcKey.FromFile(path, proj is null ? (byte)1 : ProjectId(result, proj));
        CommandOutput.Out(result).Write(key + "\n");
        return 0;
    }

    /// <summary>The project id, with a warning on stderr for 0 (ftok(3): "proj_id must be nonzero"; glibc computes a key anyway).</summary>
    internal static byte ProjectId(ParseResult result, string text)
    {
        byte id = ArgumentParsers.ParseProjectId(text);
        if (id == 0)
        {
            CommandOutput.Fail(result, "warning: --proj 0: ftok(3) requires a nonzero project id; glibc computes a key anyway, but other implementations may not agree on it");
        }

        return id;
    }
}
