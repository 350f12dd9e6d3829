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
    private readonly byte* _ring;
    private readonly long _mask;
    private readonly long _capacity;
    private readonly int _maxMessage;
    private readonly bool _multi;
    private readonly byte* _slot;
    private readonly int _slotIndex;
    private long _tail;      // single producer: the next position to write (the shared tail mirrors it)
    private long _headCache; // single producer: the last head read
    private byte* _claim;    // the record of an uncommitted claim; null when none
    private int _claimFrame;
    private long _claimSize;
    private long _claimPosition = -1; // multi-producer: the position of the record this writer last claimed
    private int _disposed;

    internal SharedMemoryChannelWriter(SharedMemoryChannel channel, SharedMemoryAttachment attachment, ChannelMemory memory, ChannelMemory control, ChannelWaitStrategy wait)
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
        _multi = memory.Mode == ChannelMode.MultiProducer;
        _slot = Register(out bool tookOver);
        _slotIndex = (int)((_slot - memory.Slot(0)) / ChannelLayout.SlotSize);
        if (!_multi)
        {
            Resume(tookOver);
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
    public bool TryWrite(ReadOnlySpan<byte> message)
    {
        if (!TryClaimCore(message.Length, out byte* payload))
        {
            return false;
        }

        message.CopyTo(new Span<byte>(payload, message.Length));
        CommitCore();
        ThrowIfDisposed(); // a racing Dispose may have made the commit land in private memory: say so rather than claim it was sent
        return true;
    }

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
    /// <remarks>Completes synchronously when there is room. Otherwise the wait runs on a thread-pool thread (a futex cannot be awaited).</remarks>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        if (TryWrite(message.Span))
        {
            return ValueTask.CompletedTask;
        }

        return new ValueTask(Task.Run(() => Write(message.Span, Timeout.InfiniteTimeSpan, cancellationToken), cancellationToken));
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
        if (!TryClaimCore(length, out byte* payload))
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
        CommitCore();
        ThrowIfDisposed(); // as in TryWrite
    }

    /// <summary>Gives the claimed room back without sending anything (a multi-producer writer turns it into padding the reader skips).</summary>
    /// <exception cref="InvalidOperationException">No claim is open.</exception>
    public void Abort()
    {
        ThrowIfDisposed();
        ThrowIfNoClaim();
        AbortCore();
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
        long needed = ChannelLayout.RecordSize(length);
        var phase = new WaitPhase(_wait, timeout);
        CancellationTokenRegistration registration = default;
        int sleeps = 0;
        try
        {
            while (!HasRoom(needed))
            {
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

                if (cancellationToken.CanBeCanceled && registration == default)
                {
                    registration = cancellationToken.Register(static state => ChannelMemory.FutexWakeAll((int*)(nint)state!), (nint)_control.SpaceSequence);
                }

                Sleep(needed, sleep, checkReader: sleeps++ > 0);
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

        _m.Detached = true;
        _attachment.DisposeToPlaceholder();
        ChannelMemory c = _control;
        byte* slot = c.Slot(_slotIndex);
        try
        {
            if (_multi)
            {
                SkipAbandonedClaim(c);
                LeaveSharedSlot(c, slot);
            }
            else
            {
                PublishTailPastPadding(c);
                Interlocked.CompareExchange(ref *ChannelMemory.SlotOwner(slot), 0, ParticipantIdentity.Current);
            }
        }
        catch (ChannelCorruptedException)
        {
            Interlocked.CompareExchange(ref *ChannelMemory.SlotOwner(slot), 0, ParticipantIdentity.Current); // a corrupt segment must not make Dispose throw
        }

        if (Interlocked.CompareExchange(ref *(int*)(slot + ChannelLayout.SlotSleeping), 0, 1) == 1)
        {
            Interlocked.Decrement(ref *c.ProducersSleeping);
        }

        ChannelMemory.FutexWakeAll(c.SpaceSequence); // a thread waiting in this writer sees the disposal and leaves (other sleeping writers re-check and sleep again)
        _channel.Release();
    }

    /// <summary>
    /// Multi-producer Dispose: the claim this writer last made, if the reader has not passed it and it is
    /// still marked as being written, becomes a skip record, so the reader goes on at once. Only the
    /// segment's state decides (this writer's fields may be changing under a racing call): a claim the
    /// reader passed may belong to another writer by now, and a committed one is left alone.
    /// </summary>
    private void SkipAbandonedClaim(ChannelMemory c)
    {
        long position = Volatile.Read(ref _claimPosition);
        if (position < 0 || Volatile.Read(ref *c.Head) > position)
        {
            return;
        }

        byte* record = c.Ring + (position & _mask);
        int frame = Volatile.Read(ref *(int*)record);
        if (frame < 0 && -(long)frame <= _capacity / 2 && (frame & 7) == 0 && -(long)frame <= _capacity - (position & _mask))
        {
            *(int*)(record + 4) = ChannelLayout.SkipTag;
            Volatile.Write(ref *(int*)record, -frame);
            AsymmetricFence.Light();
            if (Volatile.Read(ref *c.ConsumerSleeping) != 0)
            {
                c.WakeConsumer();
            }
        }
    }

    /// <summary>
    /// Multi-producer Dispose: frees the slot, or, while the last claim it records is still ahead of the
    /// reader, leaves it <see cref="ParticipantIdentity.Released"/>: a racing call may have claimed space
    /// this Dispose cannot see, and the reader's dead-claim recovery skips such a claim of a released slot.
    /// </summary>
    private static void LeaveSharedSlot(ChannelMemory c, byte* slot)
    {
        long next = ClaimIsPassed(c, slot) ? 0 : ParticipantIdentity.Released;
        Interlocked.CompareExchange(ref *ChannelMemory.SlotOwner(slot), next, ParticipantIdentity.Current);
    }

    /// <summary>Single-producer Dispose: a padding record this writer committed for a claim it never committed is still passed by the tail.</summary>
    private void PublishTailPastPadding(ChannelMemory c)
    {
        long tail = Volatile.Read(ref _tail);
        long shared = Volatile.Read(ref *c.Tail);
        long head = Volatile.Read(ref *c.Head);
        if (tail > shared && (tail & 7) == 0 && head >= 0 && tail - head <= _capacity)
        {
            Volatile.Write(ref *c.Tail, tail);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryClaimCore(int length, out byte* payload)
    {
        ThrowIfDisposed();
        if (_claim != null)
        {
            ThrowClaimOpen();
        }

        ValidateLength(length);
        ThrowIfCompleted();
        long size = ChannelLayout.RecordSize(length);
        return _multi ? TryClaimShared(length, size, out payload) : TryClaimSingle(length, size, out payload);
    }

    private bool TryClaimSingle(int length, long size, out byte* payload)
    {
        long tail = _tail;
        long index = tail & _mask;
        long room = _capacity - index;
        long needed = size <= room ? size : room + size;
        // Strictly less than the capacity: the record header after the new tail must stay free (see CommitCore).
        if (tail + needed - _headCache >= _capacity)
        {
            _headCache = _m.ReadHead(tail);
            if (tail + needed - _headCache >= _capacity)
            {
                payload = null;
                return false;
            }
        }

        if (size > room)
        {
            // Not enough room before the ring's end: pad to the end, and start the record at offset 0.
            byte* padding = _ring + index;
            *(int*)(padding + 4) = ChannelLayout.PaddingTag;
            *(long*)_ring = 0; // the header the reader looks at after the padding
            Volatile.Write(ref *(int*)padding, (int)room);
            _tail = tail += room;
            index = 0;
        }

        byte* record = _ring + index;
        *(int*)(record + 4) = ChannelLayout.DataTag;
        _claim = record;
        _claimFrame = ChannelLayout.RecordHeaderSize + length;
        _claimSize = size;
        payload = record + ChannelLayout.RecordHeaderSize;
        return true;
    }

    private bool TryClaimShared(int length, long size, out byte* payload)
    {
        while (true)
        {
            long tail = Volatile.Read(ref *_m.Tail);
            _m.CheckTail(tail);
            long head = Volatile.Read(ref *_m.CachedHead);
            long index = tail & _mask;
            long room = _capacity - index;
            long needed = size <= room ? size : room + size;
            if (head > tail || tail + needed - head > _capacity)
            {
                head = _m.ReadHead(tail);
                if (head < 0)
                {
                    continue; // another writer moved the tail, and the reader followed
                }

                if (head > Volatile.Read(ref *_m.CachedHead))
                {
                    Volatile.Write(ref *_m.CachedHead, head);
                }

                if (tail + needed - head > _capacity)
                {
                    payload = null;
                    return false;
                }
            }

            // Say what we are about to claim before claiming it (the CAS is a full fence): the reader uses
            // this to skip the claim if this process dies before committing, and never while it lives.
            Volatile.Write(ref *(long*)(_slot + ChannelLayout.SlotClaimPosition), tail);
            Volatile.Write(ref *(long*)(_slot + ChannelLayout.SlotClaimSize), needed);
            if (Interlocked.CompareExchange(ref *_m.Tail, tail + needed, tail) != tail)
            {
                continue;
            }

            if (size > room)
            {
                byte* padding = _ring + index;
                *(int*)(padding + 4) = ChannelLayout.PaddingTag;
                Volatile.Write(ref *(int*)padding, (int)room);
                index = 0;
            }

            byte* record = _ring + index;
            *(int*)(record + 4) = ChannelLayout.DataTag;
            *(int*)record = -(int)size; // claimed, being written
            _claimPosition = tail + (needed - size);
            _claim = record;
            _claimFrame = ChannelLayout.RecordHeaderSize + length;
            _claimSize = size;
            payload = record + ChannelLayout.RecordHeaderSize;
            return true;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CommitCore()
    {
        if (!_multi)
        {
            // Single producer: clear the header right after this record before committing it, so the
            // reader, having seen this record, finds zero (or the next commit) there, never bytes of an
            // earlier lap. This is what lets a single-producer reader skip zeroing what it consumed.
            *(long*)(_ring + ((_claim - _ring + _claimSize) & _mask)) = 0;
            Volatile.Write(ref *(int*)_claim, _claimFrame);
            _tail += _claimSize;
            Volatile.Write(ref *_m.Tail, _tail);
        }
        else
        {
            Volatile.Write(ref *(int*)_claim, _claimFrame);
        }

        _claim = null;

        AsymmetricFence.Light();
        if (Volatile.Read(ref *_m.ConsumerSleeping) != 0)
        {
            _m.WakeConsumer();
        }
    }

    private void AbortCore()
    {
        if (_multi)
        {
            // The space is claimed for good: turn it into a skip record (padding only ever runs to the ring's end).
            *(int*)(_claim + 4) = ChannelLayout.SkipTag;
            Volatile.Write(ref *(int*)_claim, (int)_claimSize);
            _claim = null;
            AsymmetricFence.Light();
            if (Volatile.Read(ref *_m.ConsumerSleeping) != 0)
            {
                _m.WakeConsumer();
            }

            return;
        }

        // Nothing was published: clear what the caller may have written, so no stray byte is ever taken for a record.
        Unsafe.InitBlockUnaligned(_claim, 0, (uint)_claimSize);
        _claim = null;
        Volatile.Write(ref *_m.Tail, _tail);
    }

    private bool HasRoom(long size)
    {
        long tail, head;
        do
        {
            tail = _multi ? Volatile.Read(ref *_m.Tail) : _tail;
            _m.CheckTail(tail);
            head = _m.ReadHead(tail);
        }
        while (head < 0);

        long room = _capacity - (tail & _mask);
        long needed = size <= room ? size : room + size;
        if (!_multi)
        {
            _headCache = head;
            return tail + needed - head < _capacity;
        }

        return tail + needed - head <= _capacity;
    }

    /// <summary>Announces the sleep, re-checks, and sleeps one slice on the space futex; from the second slice of a wait on, first checks that the reader lives.</summary>
    private void Sleep(long needed, TimeSpan sleep, bool checkReader)
    {
        // The futex word, the flag and the counter are used through the channel's mapping, which this
        // waiter keeps mapped (its waiter reference); the flag is cleared with a CAS here and in Dispose,
        // so whichever clears it decrements the counter, exactly once.
        byte* slot = _control.Slot(_slotIndex);
        int sequence = Volatile.Read(ref *_control.SpaceSequence);
        Volatile.Write(ref *(int*)(slot + ChannelLayout.SlotSleeping), 1);
        Interlocked.Increment(ref *_control.ProducersSleeping);
        try
        {
            AsymmetricFence.Heavy();
            ThrowIfDisposed(); // after reading the sequence: a disposal from now on changes it, so the wait below cannot miss it
            if (HasRoom(needed) || _m.IsCompleted)
            {
                return;
            }

            long reader = checkReader ? Volatile.Read(ref *ChannelMemory.SlotOwner(_m.Slot(0))) : 0;
            if (checkReader)
            {
                _m.Heartbeat(_slot);
            }

            if (reader != 0 && !ParticipantIdentity.IsAlive(reader))
            {
                throw new ChannelPeerDiedException(
                    $"The reader of the channel in {_m.Description} (pid {ChannelMemory.Pid(reader)}) died and the ring is full: nothing will make room until a new reader opens the channel (it resumes where the dead one stopped).",
                    ChannelRole.Consumer, ParticipantIdentity.PidOf(reader), _m.Key, _m.SegmentId);
            }

            ChannelMemory.FutexWait(_control.SpaceSequence, sequence, sleep);
        }
        finally
        {
            if (Interlocked.CompareExchange(ref *(int*)(slot + ChannelLayout.SlotSleeping), 0, 1) == 1)
            {
                Interlocked.Decrement(ref *_control.ProducersSleeping);
            }
        }
    }

    /// <summary>Takes a free producer slot, or the slot of a dead writer whose last claim the reader has already passed.</summary>
    private byte* Register(out bool tookOver)
    {
        long me = ParticipantIdentity.Current;
        List<int> livePids = [];
        for (int i = 1; i <= _m.ProducerSlots; i++)
        {
            byte* slot = _m.Slot(i);
            long* owner = ChannelMemory.SlotOwner(slot);
            long current = Volatile.Read(ref *owner);
            if (current != 0)
            {
                if (ParticipantIdentity.IsAlive(current))
                {
                    livePids.Add(ParticipantIdentity.PidOf(current));
                    continue;
                }

                if (_multi && !ClaimIsPassed(_m, slot))
                {
                    continue; // the reader still needs this dead writer's claim to skip it
                }
            }

            if (Interlocked.CompareExchange(ref *owner, me, current) != current)
            {
                i--; // changed under us: look at this slot again
                continue;
            }

            tookOver = current is not 0 and not ParticipantIdentity.Released;
            if (Interlocked.CompareExchange(ref *(int*)(slot + ChannelLayout.SlotSleeping), 0, 1) == 1)
            {
                Interlocked.Decrement(ref *_m.ProducersSleeping); // the dead writer was counted as asleep
            }

            *(int*)(slot + ChannelLayout.SlotRole) = (int)ChannelRole.Producer;
            _m.Heartbeat(slot);
            return slot;
        }

        string who = string.Join(", ", livePids);
        throw new InvalidOperationException(_multi
            ? $"All {_m.ProducerSlots} writer places of the channel in {_m.Description} are taken (live writers: pids {who}; a dead writer's place is freed once the reader has passed its last claim). Dispose a writer, or create the channel with more MaxProducers."
            : $"The single-producer channel in {_m.Description} already has a writer (pid {who}{(livePids.Contains(Environment.ProcessId) ? ", this process" : string.Empty)}). Dispose it first, or create the channel with ChannelMode.MultiProducer.");
    }

    /// <summary>Whether the reader has passed the last claim a slot records (a claim no protocol state produces counts as none, as in the reader's recovery).</summary>
    private static bool ClaimIsPassed(ChannelMemory m, byte* slot)
    {
        long start = Volatile.Read(ref *(long*)(slot + ChannelLayout.SlotClaimPosition));
        long size = Volatile.Read(ref *(long*)(slot + ChannelLayout.SlotClaimSize));
        return size <= 0 || size > m.Capacity || start < 0 || start > long.MaxValue - m.Capacity || start + size <= Volatile.Read(ref *m.Head);
    }

    /// <summary>
    /// Single producer: find where to write. After a writer died, its last message may be committed without
    /// the tail saying so, and its unfinished record may have left bytes in the free space: skip the one,
    /// zero the other.
    /// </summary>
    private void Resume(bool tookOver)
    {
        long head = Volatile.Read(ref *_m.Head);
        ChannelMemory.CheckPosition(_m, head, "consumer head");
        long tail = _m.ReadTail(head);
        _tail = Math.Max(tail, head);

        // A record the previous writer committed without updating the tail (it died between the two), or
        // a padding record it wrote for a claim it never committed (disposed meanwhile): step over them.
        for (int i = 0; i < 2 && _tail - head < _capacity; i++)
        {
            long index = _tail & _mask;
            int frame = Volatile.Read(ref *(int*)(_ring + index));
            if (frame <= 0)
            {
                break;
            }

            long size = (frame + 7L) & ~7L;
            if (size > _capacity - index || _tail + size - head > _capacity)
            {
                throw _m.Corrupted($"the record after the tail ({_tail}) has length {frame}");
            }

            _tail += size;
        }

        if (tookOver)
        {
            _m.Zero(_tail, head + _capacity);
        }

        _headCache = head;
        Volatile.Write(ref *_m.Tail, _tail);
    }

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
