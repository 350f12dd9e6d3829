namespace SysV.Ipc.Nats;

/// <summary>What a bridge moves messages out of or into on this host: a message queue or a shared memory channel, by key.</summary>
internal readonly record struct BridgedObject(BridgedObjectKind Kind, IpcKey Key)
{
    public static BridgedObject Queue(IpcKey key) => new(BridgedObjectKind.Queue, key);

    public static BridgedObject Channel(IpcKey key) => new(BridgedObjectKind.Channel, key);

    /// <summary>"queue" or "channel", as the log lines and errors say it.</summary>
    public string Noun => Kind == BridgedObjectKind.Queue ? "queue" : "channel";

    /// <summary>The key as ipcs prints it (0x%08x).</summary>
    public string KeyText => BridgeKeys.Describe(Key);

    /// <summary>"queue 0x00001234" or "channel 0x00001234".</summary>
    public override string ToString() => Noun + " " + KeyText;
}

/// <summary>The kinds of System V object a bridge can serve.</summary>
internal enum BridgedObjectKind
{
    Queue,
    Channel,
}
