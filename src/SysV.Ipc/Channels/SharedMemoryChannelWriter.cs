using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace SysV.Ipc;

/// <summary>
/// A writer of a <see cref="SharedMemoryChannel"/> (obtained from <see cref="SharedMemoryChannel.OpenWriter"/>).
/// Writing a message costs no system call unless the reader sleeps. Use it from one thread at a time; in
/// a multi-producer channel, give every thread or process its own writer.
/// </summary>
/// <remarks>
/// A message is written in place: the payload first, then its length with release semantics, which is
/// what makes it visible to the reader. A writer that dies half-way leaves a record the reader never sees
/// (single producer) or a claim the reader skips once it has checked that the claiming process is dead
/// (multi-producer).
/// </remarks>
public sealed unsafe class SharedMemoryChannelWriter : IDisposable
{
    private readonly SharedMemoryChannel _channel;
    private readonly SharedMemoryAttachment _attachment; // this writer's own mapping of the segment, replaced by private memory at Dispose
    private readonly ChannelMemory _m;       // over _attachment: everything a call of this writer touches
    private readonly ChannelMemory _control; // over the channel's mapping: sleeping, waking and Dispose's clean-up
    private readonly ChannelWaitStrategy _wait;
    private readonly int _maxMessage;
    private readonly bool _multi;            // which ring below is in use: the branches of the fast path
    private readonly bool _broadcastMode;
    private readonly int _slot;
    private SingleProducerRing _single;
    private MultiProducerRing _shared;
    private BroadcastRing _broadcast;
    private byte* _claim;    // the record of an uncommitted claim; null when none
    private int _claimFrame;
    private long _claimSize;
    private int _disposed;

    internal SharedMemoryChannelWriter(SharedMemoryChannel channel, SharedMemoryAttachment attachment, ChannelMemory memory, ChannelMemory control, ChannelWaitStrategy wait)
    {
        _channel = channel;
        _attachment = attachment;
        _m = memory;
        _control = control;
        _wait = wait;
        _maxMessage = memory.MaxMessageSize;
        _multi = memory.Mode == ChannelMode.MultiProducer;
        _broadcastMode = memory.IsBroadcast;
        _slot = ParticipantTable.TakeWriterSlot(memory, out bool tookOver);
        if (_multi)
        {
            _shared = new MultiProducerRing(memory, _slot);
        }
        else if (_broadcastMode)
        {
            try
            {
                _broadcast = new BroadcastRing(memory);
            }
            catch
            {
                ParticipantTable.Leave(memory, _slot);
                throw;
            }
        }
        else
        {
            _single = new SingleProducerRing(memory, tookOver);
        }
    }

    /// <summary>The channel this writer writes.</summary>
    public SharedMemoryChannel Channel => _channel;

    /// <summary>
    /// Writes a message if the ring has room for it now: copies it into shared memory and makes it visible
    /// to the reader, without a system call (unless the reader sleeps and must be woken).
    /// </summary>
    /// <param name="message">The bytes; at most <see cref="SharedMemoryChannel.MaxMessageSize"/>. May be empty.</param>
    /// <returns><see langword="false"/> when the ring is full (nothing was written).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The message is longer than the channel's maximum.</exception>
    /// <exception cref="ChannelClosedException">The channel was completed.</exception>
    public bool TryWrite(ReadOnlySpan<byte> message) =>
        _multi || _broadcastMode ? TryWriteOutOfLine(message) : TryWrite(ref _single, message);

