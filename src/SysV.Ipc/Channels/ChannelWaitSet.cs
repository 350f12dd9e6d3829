using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// Waits in one thread until any of up to <see cref="MaxEntries"/> channel readers (or writers waiting for
/// room) is ready, and says which: a server reading from fifty client channels needs one thread, not fifty.
/// On Linux 5.16 and later the sleep is one <c>futex_waitv</c> system call over the channels' futex words;
/// see <see cref="UsesFutexWaitv"/> for the fallback.
/// </summary>
/// <remarks>
/// <para>
/// Readiness is what a reader's or writer's next call would find (<see cref="ChannelReadiness"/>); the set
/// consumes nothing: read (or write) the ready ones yourself, with <c>TryRead</c>/<c>TryPeek</c> (<c>TryWrite</c>).
/// Use the set, and the readers and writers in it, from one thread; <see cref="Dispose"/> (and disposing a
/// reader or writer in the set) may come from another thread and ends a <see cref="Wait(Span{ChannelWaitEvent}, TimeSpan, CancellationToken)"/> under way.
/// </para>
/// <para>
/// While a reader or writer is in the set, the set keeps its channel's segment mapped (as a blocked call
/// does). The set's own waits spin and yield by its <see cref="ChannelWaitStrategy"/> before they sleep,
/// and sleep in slices of its <see cref="ChannelWaitStrategy.SleepSlice"/>, after which it looks for dead
/// peers. Cancelling a wait wakes the futex words of every channel in the set, so their other sleepers
/// (in any process) look once and sleep again.
/// </para>
/// </remarks>
public sealed unsafe class ChannelWaitSet : IDisposable
{
    /// <summary>The most readers and writers one set holds: the words one futex_waitv call takes.</summary>
    public const int MaxEntries = FutexVector.MaxWords;

    private readonly IChannelWaitable?[] _entries = new IChannelWaitable?[MaxEntries];
    private readonly ChannelWaitStrategy _strategy;
    private readonly Lock _waiting = new();   // held by Wait for its whole run: Dispose waits for it before it lets go of the channels
    private readonly Lock _membership = new(); // guards _entries against a concurrent wake (cancellation, Dispose)
    private int _count;
    private int _end;   // one past the highest occupied index
    private int _scan;  // where the next report starts, so a short events span does not starve high indices
    private int _disposed;

    /// <summary>Creates an empty set.</summary>
    /// <param name="wait">How the set waits before it sleeps and how long one sleep lasts; <see cref="ChannelWaitStrategy.Default"/> when null.</param>
    public ChannelWaitSet(ChannelWaitStrategy? wait = null)
    {
        wait ??= ChannelWaitStrategy.Default;
        wait.Validate();
        _strategy = wait;
        AsymmetricFence.EnsureRegistered();
    }

    /// <summary>
    /// Whether this process sleeps with <c>futex_waitv</c> (Linux 5.16+). When <see langword="false"/> (an
    /// older kernel, a seccomp filter that refuses it, or the environment variable <c>SYSV_IPC_CHANNEL_WAITV=off</c>
    /// set when the process started), a set sleeps on its first not-ready entry's word for at most a millisecond
    /// at a time and then looks at all of them: that entry is seen at once, the others within about a millisecond.
    /// </summary>
    public static bool UsesFutexWaitv => FutexVector.IsAvailable;

    /// <summary>How many readers and writers the set holds.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Adds a reader: it is ready when a message is there to read (see <see cref="ChannelReadiness"/>).</summary>
    /// <param name="reader">The reader; at most once per set.</param>
    /// <returns>Its index in the set (0 to <see cref="MaxEntries"/> - 1), which <see cref="Wait(Span{ChannelWaitEvent}, TimeSpan, CancellationToken)"/> reports; the lowest free one.</returns>
    /// <exception cref="InvalidOperationException">The set is full, or holds this reader already.</exception>
    /// <exception cref="ObjectDisposedException">The set or the reader is disposed.</exception>
    public int Add(SharedMemoryChannelReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (((IChannelWaitable)reader).Check(checkPeers: false) == ChannelReadiness.Disposed)
        {
            throw new ObjectDisposedException(nameof(SharedMemoryChannelReader), "A disposed reader cannot join a wait set.");
        }

        return AddCore(reader, reader);
    }

