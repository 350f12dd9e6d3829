namespace SysV.Ipc.Nats;

/// <summary>A bridge's state segment holds something other than a bridge state (another program uses its key?).</summary>
public sealed class BridgeStateFormatException : IOException
{
    internal BridgeStateFormatException(string message)
        : base(message)
    {
    }
}
