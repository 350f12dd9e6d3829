namespace SysV.Ipc;

/// <summary>An exclusive create found an object with that key already there (EEXIST).</summary>
public sealed class IpcObjectExistsException : IpcException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="errorNumber">The errno.</param>
    /// <param name="kind">The kind of object.</param>
    /// <param name="key">The key.</param>
    /// <param name="id">The id, when known.</param>
    public IpcObjectExistsException(string message, int errorNumber, IpcObjectKind? kind, IpcKey? key, int? id)
        : base(message, errorNumber, kind, key, id)
    {
    }
}
