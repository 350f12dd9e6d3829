using Microsoft.Extensions.Logging;

namespace SysV.Ipc.Cli.Commands.Bridge;

/// <summary>
/// The bridge's log as one line per event on the error writer ("sysvipc bridge out: warn: ..."), with a
/// UTC time: what journald or a terminal shows. Information and above unless --verbose.
/// </summary>
internal sealed class LineLogger<T>(TextWriter writer, string prefix, LogLevel minimum) : ILogger<T>
{
    private static readonly Lock s_write = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        string level = logLevel switch
        {
            LogLevel.Trace => "trace",
            LogLevel.Debug => "debug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "error",
            _ => "fatal",
        };
        string line = $"{DateTime.UtcNow:HH:mm:ss.fff} {prefix}: {level}: {formatter(state, exception)}{(exception is null ? string.Empty : " (" + exception.GetBaseException().Message + ")")}\n";
        lock (s_write)
        {
            writer.Write(line);
            writer.Flush();
        }
    }
}
