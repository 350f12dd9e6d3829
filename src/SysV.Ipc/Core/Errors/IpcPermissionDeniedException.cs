namespace SysV.Ipc;

/// <summary>The object's permissions or the caller's privileges do not allow the operation (EACCES, EPERM).</summary>
public sealed class IpcPermissionDeniedException : IpcException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="errorNumber">The errno.</param>
    /// <param name="kind">The kind of object.</param>
    /// <param name="key">The key, when known.</param>
    /// <param name="id">The id, when known.</param>
    public IpcPermissionDeniedException(string message, int errorNumber, IpcObjectKind? kind, IpcKey? key, int? id)
        : base(message, errorNumber, kind, key, id)
    {
    }
}
