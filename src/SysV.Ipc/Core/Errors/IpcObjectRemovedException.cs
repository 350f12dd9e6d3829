namespace SysV.Ipc;

/// <summary>The object was removed while this process used it (EIDRM), for example while blocked on it.</summary>
public sealed class IpcObjectRemovedException : IpcException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="errorNumber">The errno.</param>
    /// <param name="kind">The kind of object.</param>
    /// <param name="key">The key, when known.</param>
    /// <param name="id">The id.</param>
    public IpcObjectRemovedException(string message, int errorNumber, IpcObjectKind? kind, IpcKey? key, int? id)
        : base(message, errorNumber, kind, key, id)
    {
    }
}
