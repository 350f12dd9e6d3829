using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace SysV.Ipc;

/// <summary>
/// The one reader of a <see cref="SharedMemoryChannel"/> (obtained from <see cref="SharedMemoryChannel.OpenReader(ChannelWaitStrategy)"/>).
/// Reading a message costs no system call: the reader checks the record at its position in shared memory.
/// Use it from one thread at a time.
/// </summary>
/// <remarks>
/// Consumed space is handed back to the writers (zeroed first in a multi-producer channel) in batches: when a quarter of the ring has been
/// read, and whenever the reader finds the ring empty. A reader that takes over from a reader that died
/// resumes after the last batch the dead one handed back; messages it had read since then are delivered
/// again (at least once for that batch, never lost).
/// </remarks>
public sealed unsafe class SharedMemoryChannelReader : IDisposable, IChannelWaitable
{
    private readonly SharedMemoryChannel _channel;
    private readonly SharedMemoryAttachment _attachment; // this reader's own mapping of the segment, replaced by private memory at Dispose
    private readonly ChannelMemory _m;       // over _attachment: everything a call of this reader touches
    private readonly ChannelMemory _control; // over the channel's mapping: sleeping, waking and Dispose's hand-back
    private readonly ChannelWaitStrategy _wait;
    private readonly byte* _ring;
    private readonly long _mask;
    private readonly long _capacity;
    private readonly int _maxMessage;
    private readonly long _publishThreshold;
    private readonly bool _zeroConsumed;
    private readonly BroadcastCursor? _broadcast; // a broadcast channel's reader: its cursor reads the records
    private long _position;   // the next record to read
    private long _published;  // the head as last handed back to the writers
    private long _peekedSize; // the record size of the message TryPeek returned; 0 when none
    private int _disposed;

    internal SharedMemoryChannelReader(SharedMemoryChannel channel, SharedMemoryAttachment attachment, ChannelMemory memory, ChannelMemory control, ChannelWaitStrategy wait, ReaderStart start = ReaderStart.Latest)
    {
        _channel = channel;
        _attachment = attachment;
        _m = memory;
        _control = control;
        _wait = wait;
        _ring = memory.Ring;
        _mask = memory.Mask;
        _capacity = memory.Capacity;
        _maxMessage = memory.MaxMessageSize;
        _publishThreshold = memory.Capacity / 4;
        _zeroConsumed = memory.Mode == ChannelMode.MultiProducer;
        if (memory.IsBroadcast)
        {
            _broadcast = new BroadcastCursor(memory, control, start);
        }
        else
        {
            Register();
        }
    }

    /// <summary>The channel this reader reads.</summary>
    public SharedMemoryChannel Channel => _channel;

    /// <summary>
    /// The ring position of the next message (after <see cref="TryPeek"/> returned one: of that message), in
    /// bytes since the channel was created. It names a message for the channel's whole life: a reader that
    /// takes over after a crash and reads a message again sees it at the same position, so a consumer can
    /// use it to recognize what it already handled (the NATS bridge makes its message ids from it). A
    /// broadcast channel's reader has its own position (its cursor).
    /// </summary>
    public long Position => _broadcast?.Position ?? _position;

