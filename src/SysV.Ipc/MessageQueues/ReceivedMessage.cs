namespace SysV.Ipc;

/// <summary>A message taken from a queue by <see cref="MessageQueue.ReceiveAsync"/>.</summary>
/// <param name="Type">The message's type (a positive C long, as the sender gave it).</param>
/// <param name="Body">The message's body, exactly as long as it was sent.</param>
public readonly record struct ReceivedMessage(long Type, byte[] Body);
