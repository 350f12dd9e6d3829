namespace SysV.Ipc.Nats;

/// <summary>Which way a bridge moves messages.</summary>
public enum BridgeDirection
{
    /// <summary>From a System V queue on this host to JetStream.</summary>
    Out,

    /// <summary>From JetStream to a System V queue on this host.</summary>
    In,
}