    /// <summary>
    /// Looks at the next message without consuming it: the span points straight into shared memory and
    /// stays valid until <see cref="Advance"/> (or disposal). No copy, no system call.
    /// </summary>
    /// <param name="message">The message's bytes; empty when the result is <see langword="false"/>.</param>
    /// <returns><see langword="true"/> when a message is there.</returns>
    /// <exception cref="ChannelCorruptedException">The record at the reader's position is not one a writer can produce.</exception>
    /// <remarks>A writer process with access to the segment can still change the bytes while you look at them: copy what you must validate.</remarks>
    public bool TryPeek(out ReadOnlySpan<byte> message)
    {
        ThrowIfDisposed();
        if (_broadcast != null)
        {
            return _broadcast.TryPeek(out message);
        }

        while (true)
        {
            long position = _position;
            long index = position & _mask;
            byte* record = _ring + index;
            int frame = Volatile.Read(ref *(int*)record);
            if (frame <= 0)
            {
                message = default;
                OnNothingCommitted(frame, position);
                return false;
            }

            int tag = *(int*)(record + 4);
            long room = _capacity - index;
            if (tag == ChannelLayout.DataTag && frame >= ChannelLayout.RecordHeaderSize && frame - ChannelLayout.RecordHeaderSize <= _maxMessage
                && ChannelLayout.RecordSize(frame - ChannelLayout.RecordHeaderSize) <= room)
            {
                _peekedSize = ChannelLayout.RecordSize(frame - ChannelLayout.RecordHeaderSize);
                message = new ReadOnlySpan<byte>(record + ChannelLayout.RecordHeaderSize, frame - ChannelLayout.RecordHeaderSize);
                return true;
            }

            StepOver(position, index, frame, tag, room);
        }
    }

    /// <summary>Consumes the message the last <see cref="TryPeek"/> returned; its span must not be used afterwards.</summary>
    /// <exception cref="InvalidOperationException">No message was peeked since the last advance.</exception>
    public void Advance()
    {
        ThrowIfDisposed();
        if (_broadcast != null)
        {
            _broadcast.Advance();
            return;
        }

        if (_peekedSize == 0)
        {
            ThrowNothingPeeked();
        }

        _position += _peekedSize;
        _peekedSize = 0;
        if (_position - _published >= _publishThreshold)
        {
            Publish();
        }
    }

    /// <summary>Copies the next message into <paramref name="destination"/> and consumes it, if there is one.</summary>
    /// <param name="destination">Where to copy; must be at least as long as the message.</param>
    /// <param name="length">The message's length.</param>
    /// <returns><see langword="true"/> when a message was read.</returns>
    /// <exception cref="ArgumentException">The message is longer than <paramref name="destination"/>; it stays in the channel.</exception>
    public bool TryRead(Span<byte> destination, out int length)
    {
        if (!TryPeek(out ReadOnlySpan<byte> message))
        {
            length = 0;
            return false;
        }

        if (message.Length > destination.Length)
        {
            ThrowDestinationTooSmall(message.Length, destination.Length, nameof(destination));
        }

        message.CopyTo(destination);
        ThrowIfDisposed(); // the copy may have read the private memory a racing Dispose left: then it is no message
        length = message.Length;
        Advance();
        return true;
    }

    /// <summary>Reads the next message into a new array, if there is one.</summary>
    /// <param name="message">The message.</param>
    /// <returns><see langword="true"/> when a message was read.</returns>
    public bool TryRead([NotNullWhen(true)] out byte[]? message)
    {
        if (!TryPeek(out ReadOnlySpan<byte> span))
        {
            message = null;
            return false;
        }

        message = span.ToArray();
        ThrowIfDisposed(); // as in TryRead(Span, out int)
        Advance();
        return true;
    }

    /// <summary>Waits for the next message and copies it into <paramref name="destination"/>.</summary>
    /// <param name="destination">Where to copy; at least as long as the message.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <param name="cancellationToken">Cancels the wait (also while asleep).</param>
    /// <returns>The message's length.</returns>
    /// <exception cref="TimeoutException">No message came in time.</exception>
    /// <exception cref="ChannelClosedException">The channel was completed and every message has been read.</exception>
    /// <exception cref="ChannelPeerDiedException">The ring is empty and every writer that was open has died.</exception>
    public int Read(Span<byte> destination, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        WaitPhase.ValidateTimeout(timeout);
        if (TryRead(destination, out int length))
        {
            return length;
        }

        _channel.AddWaiterReference();
        try
        {
            while (true)
            {
                if (!WaitToReadCore(timeout, cancellationToken))
                {
                    throw ClosedException();
                }

                if (TryRead(destination, out length))
                {
                    return length;
                }
            }
        }
        finally
        {
            _channel.Release();
        }
    }

