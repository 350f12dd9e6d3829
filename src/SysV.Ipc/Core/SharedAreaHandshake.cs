namespace SysV.Ipc;

/// <summary>How a wait for a shared area's creator ended.</summary>
internal enum SharedAreaWaitOutcome
{
    /// <summary>The creator published the area: its contents are visible.</summary>
    Ready,

    /// <summary>The creator's initialization failed; it removes the area.</summary>
    Failed,

    /// <summary>The creator began initializing and then its process ended (pid and start time no longer match).</summary>
    CreatorDied,

    /// <summary>The handshake words stayed zero: the segment's creator is gone, or never was one of ours, within the grace period.</summary>
    /// <remarks>Also what <see cref="SharedAreaHandshake.WaitForFirstWrite"/> reports for an area whose creator never wrote its first word.</remarks>
    NeverStarted,

    /// <summary>The creator is alive and still initializing when the caller's deadline passed.</summary>
    TimedOut,

    /// <summary>The state word holds a value the handshake never writes (corruption, or not an area of ours).</summary>
    InvalidState,
}

/// <summary>
/// The one create-then-open handshake for shared areas: a 32-bit state word (0 empty, 1 initializing,
/// 2 ready, 3 failed) that openers sleep on with <see cref="Futex"/>, next to the creator's pid and start
/// time, so an opener tells "still initializing" from "creator died" (<see cref="ProcessIdentity"/>)
/// instead of spinning until its timeout. The words live in the area's own header, wherever its format puts
/// them; this type only knows their addresses.
/// </summary>
/// <remarks>
/// Creator: <see cref="BeginInitializing"/> (writes pid and start time, then state 1 with release
/// semantics), fills the area, then <see cref="Publish"/> (state 2, release, wake) or <see cref="Fail"/>.
/// Opener: <see cref="WaitUntilSettled"/>. A segment is zero-filled when made, so state 0 is what an opener
/// sees before the creator's first write.
/// </remarks>
internal readonly unsafe struct SharedAreaHandshake
{
    internal const uint StateEmpty = 0;
    internal const uint StateInitializing = 1;
    internal const uint StateReady = 2;
    internal const uint StateFailed = 3;

    /// <summary>How often a sleeping opener looks at the creator's liveness: the latency of "creator died".</summary>
    private static readonly TimeSpan s_livenessSlice = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest pause between two looks at a blank area: nothing wakes an opener there, so it polls.</summary>
    private static readonly TimeSpan s_blankPauseLimit = TimeSpan.FromMilliseconds(10);

    private readonly uint* _state;
    private readonly int* _creatorProcessId;
    private readonly ulong* _creatorStartTime;

    internal SharedAreaHandshake(uint* state, int* creatorProcessId, ulong* creatorStartTime)
    {
        _state = state;
        _creatorProcessId = creatorProcessId;
        _creatorStartTime = creatorStartTime;
    }

    /// <summary>The state word now (acquire).</summary>
    internal uint State => Volatile.Read(ref *_state);

    /// <summary>The creator's pid as recorded in the area.</summary>
    internal int CreatorProcessId => Volatile.Read(ref *_creatorProcessId);

    /// <summary>Records this process as the creator, then marks the area initializing.</summary>
    internal void BeginInitializing()
    {
        *_creatorProcessId = Environment.ProcessId;
        *_creatorStartTime = ProcessIdentity.OwnStartTime;
        Volatile.Write(ref *_state, StateInitializing); // release: pid and start time are visible first
    }

    /// <summary>Marks the area ready (release: everything the creator wrote before is visible to openers) and wakes them.</summary>
    internal void Publish()
    {
        Volatile.Write(ref *_state, StateReady);
        Futex.WakeAll(_state);
    }

    /// <summary>Marks the area as never going to be ready, and wakes the openers waiting for it.</summary>
    internal void Fail()
    {
        Volatile.Write(ref *_state, StateFailed);
        Futex.WakeAll(_state);
    }

    /// <summary>
    /// Waits until the creator published the area, failed, or died, or until <paramref name="deadline"/>.
    /// </summary>
    /// <param name="deadline">The caller's deadline (the library's one timeout rule).</param>
    /// <param name="emptyGrace">How long the state may stay 0 (a creator between shmget and its first write) before the area is judged not to be one.</param>
    /// <param name="segmentCreatorAlive">Whether the process the kernel names as the segment's creator still runs (pid + start time); asked while the state is 0.</param>
    /// <param name="check">Called with each state seen, before it is acted on: the place for format checks (magic) that throw the area's own exception.</param>
    internal SharedAreaWaitOutcome WaitUntilSettled(Deadline deadline, TimeSpan emptyGrace, Func<bool> segmentCreatorAlive, Action<uint>? check = null)
    {
        nint stateAddress = (nint)_state;
        SharedAreaWaitOutcome first = WaitForFirstWrite(
            () =>
            {
                uint seen = Volatile.Read(ref *(uint*)stateAddress);
                check?.Invoke(seen);
                return seen != StateEmpty;
            },
            deadline,
            emptyGrace,
            segmentCreatorAlive);
        if (first != SharedAreaWaitOutcome.Ready)
        {
            return first;
        }

        while (true)
        {
            uint state = State;
            check?.Invoke(state);
            switch (state)
            {
                case StateReady:
                    return SharedAreaWaitOutcome.Ready;
                case StateFailed:
                    return SharedAreaWaitOutcome.Failed;
                case StateInitializing:
                    if (!ProcessIdentity.IsAlive(Volatile.Read(ref *_creatorProcessId), Volatile.Read(ref *_creatorStartTime)))
                    {
                        if (State == StateInitializing)
                        {
                            return SharedAreaWaitOutcome.CreatorDied;
                        }

                        continue;
                    }

                    break;
                default: // the state never goes back to empty: anything else is not the protocol
                    return SharedAreaWaitOutcome.InvalidState;
            }

            if (deadline.HasExpired)
            {
                return SharedAreaWaitOutcome.TimedOut;
            }

            Futex.Wait(_state, state, deadline.RemainingOrSlice(s_livenessSlice));
        }
    }

    /// <summary>
    /// The first phase of every open, for area formats with a state word and without one (the channel,
    /// whose magic is its first word): waits while the area is still blank, as a creator leaves it between
    /// shmget and its first header write, until <paramref name="written"/> sees that write, the process the
    /// kernel names as the segment's creator no longer runs (pid and start time, so a reused pid does not
    /// count: <paramref name="segmentCreatorAlive"/>), <paramref name="grace"/> passes, or <paramref name="deadline"/> does.
    /// A creator that died before writing is reported at once, not after the grace period.
    /// </summary>
    /// <param name="written">Whether the creator's first write is there; may throw the area's own format exception.</param>
    /// <param name="deadline">The caller's deadline.</param>
    /// <param name="grace">How long a live creator may leave the area blank before it is judged not to be an area of this format.</param>
    /// <param name="segmentCreatorAlive">Whether the segment's creator still runs (<see cref="ProcessIdentity.IsRunningSince"/> with the segment's cpid and ctime).</param>
    /// <returns><see cref="SharedAreaWaitOutcome.Ready"/> once written; <see cref="SharedAreaWaitOutcome.NeverStarted"/> when the creator is gone or the grace passed; <see cref="SharedAreaWaitOutcome.TimedOut"/> at the deadline.</returns>
    internal static SharedAreaWaitOutcome WaitForFirstWrite(Func<bool> written, Deadline deadline, TimeSpan grace, Func<bool> segmentCreatorAlive)
    {
        Deadline blankDeadline = Deadline.Start(grace);
        TimeSpan pause = TimeSpan.FromMilliseconds(1);
        while (!written())
        {
            if (blankDeadline.HasExpired || !segmentCreatorAlive())
            {
                // Look once more: the creator may have written its first word in the meantime.
                return written() ? SharedAreaWaitOutcome.Ready : SharedAreaWaitOutcome.NeverStarted;
            }

            if (deadline.HasExpired)
            {
                return SharedAreaWaitOutcome.TimedOut;
            }

            Thread.Sleep(deadline.IsInfinite || pause < deadline.Remaining ? pause : deadline.Remaining);
            pause = pause < s_blankPauseLimit ? pause * 2 : s_blankPauseLimit;
        }

        return SharedAreaWaitOutcome.Ready;
    }
}
