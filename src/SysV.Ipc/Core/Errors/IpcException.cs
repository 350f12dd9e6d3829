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