    /// <summary>Writes a message, waiting for room as long as needed (but cancellably).</summary>
    /// <param name="message">The bytes.</param>
    /// <param name="cancellationToken">Cancels the wait (also while asleep).</param>
    /// <exception cref="ChannelPeerDiedException">The ring is full and its reader has died: nothing would ever make room.</exception>
    public void Write(ReadOnlySpan<byte> message, CancellationToken cancellationToken) =>
        Write(message, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Writes a message, waiting for room as long as needed.</summary>
    /// <param name="message">The bytes.</param>
    /// <exception cref="ChannelPeerDiedException">The ring is full and its reader has died: nothing would ever make room.</exception>
    public void Write(ReadOnlySpan<byte> message) => Write(message, Timeout.InfiniteTimeSpan, CancellationToken.None);

    /// <summary>Writes a message, waiting for room up to <paramref name="timeout"/>.</summary>
    /// <param name="message">The bytes.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <param name="cancellationToken">Cancels the wait (also while asleep).</param>
    /// <exception cref="TimeoutException">The ring had no room in time (nothing was written).</exception>
    /// <exception cref="ChannelPeerDiedException">The ring is full and its reader has died.</exception>
    public void Write(ReadOnlySpan<byte> message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        WaitPhase.ValidateTimeout(timeout);
        if (TryWrite(message))
        {
            return;
        }

        _channel.AddWaiterReference();
        try
        {
            do
            {
                WaitToWriteCore(message.Length, timeout, cancellationToken);
            }
            while (!TryWrite(message));
        }
        finally
        {
            _channel.Release();
        }
    }

    /// <summary>Writes a message, waiting asynchronously for room.</summary>
    /// <param name="message">The bytes (not used after the returned task completes).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the message is in the ring.</returns>
    /// <exception cref="ChannelPeerDiedException">The ring is full and its reader has died.</exception>
    /// <exception cref="ObjectDisposedException">This writer was disposed, also by another thread while the write waited.</exception>
    /// <remarks>
    /// Completes synchronously when there is room. Otherwise it spins and yields as the writer's
    /// <see cref="ChannelWaitStrategy"/> says, then the wait is taken over by the process's channel waiter
    /// threads (see <see cref="SharedMemoryChannelReader.ReadAsync"/>): a pending write holds no thread.
    /// A cancelled write wrote nothing.
    /// </remarks>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        if (TryWrite(message.Span))
        {
            return ValueTask.CompletedTask;
        }

        return ChannelAsync.WriteAsync(this, message, cancellationToken);
    }

    /// <summary>Waits asynchronously until a message of <paramref name="length"/> bytes would fit (see <see cref="WriteAsync"/> for how it waits).</summary>
    /// <param name="length">The message length to make room for.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when there is room.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The length is more than the channel's maximum message.</exception>
    /// <exception cref="ChannelClosedException">The channel was completed.</exception>
    /// <exception cref="ChannelPeerDiedException">The ring is full and its reader has died.</exception>
    /// <exception cref="ObjectDisposedException">This writer was disposed, also by another thread while this one waited.</exception>
    public ValueTask WaitToWriteAsync(int length, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ValidateLength(length);
        ThrowIfCompleted();
        return HasRoom(RecordSizeOf(length)) ? ValueTask.CompletedTask : ChannelAsync.WaitToWriteAsync(this, length, cancellationToken);
    }

    /// <summary>
    /// Reserves room for a message of <paramref name="length"/> bytes and hands out the ring memory itself:
    /// write the payload there, then <see cref="Commit"/> (or <see cref="Abort"/>). Nothing is visible to the
    /// reader before the commit. Only one claim may be open at a time.
    /// </summary>
    /// <param name="length">The message's exact length.</param>
    /// <param name="buffer">The message's bytes in shared memory; valid until <see cref="Commit"/> or <see cref="Abort"/>.</param>
    /// <returns><see langword="false"/> when the ring has no room now.</returns>
    /// <exception cref="InvalidOperationException">A claim is already open.</exception>
    public bool TryClaim(int length, out Span<byte> buffer)
    {
        byte* payload = null;
        if (!(_multi || _broadcastMode ? TryClaimOutOfLine(length, out payload) : TryClaimCore(ref _single, length, out payload)))
        {
            buffer = default;
            return false;
        }

        buffer = new Span<byte>(payload, length);
        return true;
    }

    /// <summary>Makes the claimed message visible to the reader.</summary>
    /// <exception cref="InvalidOperationException">No claim is open.</exception>
    public void Commit()
    {
        ThrowIfDisposed();
        ThrowIfNoClaim();
        if (_multi || _broadcastMode)
        {
            CommitOutOfLine();
        }
        else
        {
            CommitCore(ref _single);
        }

        ThrowIfDisposed(); // as in TryWrite
    }

