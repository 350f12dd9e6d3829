namespace SysV.Ipc;

/// <summary>A system limit was reached (ENOSPC, ENOMEM, a size above SHMMAX, a message above MSGMAX...).</summary>
public sealed class IpcLimitExceededException : IpcException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened, which limit, its value, where it is set.</param>
    /// <param name="errorNumber">The errno (0 when detected before the call).</param>
    /// <param name="kind">The kind of object.</param>
    /// <param name="key">The key, when known.</param>
    /// <param name="id">The id, when known.</param>
    public IpcLimitExceededException(string message, int errorNumber, IpcObjectKind? kind, IpcKey? key, int? id)
        : base(message, errorNumber, kind, key, id)
    {
    }
}
