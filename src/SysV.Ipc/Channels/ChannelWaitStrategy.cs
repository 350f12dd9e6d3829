namespace SysV.Ipc;

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