    /// <summary>Gives the claimed room back without sending anything (a multi-producer writer turns it into padding the reader skips).</summary>
    /// <exception cref="InvalidOperationException">No claim is open.</exception>
    public void Abort()
    {
        ThrowIfDisposed();
        ThrowIfNoClaim();
        if (_multi)
        {
            AbortCore(ref _shared);
        }
        else if (_broadcastMode)
        {
            AbortCore(ref _broadcast);
        }
        else
        {
            AbortCore(ref _single);
        }
    }

    /// <summary>Waits until a message of <paramref name="length"/> bytes would fit.</summary>
    /// <param name="length">The message length to make room for.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <param name="cancellationToken">Cancels the wait (also while asleep).</param>
    /// <exception cref="TimeoutException">No room came in time.</exception>
    /// <exception cref="ChannelPeerDiedException">The ring is full and its reader has died.</exception>
    /// <exception cref="ObjectDisposedException">This writer was disposed, also by another thread while this one waited.</exception>
    public void WaitToWrite(int length, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ValidateLength(length);
        WaitPhase.ValidateTimeout(timeout);
        _channel.AddWaiterReference();
        try
        {
            WaitToWriteCore(length, timeout, cancellationToken);
        }
        finally
        {
            _channel.Release();
        }
    }

    /// <summary>The wait of <see cref="WaitToWrite"/>; the caller holds a waiter reference on the channel.</summary>
    private void WaitToWriteCore(int length, TimeSpan timeout, CancellationToken cancellationToken)
    {
        long needed = RecordSizeOf(length);
        var phase = new WaitPhase(_wait, timeout);
        CancellationTokenRegistration registration = default;
        int sleeps = 0;
        long dropAfter = _broadcastMode ? _m.DropAfterNanoseconds : 0;
        long waitStart = dropAfter > 0 ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        try
        {
            while (!HasRoom(needed))
            {
                if (dropAfter > 0 && DropSlowReaders(needed, waitStart, dropAfter))
                {
                    continue;
                }

                ThrowIfDisposed(); // by another thread, whose Dispose woke this one
                ThrowIfCompleted();
                cancellationToken.ThrowIfCancellationRequested();
                if (!phase.Next())
                {
                    if (phase.ShouldCheckDeadline && phase.IsExpired)
                    {
                        throw TimedOut(length, timeout);
                    }

                    continue;
                }

                TimeSpan sleep = phase.SleepFor();
                if (sleep == TimeSpan.Zero)
                {
                    throw TimedOut(length, timeout);
                }

                if (dropAfter > 0)
                {
                    sleep = SleepUntilDrop(sleep, waitStart, dropAfter);
                }

                if (cancellationToken.CanBeCanceled && registration == default)
                {
                    registration = cancellationToken.Register(static state => ChannelMemory.FutexWakeAll((int*)(nint)state!), (nint)_control.SpaceSequence);
                }

                Sleep(needed, sleep, checkReader: sleeps++ > 0 || _broadcastMode);
            }
        }
        finally
        {
            registration.Dispose();
        }
    }

    /// <summary>
    /// Marks the channel complete: the reader reads what is left, then learns that nothing more will come
    /// (<see cref="SharedMemoryChannelReader.WaitToRead"/> returns <see langword="false"/>). Final for the
    /// channel and for every writer of it.
    /// </summary>
    public void Complete()
    {
        ThrowIfDisposed();
        Volatile.Write(ref *_m.Completed, 1);
        Interlocked.MemoryBarrier();
        Volatile.Write(ref *_m.ConsumerSleeping, 0);
        ChannelMemory.FutexWakeAll(_m.DataSequence);
        ChannelMemory.FutexWakeAll(_m.SpaceSequence);
        ThrowIfDisposed(); // a racing Dispose: the flag may have gone to private memory
    }

    /// <summary>This writer as a <see cref="ChannelWriter{T}"/>, for code written against System.Threading.Channels.</summary>
    /// <returns>An adapter that writes through this writer (serialized with a lock, as ChannelWriter allows concurrent callers).</returns>
    public ChannelWriter<ReadOnlyMemory<byte>> AsChannelWriter() => new SharedMemoryChannelWriterAdapter(this);