    /// <summary>Waits without limit (but cancellably) for the next message and copies it into <paramref name="destination"/>.</summary>
    /// <param name="destination">Where to copy.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The message's length.</returns>
    public int Read(Span<byte> destination, CancellationToken cancellationToken) =>
        Read(destination, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Waits for the next message and returns it in a new array.</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The message.</returns>
    /// <exception cref="TimeoutException">No message came in time.</exception>
    /// <exception cref="ChannelClosedException">The channel was completed and every message has been read.</exception>
    public byte[] Read(TimeSpan timeout, CancellationToken cancellationToken)
    {
        WaitPhase.ValidateTimeout(timeout);
        if (TryRead(out byte[]? message))
        {
            return message;
        }

        _channel.AddWaiterReference();
        try
        {
            while (true)
            {
                if (!WaitToReadCore(timeout, cancellationToken))
                {
                    throw ClosedException();
                }

                if (TryRead(out message))
                {
                    return message;
                }
            }
        }
        finally
        {
            _channel.Release();
        }
    }

    /// <summary>Waits without limit for the next message and copies it into <paramref name="destination"/>.</summary>
    /// <param name="destination">Where to copy.</param>
    /// <returns>The message's length.</returns>
    public int Read(Span<byte> destination) => Read(destination, Timeout.InfiniteTimeSpan, CancellationToken.None);

    /// <summary>Waits without limit for the next message.</summary>
    /// <returns>The message.</returns>
    public byte[] Read() => Read(Timeout.InfiniteTimeSpan, CancellationToken.None);

    /// <summary>Reads the next message, waiting asynchronously when there is none.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The message.</returns>
    /// <exception cref="ChannelClosedException">The channel was completed and every message has been read.</exception>
    /// <exception cref="ChannelPeerDiedException">The ring is empty and every writer that was open has died.</exception>
    /// <exception cref="ObjectDisposedException">This reader was disposed, also by another thread while the read waited.</exception>
    /// <remarks>
    /// Completes synchronously when a message is there. Otherwise it spins and yields on the calling thread
    /// as the reader's <see cref="ChannelWaitStrategy"/> says, then the wait is taken over by the process's
    /// channel waiter threads (one per 127 pending waits, each sleeping in one futex_waitv call), so a
    /// pending read holds no thread. Cancelling takes the wait out at once and consumes nothing: a message
    /// is either returned or stays in the channel.
    /// </remarks>
    public ValueTask<byte[]> ReadAsync(CancellationToken cancellationToken = default) =>
        TryRead(out byte[]? message) ? new ValueTask<byte[]>(message) : ChannelAsync.ReadAsync(this, cancellationToken);

    /// <summary>Waits until a message can be read.</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <param name="cancellationToken">Cancels the wait (also while asleep).</param>
    /// <returns><see langword="true"/> when a message is there; <see langword="false"/> when the channel was completed and everything has been read.</returns>
    /// <exception cref="TimeoutException">Nothing came in time.</exception>
    /// <exception cref="ChannelPeerDiedException">The ring is empty and every writer that was open has died.</exception>
    /// <exception cref="ObjectDisposedException">This reader was disposed, also by another thread while this one waited.</exception>
    public bool WaitToRead(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        WaitPhase.ValidateTimeout(timeout);
        ThrowIfDisposed();
        _channel.AddWaiterReference();
        try
        {
            return WaitToReadCore(timeout, cancellationToken);
        }
        finally
        {
            _channel.Release();
        }
    }

    /// <summary>The wait of <see cref="WaitToRead"/>; the caller holds a waiter reference on the channel.</summary>
    private bool WaitToReadCore(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var phase = new WaitPhase(_wait, timeout);
        CancellationTokenRegistration registration = default;
        int sleeps = 0;
        long* tail = _zeroConsumed ? null : _m.Tail;
        try
        {
            for (int polls = 0; ; polls++)
            {
                ThrowIfDisposed(); // by another thread, whose Dispose woke this one
                // A single producer's tail moves after each commit: while spinning, watch that word rather
                // than the record the writer is filling, which would pull its cache line away mid-write.
                // Every 64th poll looks at the record anyway (the tail is only a hint, say after a crash).
                bool worthPeeking = tail == null || (polls & 63) == 0 || Volatile.Read(ref *tail) != _position;
                if (worthPeeking && TryPeek(out _))
                {
                    return true;
                }

                if (_m.IsCompleted)
                {
                    return TryPeek(out _); // a message committed just before completion
                }

                cancellationToken.ThrowIfCancellationRequested();
                if (!phase.Next())
                {
                    if (phase.ShouldCheckDeadline && phase.IsExpired)
                    {
                        throw TimedOut(timeout);
                    }

                    continue;
                }

                TimeSpan sleep = phase.SleepFor();
                if (sleep == TimeSpan.Zero)
                {
                    throw TimedOut(timeout);
                }

                if (cancellationToken.CanBeCanceled && registration == default)
                {
                    registration = cancellationToken.Register(static state => ChannelMemory.FutexWakeAll((int*)(nint)state!), (nint)_control.DataSequence);
                }

                Sleep(sleep, checkPeers: sleeps++ > 0);
            }
        }
        finally
        {
            registration.Dispose();
        }
    }

    /// <summary>Waits asynchronously until a message can be read (see <see cref="ReadAsync"/> for how it waits).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when a message is there; <see langword="false"/> when the channel was completed and everything has been read.</returns>
    /// <exception cref="ChannelPeerDiedException">The ring is empty and every writer that was open has died.</exception>
    /// <exception cref="ObjectDisposedException">This reader was disposed, also by another thread while this one waited.</exception>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        if (TryPeek(out _))
        {
            return new ValueTask<bool>(true);
        }

        return ChannelAsync.WaitToReadAsync(this, cancellationToken);
    }

