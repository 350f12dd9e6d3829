namespace SysV.Ipc.ChannelBench;

/// <summary>One way of moving messages between two processes, measured for throughput and ping-pong latency.</summary>
internal interface IContender
{
    /// <summary>The name in the tables.</summary>
    string Name { get; }

    /// <summary>Whether this is one of the SharedMemoryChannel forms (the others are the comparison).</summary>
    bool IsChannel => false;

    /// <summary>Whether a system call is made per message (then runs are made shorter).</summary>
    bool SystemCallPerMessage => false;

    /// <summary>Whether it can carry messages of this size at all.</summary>
    bool Supports(int size);

    /// <summary>Streams <paramref name="count"/> messages from this process to a child; null when it has no throughput form.</summary>
    ThroughputResult? Throughput(int size, long count);

    /// <summary>Round trips with a child; null when it has no ping-pong form.</summary>
    LatencyResult? PingPong(int size, int rounds);
}