    /// <summary>Gives back an open claim, leaves the participant table, and releases the attachment.</summary>
    /// <remarks>
    /// Safe against a call of this writer running on another thread at the same moment: the writer's own
    /// mapping is first replaced by private memory, so that call touches nothing shared from then on and
    /// ends normally or with <see cref="ObjectDisposedException"/> (its message then may or may not have
    /// been delivered); the clean-up then goes through the channel's mapping, from what the segment says.
    /// </remarks>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _m.Detach(_attachment);
        ChannelMemory c = _control;
        try
        {
            if (_multi)
            {
                _shared.Leave(c, _slot);
            }
            else if (_broadcastMode)
            {
                _broadcast.Leave(c, _slot);
            }
            else
            {
                _single.Leave(c, _slot);
            }
        }
        catch (ChannelCorruptedException)
        {
            ParticipantTable.Leave(c, _slot); // a corrupt segment must not make Dispose throw
        }

        ParticipantTable.LeaveSleep(c, _slot);
        ChannelMemory.FutexWakeAll(c.SpaceSequence); // a thread waiting in this writer sees the disposal and leaves (other sleeping writers re-check and sleep again)
        _channel.Release();
    }

    // The multi-producer and broadcast algorithms are called, not inlined, from the public fast-path methods
    // (the single-producer one, the default, stays inline, as before the broadcast mode existed): inlining
    // all three rings into every caller of TryWrite or TryClaim made the caller too large for the JIT to
    // inline what came next to it, the reader's copy and Advance in a loop that writes and reads.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryWriteOutOfLine(ReadOnlySpan<byte> message) =>
        _multi ? TryWrite(ref _shared, message) : TryWrite(ref _broadcast, message);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryClaimOutOfLine(int length, out byte* payload) =>
        _multi ? TryClaimCore(ref _shared, length, out payload) : TryClaimCore(ref _broadcast, length, out payload);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CommitOutOfLine()
    {
        if (_multi)
        {
            CommitCore(ref _shared);
        }
        else
        {
            CommitCore(ref _broadcast);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryWrite<TRing>(ref TRing ring, ReadOnlySpan<byte> message)
        where TRing : struct, IProducerRing
    {
        if (!TryClaimCore(ref ring, message.Length, out byte* payload))
        {
            return false;
        }

        message.CopyTo(new Span<byte>(payload, message.Length));
        CommitCore(ref ring);
        ThrowIfDisposed(); // a racing Dispose may have made the commit land in private memory: say so rather than claim it was sent
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryClaimCore<TRing>(ref TRing ring, int length, out byte* payload)
        where TRing : struct, IProducerRing
    {
        ThrowIfDisposed();
        if (_claim != null)
        {
            ThrowClaimOpen();
        }

        ValidateLength(length);
        ThrowIfCompleted();
        long size = TRing.RecordSize(length);
        if (!ring.TryClaim(length, size, out byte* record))
        {
            payload = null;
            return false;
        }

        _claim = record;
        _claimFrame = TRing.HeaderSize + length;
        _claimSize = size;
        payload = record + TRing.HeaderSize;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CommitCore<TRing>(ref TRing ring)
        where TRing : struct, IProducerRing
    {
        ring.Commit(_claim, _claimFrame, _claimSize);
        _claim = null;
        WakeReaderIfAsleep();
    }

    private void AbortCore<TRing>(ref TRing ring)
        where TRing : struct, IProducerRing
    {
        ring.Abort(_claim, _claimSize);
        _claim = null;
        WakeReaderIfAsleep();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WakeReaderIfAsleep()
    {
        AsymmetricFence.Light();
        if (Volatile.Read(ref *_m.ConsumerSleeping) != 0)
        {
            _m.WakeConsumer();
        }
    }

    private bool HasRoom(long size) => _multi ? _shared.HasRoom(size) : _broadcastMode ? _broadcast.HasRoom(size) : _single.HasRoom(size);

    /// <summary>Announces the sleep, re-checks, and sleeps one slice on the space futex; from the second slice of a wait on, first checks that the reader lives.</summary>
    private void Sleep(long needed, TimeSpan sleep, bool checkReader)
    {
        // The futex word, the flag and the counter are used through the channel's mapping, which this
        // waiter keeps mapped (its waiter reference); the flag is cleared with a CAS here and in Dispose,
        // so whichever clears it decrements the counter, exactly once.
        int sequence = Volatile.Read(ref *_control.SpaceSequence);
        ParticipantTable.EnterSleep(_control, _slot);
        try
        {
            AsymmetricFence.Heavy();
            ThrowIfDisposed(); // after reading the sequence: a disposal from now on changes it, so the wait below cannot miss it
            if (HasRoom(needed) || _m.IsCompleted)
            {
                return;
            }

            long reader = 0;
            if (checkReader)
            {
                ParticipantTable.Heartbeat(_m, _slot);
                if (_broadcastMode)
                {
                    // A dead reader never holds a broadcast writer back: free its place and look again.
                    if (_broadcast.ReapDeadReaders(_broadcast.BlockingBelow(needed)))
                    {
                        return;
                    }
                }
                else
                {
                    reader = ParticipantTable.DeadReader(_m);
                }
            }

            if (reader != 0)
            {
                throw ReaderDied(reader);
            }

            ChannelMemory.FutexWait(_control.SpaceSequence, sequence, sleep);
        }
        finally
        {
            ParticipantTable.LeaveSleep(_control, _slot);
        }
    }

    /// <summary>The drop-after policy: once this wait has lasted the allowance, the readers holding it back lose their place. Returns whether one did.</summary>
    private bool DropSlowReaders(long needed, long waitStart, long dropAfter)
    {
        if (System.Diagnostics.Stopwatch.GetElapsedTime(waitStart).Ticks * 100 < dropAfter)
        {
            return false;
        }

        if (_broadcast.DropReadersBelow(_broadcast.BlockingBelow(needed)) == 0)
        {
            return false;
        }

        _control.WakeConsumer(); // a dropped reader asleep learns it at once
        return true;
    }

    /// <summary>A sleep of a drop-after writer ends when the allowance does, so the slow reader is dropped in time.</summary>
    private static TimeSpan SleepUntilDrop(TimeSpan sleep, long waitStart, long dropAfter)
    {
        TimeSpan left = TimeSpan.FromTicks((dropAfter / 100) + 1) - System.Diagnostics.Stopwatch.GetElapsedTime(waitStart);
        return left <= TimeSpan.Zero ? TimeSpan.FromTicks(1) : left < sleep ? left : sleep;
    }

    /// <summary>The wait strategy (for waiting with others: <see cref="WriterWaitable"/>).</summary>
    internal ChannelWaitStrategy Strategy => _wait;

    /// <summary>The word the reader wakes when it hands back space.</summary>
    internal int* SpaceWord => _control.SpaceSequence;

    /// <summary>As in Sleep: the sequence first, then this writer counted among the sleepers (not once disposed: the slot may be another's by then).</summary>
    internal int AnnounceSpaceSleep()
    {
        int sequence = Volatile.Read(ref *_control.SpaceSequence);
        if (Volatile.Read(ref _disposed) == 0)
        {
            ParticipantTable.EnterSleep(_control, _slot);
        }

        return sequence;
    }

    internal void WithdrawSpaceSleep()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            ParticipantTable.LeaveSleep(_control, _slot);
        }
    }

    /// <summary>
    /// What a write of <paramref name="length"/> bytes would find now (see <see cref="IChannelWaitable.Check"/>).
    /// A broadcast writer also does what its blocking wait does: frees dead readers' places, and under the
    /// drop-after policy drops the readers holding it back once <paramref name="waitStart"/> (0 until the
    /// first look that found no room) is that long ago.
    /// </summary>
    internal ChannelReadiness CheckRoom(int length, bool checkPeers, ref long waitStart)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return ChannelReadiness.Disposed;
        }

        try
        {
            if (_m.IsCompleted)
            {
                return ChannelReadiness.Completed;
            }

            long needed = RecordSizeOf(length);
            if (HasRoom(needed))
            {
                waitStart = 0;
                return ChannelReadiness.Ready;
            }

            long dropAfter = _broadcastMode ? _m.DropAfterNanoseconds : 0;
            if (dropAfter > 0)
            {
                if (waitStart == 0)
                {
                    waitStart = System.Diagnostics.Stopwatch.GetTimestamp();
                }
                else if (DropSlowReaders(needed, waitStart, dropAfter) && HasRoom(needed))
                {
                    waitStart = 0;
                    return ChannelReadiness.Ready;
                }
            }

            if (checkPeers)
            {
                ParticipantTable.Heartbeat(_m, _slot);
                if (_broadcastMode)
                {
                    if (_broadcast.ReapDeadReaders(_broadcast.BlockingBelow(needed)) && HasRoom(needed))
                    {
                        return ChannelReadiness.Ready;
                    }
                }
                else if (ParticipantTable.DeadReader(_m) != 0)
                {
                    return ChannelReadiness.PeerDied;
                }
            }

            return default;
        }
        catch (ChannelCorruptedException)
        {
            return ChannelReadiness.Ready;
        }
        catch (ObjectDisposedException)
        {
            return ChannelReadiness.Disposed;
        }
    }

    private long RecordSizeOf(int length) => _broadcastMode ? BroadcastLayout.RecordSize(length) : ChannelLayout.RecordSize(length);

    /// <summary>Checks a length against the channel's maximum (for callers outside this class).</summary>
    internal void CheckLength(int length) => ValidateLength(length);

    /// <summary>
    /// After an asynchronous wait: whether a message of <paramref name="length"/> bytes fits now. Throws
    /// what the blocking wait would: <see cref="ObjectDisposedException"/>, <see cref="ChannelClosedException"/>,
    /// <see cref="ChannelCorruptedException"/>, and, after <see cref="ChannelReadiness.PeerDied"/>,
    /// <see cref="ChannelPeerDiedException"/> if it still holds.
    /// </summary>
    internal bool AfterWait(int length, ChannelReadiness readiness)
    {
        ThrowIfDisposed();
        ThrowIfCompleted();
        if (HasRoom(RecordSizeOf(length)))
        {
            return true;
        }

        long reader = readiness == ChannelReadiness.PeerDied && !_broadcastMode ? ParticipantTable.DeadReader(_m) : 0;
        if (reader != 0)
        {
            throw ReaderDied(reader);
        }

        ThrowIfDisposed(); // the checks above may have read the private memory a racing Dispose left
        return false;
    }

    private ChannelPeerDiedException ReaderDied(long reader) =>
        new($"The reader of the channel in {_m.Description} (pid {ChannelMemory.Pid(reader)}) died and the ring is full: nothing will make room until a new reader opens the channel (it resumes where the dead one stopped).",
            ChannelRole.Consumer, ParticipantIdentity.PidOf(reader), _m.Key, _m.Id);

    private void ValidateLength(int length)
    {
        if ((uint)length > (uint)_maxMessage)
        {
            ThrowLength(length);
        }
    }

    [DoesNotReturn]
    private void ThrowLength(int length) =>
        throw new ArgumentOutOfRangeException(nameof(length), length, $"A message of the channel in {_m.Description} must be 0 to {_maxMessage} bytes (its MaxMessageSize); nothing was written. Split the message, or create the channel with a larger capacity.");

    private void ThrowIfCompleted()
    {
        if (Volatile.Read(ref *_m.Completed) != 0)
        {
            ThrowCompleted();
        }
    }

    [DoesNotReturn]
    private void ThrowCompleted()
    {
        _ = _m.CheckCompleted(Volatile.Read(ref *_m.Completed));
        throw new ChannelClosedException($"The channel in {_m.Description} was completed: nothing more can be written to it.");
    }

    private TimeoutException TimedOut(int length, TimeSpan timeout) =>
        new($"The channel in {_m.Description} had no room for a {length}-byte message within {timeout}: its reader is not keeping up (or not reading).");

    private void ThrowIfNoClaim()
    {
        if (_claim == null)
        {
            throw new InvalidOperationException("No claim is open: call TryClaim first.");
        }
    }

    [DoesNotReturn]
    private static void ThrowClaimOpen() => throw new InvalidOperationException("A claim is open: Commit or Abort it before writing again.");

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            ThrowDisposed();
        }
    }

    [DoesNotReturn]
    private void ThrowDisposed() => throw new ObjectDisposedException(nameof(SharedMemoryChannelWriter), $"This writer of the channel in {_m.Description} was disposed.");
}
