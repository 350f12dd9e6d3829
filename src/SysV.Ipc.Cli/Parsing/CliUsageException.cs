namespace SysV.Ipc.Cli.Parsing;

/// <summary>A mistake on the command line: reported as one line on stderr, exit code 1.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
