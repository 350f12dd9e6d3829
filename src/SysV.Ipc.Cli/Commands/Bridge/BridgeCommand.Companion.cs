using System.Runtime.InteropServices;

namespace SysV.Ipc.Cli.Commands.Bridge;

/// <summary>
/// The native tool's bridge: <c>sysvipc-bridge</c>, the companion executable installed beside this one (the
/// same tool with the NATS bridge compiled in), replaces this process with the same arguments. execv keeps
/// the pid, the standard streams, the environment and the signal dispositions, which systemd and scripts
/// that signal the bridge rely on. The arguments were parsed here, so help and usage errors are this tool's;
/// the companion parses them again with the same command and runs the bridge.
/// </summary>
internal static partial class BridgeCommand
{
    /// <summary>The companion executable's file name, beside the native tool's.</summary>
    internal const string CompanionName = "sysvipc-bridge";

    private const int ENOENT = 2;

    private static partial Task<int> RunOutAsync(ParseResult result) => Task.FromResult(RunCompanion(result));

    private static partial Task<int> RunInAsync(ParseResult result) => Task.FromResult(RunCompanion(result));

    private static unsafe int RunCompanion(ParseResult result)
    {
        string companion = Path.Combine(AppContext.BaseDirectory, CompanionName);
        string[] arguments = [companion, .. Environment.GetCommandLineArgs().AsSpan(1)];
        nint* argv = stackalloc nint[arguments.Length + 1];
        for (int i = 0; i < arguments.Length; i++)
        {
            argv[i] = Marshal.StringToCoTaskMemUTF8(arguments[i]);
        }

        argv[arguments.Length] = 0;
        _ = execv(argv[0], argv);
        int errno = Marshal.GetLastPInvokeError(); // execv returns only when it failed
        for (int i = 0; i < arguments.Length; i++)
        {
            Marshal.FreeCoTaskMem(argv[i]);
        }

        CommandOutput.Fail(result, errno == ENOENT
            ? $"bridge: {companion} is missing: the native tool runs its bridges in that executable, installed beside it; reinstall the tool (dotnet tool update SysV.Ipc.Cli)"
            : $"bridge: cannot run {companion}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        return 1;
    }

    [LibraryImport("libc", EntryPoint = "execv", SetLastError = true)]
    private static unsafe partial int execv(nint path, nint* argv);
}
