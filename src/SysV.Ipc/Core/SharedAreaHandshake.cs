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
        Deadline emptyDeadline = Deadline.Start(emptyGrace);
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
                case StateEmpty:
                    if (emptyDeadline.HasExpired || !segmentCreatorAlive())
                    {
                        // Look once more: the creator may have written its first word in the meantime.
                        if (State == StateEmpty)
                        {
                            return SharedAreaWaitOutcome.NeverStarted;
                        }

                        continue;
                    }

                    break;
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
                default:
                    return SharedAreaWaitOutcome.InvalidState;
            }

            if (deadline.HasExpired)
            {
                return SharedAreaWaitOutcome.TimedOut;
            }

            Futex.Wait(_state, state, deadline.RemainingOrSlice(s_livenessSlice));
        }
    }
}
