using System.Diagnostics;

namespace SysV.Ipc;

/// <summary>
/// One pending asynchronous wait of a reader or writer, served by a <see cref="ChannelWaiterThread"/>.
/// Only that thread completes it (also when cancelled), so while the wait is pending the reader or writer
/// is touched by that thread alone, and a completed wait no longer touches the channel.
/// </summary>
internal sealed class AsyncChannelWait
{
    private const int Pending = 0;
    private const int CancelRequested = 1;
    private const int Done = 2;

    private readonly TaskCompletionSource<ChannelReadiness> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _state;

    internal AsyncChannelWait(IChannelWaitable source, CancellationToken cancellationToken)
    {
        Source = source;
        CancellationToken = cancellationToken;
        TimeSpan slice = source.Strategy.SleepSlice;
        PeerCheckEvery = (long)(slice.TotalSeconds * Stopwatch.Frequency);
        NextPeerCheck = Stopwatch.GetTimestamp() + PeerCheckEvery; // as the blocking calls: from the second slice on
    }

    internal IChannelWaitable Source { get; }

    internal CancellationToken CancellationToken { get; }

    internal CancellationTokenRegistration Registration { get; set; }

    internal ChannelWaiterThread? Thread { get; set; }

    internal long PeerCheckEvery { get; }

    /// <summary>From when the waiter thread looks for this wait's dead peers (Stopwatch timestamp): one slice after it began.</summary>
    internal long NextPeerCheck { get; }

    internal Task<ChannelReadiness> Task => _completion.Task;

    internal bool IsCancelRequested => Volatile.Read(ref _state) == CancelRequested;

    /// <summary>The token's callback: marks the wait and wakes its thread, which takes it out of its set and cancels the task.</summary>
    internal void RequestCancel()
    {
        if (Interlocked.CompareExchange(ref _state, CancelRequested, Pending) == Pending)
        {
            Thread?.Wake();
        }
    }

    /// <summary>Completes the task (the waiter thread, after the wait left its set and let go of the channel).</summary>
    internal void Complete(ChannelReadiness readiness)
    {
        Interlocked.Exchange(ref _state, Done);
        Registration.Dispose(); // waits for a callback running now, so it cannot touch the thread after the wait left it
        if (readiness == default)
        {
            _completion.TrySetCanceled(CancellationToken); // it left cancelled
        }
        else
        {
            _completion.TrySetResult(readiness); // ready wins over a cancellation that came too late: the caller reads the message
        }
    }

    /// <summary>Fails the task with an unexpected exception (the waiter thread itself goes on).</summary>
    internal void Fail(Exception exception)
    {
        Interlocked.Exchange(ref _state, Done);
        Registration.Dispose(); // waits for a callback running now, so it cannot touch the thread after the wait left it
        _completion.TrySetException(exception);
    }
}
