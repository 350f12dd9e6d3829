namespace SysV.Ipc;

/// <summary>How a <see cref="SharedMemoryChannel"/> is created. Everything here is recorded in the segment's header.</summary>
public sealed record SharedMemoryChannelOptions
{
    /// <summary>Single producer (default, fastest) or several concurrent producers.</summary>
    public ChannelMode Mode { get; init; } = ChannelMode.SingleProducer;

    /// <summary>The largest message, in bytes. Default (0): the most the ring allows, half its capacity less the 8-byte record header.</summary>
    public int MaxMessageSize { get; init; }

    /// <summary>How many writers may be open at once in <see cref="ChannelMode.MultiProducer"/> mode (default 16, at most 1024). Always 1 for a single-producer channel.</summary>
    public int MaxProducers { get; init; } = 16;

    /// <summary>How many readers may be open at once in <see cref="ChannelMode.Broadcast"/> mode (default 16, at most 1024). Ignored by the other modes, which have one reader.</summary>
    public int MaxReaders { get; init; } = 16;

    /// <summary>What the writer of a <see cref="ChannelMode.Broadcast"/> channel does about a reader that keeps the ring full: <see cref="SlowReaderPolicy.Block"/> (default) or <see cref="SlowReaderPolicy.DropAfter"/>. Ignored by the other modes.</summary>
    public SlowReaderPolicy SlowReaderPolicy { get; init; } = SlowReaderPolicy.Block;

    /// <summary>Who may open the channel, like file permissions (default 0600: read and write for the owner).</summary>
    public UnixFileMode Permissions { get; init; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Remove the segment when the creating <see cref="SharedMemoryChannel"/> is disposed. Off by default: kernel objects persist until removed.</summary>
    public bool RemoveOnDispose { get; init; }
}

/// <summary>
/// How a reader or writer waits when it cannot proceed: first spinning on the shared memory, then
/// yielding the CPU, then sleeping on a futex word in the segment (in bounded slices, so a crashed peer
/// can never cause a lost wake-up forever). Local to one reader or writer; not recorded in the segment.
/// </summary>
public sealed record ChannelWaitStrategy
{
    /// <summary>Spins a little, yields a little, then sleeps: low latency under load, no CPU burned when idle.</summary>
    public static ChannelWaitStrategy Default { get; } = new();

    /// <summary>Never sleeps while a call waits (lowest latency; burns a core while waiting).</summary>
    public static ChannelWaitStrategy Spinning { get; } = new() { SpinCount = int.MaxValue, YieldCount = 0 };

    /// <summary>Sleeps on the futex at once (lowest CPU use; every wait costs system calls).</summary>
    public static ChannelWaitStrategy Blocking { get; } = new() { SpinCount = 0, YieldCount = 0 };

    /// <summary>Checks between which the waiter only spins (<see cref="Thread.SpinWait(int)"/>). Default 2000.</summary>
    public int SpinCount { get; init; } = 2000;

    /// <summary>Checks after spinning between which the waiter yields its CPU (<see cref="Thread.Yield"/>). Default 50.</summary>
    public int YieldCount { get; init; } = 50;

    /// <summary>The longest single futex sleep, after which the waiter checks its peers' liveness and its deadline again. Default 100 ms.</summary>
    public TimeSpan SleepSlice { get; init; } = TimeSpan.FromMilliseconds(100);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(SpinCount);
        ArgumentOutOfRangeException.ThrowIfNegative(YieldCount);
        if (SleepSlice <= TimeSpan.Zero || SleepSlice > TimeSpan.FromSeconds(10))
        {
            throw new ArgumentOutOfRangeException(nameof(SleepSlice), SleepSlice, "A sleep slice must be positive and at most 10 seconds: it bounds how late a crashed peer or a lost wake-up is noticed.");
        }
    }
}
