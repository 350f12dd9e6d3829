using System.Diagnostics;

namespace SysV.Ipc;

/// <summary>
/// The first two stages of waiting (spin, then yield) and the caller's deadline. When <see cref="Next"/>
/// returns <see langword="true"/> the caller should sleep on its futex word for <see cref="SleepFor"/>.
/// </summary>
internal struct WaitPhase
{
    private readonly ChannelWaitStrategy _strategy;
    private readonly long _deadline; // Stopwatch ticks; long.MaxValue for no deadline
    private long _checks;

    internal WaitPhase(ChannelWaitStrategy strategy, TimeSpan timeout)
    {
        _strategy = strategy;
        _deadline = timeout == Timeout.InfiniteTimeSpan
            ? long.MaxValue
            : Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        _checks = 0;
    }

    /// <summary>Validates a timeout argument: non-negative or infinite.</summary>
    internal static void ValidateTimeout(TimeSpan timeout)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "A timeout must be non-negative, or Timeout.InfiniteTimeSpan to wait without limit.");
        }
    }

    internal readonly bool IsExpired => _deadline != long.MaxValue && Stopwatch.GetTimestamp() >= _deadline;

    /// <summary>Spins or yields once; returns <see langword="true"/> once both stages are used up.</summary>
    internal bool Next()
    {
        long checks = _checks++;
        if (checks < _strategy.SpinCount)
        {
            Thread.SpinWait(1);
            return false;
        }

        if (checks - _strategy.SpinCount < _strategy.YieldCount)
        {
            Thread.Yield();
            return false;
        }

        return true;
    }

    /// <summary>Whether this is the moment to look at the clock while spinning (every 256 checks).</summary>
    internal readonly bool ShouldCheckDeadline => (_checks & 255) == 0;

    /// <summary>The next sleep: one slice, or what is left until the deadline (zero when it has passed).</summary>
    internal readonly TimeSpan SleepFor()
    {
        if (_deadline == long.MaxValue)
        {
            return _strategy.SleepSlice;
        }

        long left = _deadline - Stopwatch.GetTimestamp();
        if (left <= 0)
        {
            return TimeSpan.Zero;
        }

        TimeSpan remaining = TimeSpan.FromSeconds((double)left / Stopwatch.Frequency);
        return remaining < _strategy.SleepSlice ? remaining : _strategy.SleepSlice;
    }
}
