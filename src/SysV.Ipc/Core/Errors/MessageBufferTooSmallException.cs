namespace SysV.Ipc;

/// <summary>
/// The message msgrcv found is longer than the buffer given to receive it (E2BIG without MSG_NOERROR).
/// Nothing was received: the message stays in the queue for a receive with a larger buffer.
/// </summary>
public sealed class MessageBufferTooSmallException : IpcException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="errorNumber">The errno (E2BIG).</param>
    /// <param name="kind">The kind of object (a message queue).</param>
    /// <param name="key">The key, when known.</param>
    /// <param name="id">The queue's id.</param>
    public MessageBufferTooSmallException(string message, int errorNumber, IpcObjectKind? kind, IpcKey? key, int? id)
        : base(message, errorNumber, kind, key, id)
    {
    }
}