    /// <summary>Adds a writer: it is ready when a message of <paramref name="length"/> bytes fits (see <see cref="ChannelReadiness"/>).</summary>
    /// <param name="writer">The writer; at most once per set.</param>
    /// <param name="length">The message length to wait for room for (0 to the channel's MaxMessageSize).</param>
    /// <returns>Its index in the set, which <see cref="Wait(Span{ChannelWaitEvent}, TimeSpan, CancellationToken)"/> reports; the lowest free one.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The length is more than the channel's maximum message.</exception>
    /// <exception cref="InvalidOperationException">The set is full, or holds this writer already.</exception>
    /// <exception cref="ObjectDisposedException">The set or the writer is disposed.</exception>
    public int Add(SharedMemoryChannelWriter writer, int length)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.CheckLength(length);
        var waitable = new WriterWaitable(writer, length);
        if (waitable.Check(checkPeers: false) == ChannelReadiness.Disposed)
        {
            throw new ObjectDisposedException(nameof(SharedMemoryChannelWriter), "A disposed writer cannot join a wait set.");
        }

        return AddCore(waitable, writer);
    }

    /// <summary>Takes the reader or writer at <paramref name="index"/> out of the set (it stays open).</summary>
    /// <param name="index">What <c>Add</c> returned.</param>
    /// <exception cref="ArgumentOutOfRangeException">No reader or writer has this index.</exception>
    public void Remove(int index)
    {
        ThrowIfDisposed();
        IChannelWaitable removed;
        lock (_membership)
        {
            if ((uint)index >= MaxEntries || _entries[index] is null)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, "No reader or writer of this wait set has this index (Add returns it; a removed index is free).");
            }

            removed = _entries[index]!;
            _entries[index] = null;
            _count--;
            while (_end > 0 && _entries[_end - 1] is null)
            {
                _end--;
            }
        }

        removed.Channel.Release();
    }

    /// <summary>
    /// Waits until at least one reader or writer of the set is ready, and reports the ready ones (as many
    /// as <paramref name="events"/> holds; the rest stay ready for the next call, which starts after the
    /// last one reported).
    /// </summary>
    /// <param name="events">Where to write what is ready; not empty.</param>
    /// <param name="timeout">How long to wait: <see cref="TimeSpan.Zero"/> to look once, <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <param name="cancellationToken">Cancels the wait (also while asleep).</param>
    /// <returns>How many events were written; 0 when the time ran out (as poll and epoll do, not an exception).</returns>
    /// <exception cref="ArgumentException"><paramref name="events"/> is empty.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The set was disposed, also by another thread during the wait.</exception>
    public int Wait(Span<ChannelWaitEvent> events, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var phase = new WaitPhase(_strategy, timeout); // validates the timeout
        if (events.IsEmpty)
        {
            throw new ArgumentException("Pass room for at least one event.", nameof(events));
        }

        ThrowIfDisposed();
        using Lock.Scope scope = _waiting.EnterScope();
        CancellationTokenRegistration registration = default;
        int sleeps = 0;
        try
        {
            while (true)
            {
                ThrowIfDisposed();
                int found = Collect(events, checkPeers: false);
                if (found > 0)
                {
                    return found;
                }

                cancellationToken.ThrowIfCancellationRequested();
                if (!phase.Next())
                {
                    if (phase.ShouldCheckDeadline && phase.IsExpired)
                    {
                        return 0;
                    }

                    continue;
                }

                TimeSpan sleep = phase.SleepFor();
                if (sleep == TimeSpan.Zero)
                {
                    return 0;
                }

                if (cancellationToken.CanBeCanceled && registration == default)
                {
                    registration = cancellationToken.Register(static state => ((ChannelWaitSet)state!).WakeAll(), this);
                }

                found = Sleep(events, sleep, checkPeers: sleeps++ > 0, cancellationToken);
                if (found > 0)
                {
                    return found;
                }
            }
        }
        finally
        {
            registration.Dispose();
        }
    }

    /// <summary>Waits without limit (but cancellably) until at least one reader or writer is ready.</summary>
    /// <param name="events">Where to write what is ready; not empty.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>How many events were written (at least one).</returns>
    public int Wait(Span<ChannelWaitEvent> events, CancellationToken cancellationToken) =>
        Wait(events, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>
    /// Takes every reader and writer out of the set (they stay open) and lets go of their channels' mappings.
    /// A <see cref="Wait(Span{ChannelWaitEvent}, TimeSpan, CancellationToken)"/> running on another thread ends with <see cref="ObjectDisposedException"/> first.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        WakeAll();
        using Lock.Scope scope = _waiting.EnterScope(); // the waiter has left: nothing touches the channels' words any more
        IChannelWaitable?[] released;
        lock (_membership)
        {
            released = [.. _entries];
            Array.Clear(_entries);
            _count = 0;
            _end = 0;
        }

        foreach (IChannelWaitable? entry in released)
        {
            entry?.Channel.Release();
        }
    }

    private int AddCore(IChannelWaitable waitable, object target)
    {
        ThrowIfDisposed();
        lock (_membership)
        {
            int free = -1;
            for (int i = MaxEntries - 1; i >= 0; i--)
            {
                IChannelWaitable? entry = _entries[i];
                if (entry is null)
                {
                    free = i;
                }
                else if (ReferenceEquals(entry, target) || (entry is WriterWaitable w && ReferenceEquals(w.Writer, target)))
                {
                    throw new InvalidOperationException($"This wait set holds this {(target is SharedMemoryChannelReader ? "reader" : "writer")} already (index {i}).");
                }
            }

            if (free < 0)
            {
                throw new InvalidOperationException($"A wait set holds at most {MaxEntries} readers and writers (what one futex_waitv call waits on); use another set, or the async forms, which have no such limit.");
            }

            waitable.Channel.AddWaiterReference(); // keeps the futex words mapped while in the set
            _entries[free] = waitable;
            _count++;
            _end = Math.Max(_end, free + 1);
            return free;
        }
    }

    /// <summary>Looks at every entry, from where the last report ended; writes the ready ones.</summary>
    private int Collect(Span<ChannelWaitEvent> events, bool checkPeers)
    {
        int end = _end;
        int found = 0;
        for (int n = 0; n < end && found < events.Length; n++)
        {
            int i = (_scan + n) % end;
            IChannelWaitable? entry = _entries[i];
            if (entry is null)
            {
                continue;
            }

            ChannelReadiness readiness = entry.Check(checkPeers);
            if (readiness != default)
            {
                events[found++] = new ChannelWaitEvent(i, readiness);
                if (found == events.Length)
                {
                    _scan = (i + 1) % end;
                }
            }
        }

        return found;
    }

    /// <summary>Announces the sleep on every entry, fences once, checks again, and sleeps on all their words for one slice.</summary>
    private int Sleep(Span<ChannelWaitEvent> events, TimeSpan sleep, bool checkPeers, CancellationToken cancellationToken)
    {
        FutexWaitv* words = stackalloc FutexWaitv[MaxEntries];
        int count = 0;
        int end = _end;
        try
        {
            for (int i = 0; i < end; i++)
            {
                IChannelWaitable? entry = _entries[i];
                if (entry is not null)
                {
                    FutexVector.Set(&words[count++], entry.SleepWord, entry.AnnounceSleep());
                }
            }

            AsymmetricFence.Heavy();
            int found = Collect(events, checkPeers);
            if (found > 0 || Volatile.Read(ref _disposed) != 0 || cancellationToken.IsCancellationRequested)
            {
                return found; // a cancellation or disposal from now on changes a word read above, so the sleep below cannot miss it
            }

            if (count == 0)
            {
                // Nothing to sleep on: sleep the slice out (cancellation and Dispose are seen after it).
                Thread.Sleep(sleep);
                return 0;
            }

            FutexVector.Wait(words, count, sleep);
            return 0;
        }
        finally
        {
            for (int i = 0; i < end; i++)
            {
                _entries[i]?.WithdrawSleep();
            }
        }
    }

    /// <summary>Wakes a wait under way (cancellation, Dispose): changes and wakes every entry's word.</summary>
    private void WakeAll()
    {
        lock (_membership)
        {
            foreach (IChannelWaitable? entry in _entries)
            {
                if (entry is not null)
                {
                    ChannelMemory.FutexWakeAll(entry.SleepWord);
                }
            }
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
