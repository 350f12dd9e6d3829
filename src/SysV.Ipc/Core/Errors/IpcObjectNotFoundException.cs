namespace SysV.Ipc;

/// <summary>No object has that key (ENOENT), or the id is stale (EINVAL on an id-based call).</summary>
public sealed class IpcObjectNotFoundException : IpcException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="errorNumber">The errno.</param>
    /// <param name="kind">The kind of object.</param>
    /// <param name="key">The key, when the call used one.</param>
    /// <param name="id">The id, when known.</param>
    public IpcObjectNotFoundException(string message, int errorNumber, IpcObjectKind? kind, IpcKey? key, int? id)
        : base(message, errorNumber, kind, key, id)
    {
    }
}