    /// <summary>This reader as a <see cref="ChannelReader{T}"/> of byte arrays, for code written against System.Threading.Channels.</summary>
    /// <returns>An adapter; it reads through this reader, so do not use both at once.</returns>
    public ChannelReader<byte[]> AsChannelReader() => new SharedMemoryChannelReaderAdapter(this);

    /// <summary>Hands back what was read, leaves the consumer's place in the participant table, and releases the attachment.</summary>
    /// <remarks>
    /// Safe against a call of this reader running on another thread at the same moment: the reader's own
    /// mapping is first replaced by private memory, so that call touches nothing shared from then on and
    /// ends normally or with <see cref="ObjectDisposedException"/>; the hand-back then goes through the
    /// channel's mapping. A message such a call returned may be delivered again to the next reader (at
    /// least once, as after a crash); none is lost.
    /// </remarks>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _m.Detach(_attachment);
        ChannelMemory c = _control;
        if (_broadcast != null)
        {
            _broadcast.Leave(c); // nothing to hand back: the writer stops waiting for this reader's cursor
        }
        else
        {
            try
            {
                HandBack(c);
            }
            catch (ChannelCorruptedException)
            {
                // A corrupt segment must not make Dispose throw; the next reader to open it is told.
            }

            Volatile.Write(ref *c.ConsumerSleeping, 0);
            ParticipantTable.Leave(c, ParticipantTable.ReaderSlot);
        }

