namespace SysV.Ipc.Cli.Commands;

/// <summary>
/// Turns an exception that reached the tool's top level into one line for a person: the library's messages
/// already say what, to which object and what to do, but some are written for a programmer (parameter
/// names, C# method names); those get the tool's own words here.
/// </summary>
internal static class CliErrors
{
    public static string Message(Exception e) => e switch
    {
        IpcPermissionDeniedException denied => PermissionDenied(denied),
        ArgumentException argument => WithoutParameterText(argument),
        _ => e.Message,
    };

    /// <summary>"permission denied on semaphore set 5 (key 0x...): it is root's, mode 0600, and you are nobody (uid 65534); ..."</summary>
    private static string PermissionDenied(IpcPermissionDeniedException e)
    {
        if (e.Kind is not { } kind || e.Id is not { } id)
        {
            return e.Message;
        }

        IpcObjectInfo? info = RemoveCommand.List(kind).FirstOrDefault(o => o.Id == id);
        IpcKey? key = e.Key ?? info?.Key;
        string what = $"{Kind(kind)} {CText.Number(id)}{(key is { IsPrivate: false } k ? $" (key {k})" : string.Empty)}";
        if (info is null)
        {
            return $"permission denied on {what}";
        }

        char l = kind switch { IpcObjectKind.SharedMemory => 'm', IpcObjectKind.MessageQueue => 'q', _ => 's' };
        string mode = CText.OctalAlternate(info.Mode & 0x1FF).PadLeft(4, '0');
        return $"permission denied on {what}: it belongs to {Removability.User(info.OwnerUserId)} with mode {mode}, which does not let you ({Removability.User(Removability.EffectiveUserId)}) do this. "
            + $"'sysvipc ls -{l} --key {info.Key}' shows it; its owner can widen the mode with 'sysvipc chmod -{l} {CText.Number(id)} 0666', or run this as its owner or root";
    }

    private static string WithoutParameterText(ArgumentException e)
    {
        // "... (Parameter 'count')\nActual value was 40000." is for programmers: keep the sentence before it.
        string message = e.Message;
        int parameter = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return (parameter >= 0 ? message[..parameter] : message).ReplaceLineEndings(" ").Trim();
    }

    internal static string Kind(IpcObjectKind kind) => kind switch
    {
        IpcObjectKind.SharedMemory => "shared memory segment",
        IpcObjectKind.MessageQueue => "message queue",
        _ => "semaphore set",
    };
}
