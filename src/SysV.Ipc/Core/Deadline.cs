using System.Diagnostics;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// The library's one timeout rule. Every timeout parameter accepts <see cref="TimeSpan.Zero"/> (try once),
/// any positive span, and <see cref="Timeout.InfiniteTimeSpan"/> or any span so long that the deadline would
/// lie beyond the monotonic clock's range (<see cref="TimeSpan.MaxValue"/> among them): those wait forever.
/// Other negative spans are an <see cref="ArgumentOutOfRangeException"/>. Deadline arithmetic saturates, so
/// no value overflows into "already expired".
/// </summary>
internal readonly struct Deadline
{
    /// <summary>The one message for a rejected timeout.</summary>
    internal const string RuleText = "A timeout must be zero (try once), positive, or Timeout.InfiniteTimeSpan (also TimeSpan.MaxValue) to wait without limit.";

    private const long Never = long.MaxValue;

    private readonly long _end; // Stopwatch timestamp; Never for no deadline

    private Deadline(long end) => _end = end;

    /// <summary>A deadline that never passes.</summary>
    internal static Deadline Infinite => new(Never);

    /// <summary>Whether this deadline never passes.</summary>
    internal bool IsInfinite => _end == Never;

    /// <summary>Whether the deadline has passed.</summary>
    internal bool HasExpired => _end != Never && Stopwatch.GetTimestamp() >= _end;

    /// <summary>What is left (zero once passed; <see cref="Timeout.InfiniteTimeSpan"/> for an infinite deadline).</summary>
    internal TimeSpan Remaining
    {
        get
        {
            if (_end == Never)
            {
                return Timeout.InfiniteTimeSpan;
            }

            long left = _end - Stopwatch.GetTimestamp();
            return left <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks(StopwatchToTicks(left));
        }
    }

    /// <summary>Validates <paramref name="timeout"/> by the rule and starts counting now.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative timeout other than <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    internal static Deadline Start(TimeSpan timeout, string parameterName = "timeout")
    {
        Validate(timeout, parameterName);
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return Infinite;
        }

        long now = Stopwatch.GetTimestamp();
        long span = TicksToStopwatch(timeout.Ticks);
        return span >= Never - now ? Infinite : new Deadline(now + span);
    }

    /// <summary>Throws unless <paramref name="timeout"/> follows the rule (without starting a deadline).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative timeout other than <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    internal static void Validate(TimeSpan timeout, string parameterName = "timeout")
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(parameterName, timeout, RuleText);
        }
    }

    /// <summary>Whether a valid timeout means "wait forever" (infinite, or beyond the clock's range).</summary>
    internal static bool IsForever(TimeSpan timeout) =>
        timeout == Timeout.InfiniteTimeSpan || TicksToStopwatch(timeout.Ticks) >= Never - Stopwatch.GetTimestamp();

    /// <summary>
    /// The one TimeSpan to <c>struct timespec</c> conversion (relative): negative spans become zero, and a span
    /// beyond what a timespec's seconds can say is clamped (the kernel treats such a wait as unbounded).
    /// </summary>
    internal static Timespec ToTimespec(TimeSpan span)
    {
        long ticks = span.Ticks < 0 ? 0 : span.Ticks;
        return new Timespec { tv_sec = ticks / TimeSpan.TicksPerSecond, tv_nsec = ticks % TimeSpan.TicksPerSecond * 100 };
    }

    /// <summary>The shorter of what is left and <paramref name="slice"/> (slices bound how long one system call sleeps).</summary>
    internal TimeSpan RemainingOrSlice(TimeSpan slice)
    {
        TimeSpan remaining = Remaining;
        return remaining == Timeout.InfiniteTimeSpan || remaining > slice ? slice : remaining;
    }

    private static long TicksToStopwatch(long ticks)
    {
        // Saturating: TimeSpan.MaxValue in Stopwatch units does not fit a long.
        double scaled = (double)ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
        return scaled >= Never ? Never : (long)scaled;
    }

    private static long StopwatchToTicks(long stopwatchTicks) =>
        (long)((double)stopwatchTicks * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
}