        ChannelMemory.FutexWakeAll(c.DataSequence); // a thread of this process waiting in this reader: it sees the disposal and leaves
        _channel.Release();
    }

    /// <summary>
    /// Dispose's publish, from the segment's own head (not this reader's fields, which a racing call may
    /// have been changing) to the furthest of what this reader handed out and what it recorded as consumed.
    /// </summary>
    private void HandBack(ChannelMemory c)
    {
        long head = Volatile.Read(ref *c.Head);
        long to = Math.Max(Volatile.Read(ref _position), Volatile.Read(ref *c.Consumed));
        ChannelMemory.CheckPosition(c, head, "consumer head");
        ChannelMemory.CheckPosition(c, to, "consumed");
        if (to <= head || to - head > _capacity)
        {
            return;
        }

        c.CheckNotPastTail(to);
        Volatile.Write(ref *c.Consumed, to);
        if (_zeroConsumed)
        {
            c.Zero(head, to);
        }

        Volatile.Write(ref *c.Head, to);
        AsymmetricFence.Light();
        if (Volatile.Read(ref *c.ProducersSleeping) != 0)
        {
            c.WakeProducers();
        }
    }

    SharedMemoryChannel IChannelWaitable.Channel => _channel;

    ChannelWaitStrategy IChannelWaitable.Strategy => _wait;

    int* IChannelWaitable.SleepWord => _control.DataSequence;

    int IChannelWaitable.AnnounceSleep()
    {
        // As in Sleep: the sequence first, then the flag; the caller fences and checks again.
        int sequence = Volatile.Read(ref *_control.DataSequence);
        Volatile.Write(ref *_control.ConsumerSleeping, 1);
        return sequence;
    }

    void IChannelWaitable.WithdrawSleep()
    {
        if (_broadcast == null) // broadcast readers share the flag: as in Sleep, only the writer clears it
        {
            Volatile.Write(ref *_control.ConsumerSleeping, 0);
        }
    }

    ChannelReadiness IChannelWaitable.Check(bool checkPeers)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return ChannelReadiness.Disposed;
        }

        try
        {
            if (TryPeek(out _))
            {
                return ChannelReadiness.Ready;
            }

            if (_m.IsCompleted)
            {
                return TryPeek(out _) ? ChannelReadiness.Ready : ChannelReadiness.Completed;
            }

            _broadcast?.CheckStalled(); // a dropped broadcast reader is ready: its next call says so

            if (checkPeers)
            {
                Heartbeat();
                if (RecoverDeadClaim())
                {
                    return TryPeek(out _) ? ChannelReadiness.Ready : default;
                }

                if (ParticipantTable.DeadWriterWhenAllDead(_m) != 0)
                {
                    return ChannelReadiness.PeerDied;
                }
            }

            return default;
        }
        catch (Exception e) when (e is ChannelCorruptedException or ChannelReaderDroppedException)
        {
            return ChannelReadiness.Ready;
        }
        catch (ObjectDisposedException)
        {
            return ChannelReadiness.Disposed;
        }
    }

    /// <summary>
    /// After an asynchronous wait: <see langword="true"/> when a message is there, <see langword="false"/>
    /// when the channel is completed and drained, null to wait again. Throws what the blocking wait would:
    /// <see cref="ObjectDisposedException"/>, <see cref="ChannelCorruptedException"/>, and, after
    /// <see cref="ChannelReadiness.PeerDied"/>, <see cref="ChannelPeerDiedException"/> if it still holds.
    /// </summary>
    internal bool? AfterWait(ChannelReadiness readiness)
    {
        if (TryPeek(out _))
        {
            return true;
        }

        if (_m.IsCompleted)
        {
            return TryPeek(out _);
        }

        _broadcast?.CheckStalled(); // a dropped broadcast reader learns it here, as in the blocking wait
        if (readiness == ChannelReadiness.PeerDied)
        {
            ThrowIfWritersDied();
        }

        return null;
    }

    internal ChannelClosedException ClosedException() =>
        new($"The channel in {_m.Description} was completed by its writer and every message has been read.");

    private TimeoutException TimedOut(TimeSpan timeout) =>
        new($"No message arrived in the channel in {_m.Description} within {timeout}.");

    /// <summary>
    /// Announces the sleep, re-checks, and sleeps one slice on the data futex. From the second slice of a
    /// wait on, it first looks after crashed writers (reading /proc costs tens of microseconds: not on
    /// every short sleep).
    /// </summary>
    private void Sleep(TimeSpan sleep, bool checkPeers)
    {
        // The futex word and the flag are used through the channel's mapping, which this waiter keeps
        // mapped (its waiter reference): a disposal on another thread wakes it there.
        // A broadcast channel's readers share the flag: one of them never clears it (that could hide
        // another's sleep); the writer clears it when it wakes them all.
        bool ownsFlag = _broadcast == null;
        int sequence = Volatile.Read(ref *_control.DataSequence);
        Volatile.Write(ref *_control.ConsumerSleeping, 1);
        AsymmetricFence.Heavy();
        if (TryPeek(out _) || _m.IsCompleted) // TryPeek also throws if another thread disposed this reader after the sequence was read
        {
            if (ownsFlag)
            {
                Volatile.Write(ref *_control.ConsumerSleeping, 0);
            }

            return;
        }

        try
        {
            if (_broadcast != null)
            {
                _broadcast.CheckStalled();
            }

            if (checkPeers)
            {
                Heartbeat();
                if (RecoverDeadClaim())
                {
                    return;
                }

                ThrowIfWritersDied();
            }

            ChannelMemory.FutexWait(_control.DataSequence, sequence, sleep);
        }
        finally
        {
            if (ownsFlag)
            {
                Volatile.Write(ref *_control.ConsumerSleeping, 0);
            }
        }
    }

    /// <summary>Records that this reader still visits its slow path: in its broadcast block, or in the consumer's slot.</summary>
    private void Heartbeat()
    {
        if (_broadcast != null)
        {
            _broadcast.Heartbeat();
        }
        else
        {
            ParticipantTable.Heartbeat(_m, ParticipantTable.ReaderSlot);
        }
    }

    /// <summary>
    /// Steps over a record that is not a message: a padding record (which runs exactly to the ring's end,
    /// and never starts at offset 0, so at most one is stepped over before a record at offset 0) or, in a
    /// multi-producer channel, an aborted claim. Anything else is corruption. Hands back space on the way,
    /// which checks the reader against the writers' tail: a run of skip records cannot carry it past what
    /// was written, so this loop ends.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void StepOver(long position, long index, int frame, int tag, long room)
    {
        bool padding = tag == ChannelLayout.PaddingTag && index != 0 && frame == room;
        bool skip = tag == ChannelLayout.SkipTag && _zeroConsumed && frame >= ChannelLayout.RecordHeaderSize && (frame & 7) == 0
            && frame <= room && frame <= _capacity / 2;
        if (!padding && !skip)
        {
            throw _m.Corrupted(tag == ChannelLayout.PaddingTag
                ? $"the padding record at position {position} (ring offset {index}) has length {frame}; a padding record runs exactly to the ring's end ({room} bytes from there) and never starts at offset 0"
                : $"the record at position {position} (ring offset {index}) has length {frame} and tag 0x{tag:x8}, which no writer produces (maximum message {_maxMessage} bytes, {room} bytes left before the ring's end)");
        }

        _position = position + frame;
        if (_position - _published >= _publishThreshold)
        {
            Publish();
        }
    }

    /// <summary>Nothing committed at the reader's position: hand back what was read, and reject what cannot be.</summary>
    private void OnNothingCommitted(int frame, long position)
    {
        if (frame < 0 && (_m.Mode == ChannelMode.SingleProducer || -(long)frame > _capacity / 2 || (frame & 7) != 0))
        {
            throw _m.Corrupted($"the record at position {position} has length {frame}, which no writer of this {_m.Mode} channel produces");
        }

        if (_position != _published)
        {
            Publish();
        }
    }

    /// <summary>
    /// Hands the consumed space back: records it, zeroes it, then moves the head. Multi-producer writers
    /// need free space zeroed (a claimed record's header may be read before its writer has written it, and
    /// must not show an earlier lap's bytes); a single producer clears each next header itself, so its
    /// reader skips the zeroing.
    /// </summary>
    private void Publish()
    {
        long from = _published;
        long to = _position;
        if (to == from)
        {
            return;
        }

        _m.CheckNotPastTail(to);
        Volatile.Write(ref *_m.Consumed, to);
        if (_zeroConsumed)
        {
            _m.Zero(from, to);
        }

        Volatile.Write(ref *_m.Head, to);
        _published = to;
        AsymmetricFence.Light();
        if (Volatile.Read(ref *_m.ProducersSleeping) != 0)
        {
            _m.WakeProducers();
        }
    }

    /// <summary>
    /// A multi-producer writer claimed the space at the reader's position and has not committed it. If every
    /// process whose claim covers it is dead, the claim will never be committed: skip it. A live writer's
    /// claim is never touched.
    /// </summary>
    private bool RecoverDeadClaim()
    {
        if (_m.Mode != ChannelMode.MultiProducer)
        {
            return false;
        }

        long end = DeadClaimRecovery.SkipEnd(_m, _position, _published);
        if (end == DeadClaimRecovery.NothingToSkip)
        {
            return false;
        }

        if (end != DeadClaimRecovery.CommittedMeanwhile)
        {
            _position = end; // the dead claim is zeroed with the next batch
            Publish();
        }

        return true;
    }

    /// <summary>The ring is empty: if every writer that holds a place has died, nothing will ever come.</summary>
    private void ThrowIfWritersDied()
    {
        long deadOwner = ParticipantTable.DeadWriterWhenAllDead(_m);
        if (deadOwner != 0)
        {
            throw new ChannelPeerDiedException(
                $"The writer of the channel in {_m.Description} (pid {ChannelMemory.Pid(deadOwner)}) died, and the ring is empty: nothing more will come unless a new writer opens the channel (it takes the dead one's place).",
                ChannelRole.Producer, ParticipantIdentity.PidOf(deadOwner), _m.Key, _m.Id);
        }
    }

    private void Register()
    {
        ParticipantTable.TakeReaderSlot(_m);
        Volatile.Write(ref *_control.ConsumerSleeping, 0);

        // Resume after what the previous reader handed out; zero what it had not finished zeroing.
        long head = Volatile.Read(ref *_m.Head);
        long consumed = Volatile.Read(ref *_m.Consumed);
        ChannelMemory.CheckPosition(_m, head, "consumer head");
        ChannelMemory.CheckPosition(_m, consumed, "consumed");
        if (consumed < head || consumed - head > _capacity)
        {
            throw _m.Corrupted($"the consumed position {consumed} and the head {head} are more than the ring apart or out of order");
        }

        _ = _m.ReadTail(head);
        _published = head;
        _position = consumed;
        Publish();
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            ThrowDisposed();
        }
    }

    // The fast paths' cold throws live out of line, so that TryRead and Advance stay small enough to inline.
    [DoesNotReturn]
    private void ThrowDestinationTooSmall(int messageLength, int destinationLength, string parameterName)
    {
        _peekedSize = 0;
        _broadcast?.CancelPeek();
        throw new ArgumentException($"The next message is {messageLength} bytes, more than the {destinationLength}-byte destination; it stays in the channel. Pass a buffer of MaxMessageSize ({_maxMessage}) bytes, or use TryPeek.", parameterName);
    }

    [DoesNotReturn]
    private static void ThrowNothingPeeked() =>
        throw new InvalidOperationException("Advance consumes the message TryPeek returned, and no message has been peeked since the last Advance.");

    [DoesNotReturn]
    private void ThrowDisposed() => throw new ObjectDisposedException(nameof(SharedMemoryChannelReader), $"This reader of the channel in {_m.Description} was disposed.");
}
