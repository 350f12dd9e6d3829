namespace SysV.Ipc;

/// <summary>
/// What the writer of a <see cref="ChannelMode.Broadcast"/> channel does when its slowest reader keeps the ring full.
/// Recorded in the segment's header at creation.
/// </summary>
public sealed class SlowReaderPolicy
{
    private SlowReaderPolicy(TimeSpan? dropAfter) => DropAfterTime = dropAfter;

    /// <summary>The writer waits for the slowest live reader: nothing is ever lost (the default). A reader that died never holds it back.</summary>
    public static SlowReaderPolicy Block { get; } = new(null);

    /// <summary>How long a reader may keep the writer waiting before it is dropped; null for <see cref="Block"/>.</summary>
    public TimeSpan? DropAfterTime { get; }

    /// <summary>
    /// A reader that keeps the writer waiting longer than <paramref name="timeout"/> loses its place: the writer
    /// goes on over what it had not read, and the reader's next read throws <see cref="ChannelReaderDroppedException"/>
    /// (saying how far behind it was), after which it reads on from the newest message.
    /// </summary>
    /// <param name="timeout">Positive, at most one day; kept in the segment to the nanosecond.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The timeout is not positive or longer than a day.</exception>
    public static SlowReaderPolicy DropAfter(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero || timeout > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "A slow reader's allowance must be positive and at most one day (use SlowReaderPolicy.Block to never drop a reader).");
        }

        return new SlowReaderPolicy(timeout);
    }

    /// <inheritdoc/>
    public override string ToString() => DropAfterTime is { } t ? $"DropAfter({t})" : "Block";
}
