namespace SysV.Ipc.Cli;

internal static class Program
{
    private static int Main(string[] args) => SysvIpcCli.Run(args, StandardStreams.Out, StandardStreams.Error);
}
