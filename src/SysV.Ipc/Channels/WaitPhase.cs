namespace SysV.Ipc;

/// <summary>
/// The first two stages of waiting (spin, then yield) and the caller's deadline. When <see cref="Next"/>
/// returns <see langword="true"/> the caller should sleep on its futex word for <see cref="SleepFor"/>.
/// </summary>
internal struct WaitPhase
{
    private readonly ChannelWaitStrategy _strategy;
    private readonly Deadline _deadline; // the library's one timeout rule
    private long _checks;

    internal WaitPhase(ChannelWaitStrategy strategy, TimeSpan timeout)
    {
        _strategy = strategy;
        _deadline = Deadline.Start(timeout);
        _checks = 0;
    }

    /// <summary>Validates a timeout argument by the library's one rule (<see cref="Deadline"/>).</summary>
    internal static void ValidateTimeout(TimeSpan timeout) => Deadline.Validate(timeout);

    internal readonly bool IsExpired => _deadline.HasExpired;

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
        return _deadline.RemainingOrSlice(_strategy.SleepSlice);
    }
}
