namespace SysV.Ipc.Cli.Commands;

/// <summary>The writers an action prints to: those of the invocation, so tests capture them.</summary>
internal static class CommandOutput
{
    public static TextWriter Out(ParseResult result) => result.InvocationConfiguration.Output;

    public static TextWriter Error(ParseResult result) => result.InvocationConfiguration.Error;

    /// <summary>One line on stderr, prefixed like util-linux tools prefix theirs ("ipcrm: invalid id (5)").</summary>
    public static void Fail(ParseResult result, string message) => Error(result).Write(SysvIpcCli.Name + ": " + message + "\n");
}
