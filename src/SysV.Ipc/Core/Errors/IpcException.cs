namespace SysV.Ipc;

/// <summary>A System V IPC call failed. Carries the errno and, where known, the object's kind, key and id.</summary>
public class IpcException : IOException
{
    /// <summary>Creates an exception with a message (for callers that wrap IPC failures of their own).</summary>
    /// <param name="message">What happened and what to do.</param>
    public IpcException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and an inner exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public IpcException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with everything known about the failure.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="errorNumber">The errno the call set.</param>
    /// <param name="kind">The kind of object.</param>
    /// <param name="key">The key, when the call used one.</param>
    /// <param name="id">The id, when known.</param>
    public IpcException(string message, int errorNumber, IpcObjectKind? kind, IpcKey? key, int? id)
        : base(message)
    {
        ErrorNumber = errorNumber;
        HResult = errorNumber;
        Kind = kind;
        Key = key;
        Id = id;
    }

    /// <summary>The errno of the failed call (0 when the failure was detected before any call).</summary>
    public int ErrorNumber { get; }

    /// <summary>The kind of object the call was about, when known.</summary>
    public IpcObjectKind? Kind { get; }

    /// <summary>The key the call used, when it used one.</summary>
    public IpcKey? Key { get; }

    /// <summary>The object's id, when known.</summary>
    public int? Id { get; }
}
