namespace SysV.Ipc.Nats;

/// <summary>Another bridge already moves this queue's messages in the same direction on this host (IPC namespace).</summary>
public sealed class BridgeAlreadyRunningException : InvalidOperationException
{
    internal BridgeAlreadyRunningException(string message)
        : base(message)
    {
    }
}
