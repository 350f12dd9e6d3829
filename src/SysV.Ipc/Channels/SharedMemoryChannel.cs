using System.Diagnostics;

namespace SysV.Ipc;

/// <summary>
/// A message channel inside one System V shared memory segment: variable-length messages (far beyond a
/// message queue's 8 KiB) travel from writers to one reader through a ring in shared memory, with no system
/// call per message; a futex in the segment is used only to sleep and wake. See docs/channels.md for the
/// segment format and the protocol.
/// </summary>
/// <remarks>
/// This object is one process's attachment of the channel. Open the reader with <see cref="OpenReader(ChannelWaitStrategy)"/>
/// and writers with <see cref="OpenWriter"/>; each registers in the segment's participant table (pid and
/// process start time), which is how a crashed peer is told apart from a slow one. Everything read from
/// the segment is validated: a corrupt segment yields <see cref="ChannelCorruptedException"/>, never an
/// access outside it.
/// </remarks>
public sealed unsafe partial class SharedMemoryChannel : IDisposable
{
    private static readonly TimeSpan s_initializationWait = TimeSpan.FromSeconds(2);

    private readonly SharedMemorySegment _segment;
    private readonly SharedMemoryAttachment _attachment;
    private readonly ChannelMemory _memory;
    private readonly bool _removeOnDispose;
    private int _references = 1; // this object plus one per open reader or writer
    private bool _disposed;

    private SharedMemoryChannel(SharedMemorySegment segment, SharedMemoryAttachment attachment, ChannelMemory memory, bool removeOnDispose)
    {
        _segment = segment;
        _attachment = attachment;
        _memory = memory;
        _removeOnDispose = removeOnDispose;
        AsymmetricFence.EnsureRegistered();
    }

    /// <summary>The key of the channel's segment.</summary>
    public IpcKey Key => _segment.Key;

    /// <summary>The id of the channel's segment (what ipcs lists; <see cref="OpenById"/> takes it).</summary>
    public int Id => _segment.Id;

    /// <summary>The ring's size in bytes (a power of two). The segment is a little larger: header and participant table.</summary>
    public long Capacity => _memory.Capacity;

    /// <summary>The largest message, in bytes.</summary>
    public int MaxMessageSize => _memory.MaxMessageSize;

    /// <summary>Single- or multi-producer.</summary>
    public ChannelMode Mode => _memory.Mode;

    /// <summary>How many writers may be open at once.</summary>
    public int MaxProducers => _memory.ProducerSlots;

    /// <summary>How many readers may be open at once: <see cref="SharedMemoryChannelOptions.MaxReaders"/> for a broadcast channel, 1 otherwise.</summary>
    public int MaxReaders => _memory.ReaderSlots;

    /// <summary>What the writer does about a slow reader (a broadcast channel's policy; <see cref="SlowReaderPolicy.Block"/> for the other modes, whose writer always waits for its reader).</summary>
    public SlowReaderPolicy SlowReaderPolicy => _memory.DropAfterNanoseconds > 0 ? SlowReaderPolicy.DropAfter(TimeSpan.FromTicks(Math.Max(1, _memory.DropAfterNanoseconds / 100))) : SlowReaderPolicy.Block;

    /// <summary>When the channel was created (from its header).</summary>
    public DateTimeOffset CreatedAt => DateTimeOffset.FromUnixTimeMilliseconds(_memory.CreationEpoch);

    /// <summary>The pid of the process that created the channel (from its header).</summary>
    public int CreatorProcessId => _memory.CreatorPid;

    /// <summary>Whether a writer completed the channel (<see cref="SharedMemoryChannelWriter.Complete"/>).</summary>
    public bool IsCompleted
    {
        get
        {
            ThrowIfDisposed();
            return _memory.IsCompleted;
        }
    }

    /// <summary>Creates a channel in a new segment (exclusive: fails if the key is taken).</summary>
    /// <param name="key">The key, or <see cref="IpcKey.Private"/> for a channel found only by segment id.</param>
    /// <param name="capacity">The ring's size in bytes: a power of two from 1 KiB to 1 TiB. A message can be up to half of it.</param>
    /// <param name="options">Mode, maximum message size, writer count, permissions, removal on dispose.</param>
    /// <returns>The channel.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The capacity is not a power of two in range, or an option is out of range (checked before any system call).</exception>
    /// <exception cref="IpcObjectExistsException">A segment with this key exists.</exception>
    public static SharedMemoryChannel Create(IpcKey key, long capacity, SharedMemoryChannelOptions? options = null)
    {
        options ??= new SharedMemoryChannelOptions();
        if (capacity < ChannelLayout.MinCapacity || capacity > ChannelLayout.MaxCapacity || !long.IsPow2(capacity))
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"A channel's capacity must be a power of two from {ChannelLayout.MinCapacity} bytes to 1 TiB (for example 1 << 20 for 1 MiB).");
        }

        bool broadcast = options.Mode == ChannelMode.Broadcast;
        long largest = broadcast ? BroadcastLayout.LargestMessage(capacity) : Math.Min((capacity / 2) - ChannelLayout.RecordHeaderSize, int.MaxValue - 15);
        if (options.MaxMessageSize < 0 || options.MaxMessageSize > largest)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxMessageSize, $"MaxMessageSize must be 0 (the largest possible) to {largest} bytes for a capacity of {capacity} bytes: a message may take at most half the ring.");
        }

        if (!Enum.IsDefined(options.Mode))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Mode, "Mode must be SingleProducer, MultiProducer or Broadcast.");
        }

        int producers = options.Mode == ChannelMode.MultiProducer ? options.MaxProducers : 1;
        if (producers < 1 || producers > ChannelLayout.MaxProducerSlots)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxProducers, $"MaxProducers must be 1 to {ChannelLayout.MaxProducerSlots}.");
        }

        int readers = 1;
        long dropAfter = 0;
        if (broadcast)
        {
            readers = options.MaxReaders;
            if (readers < 1 || readers > BroadcastLayout.MaxReaderSlots)
            {
                throw new ArgumentOutOfRangeException(nameof(options), options.MaxReaders, $"MaxReaders must be 1 to {BroadcastLayout.MaxReaderSlots}.");
            }

            ArgumentNullException.ThrowIfNull(options.SlowReaderPolicy, nameof(options));
            dropAfter = options.SlowReaderPolicy.DropAfterTime is { } t ? Math.Max(1, t.Ticks * 100) : 0;
        }

        int maxMessage = options.MaxMessageSize == 0 ? (int)largest : options.MaxMessageSize;
        long size = (broadcast ? BroadcastLayout.RingOffset(readers) : ChannelLayout.RingOffset(producers)) + capacity;
        SharedMemorySegment segment = SharedMemorySegment.Create(key, size, new SharedMemoryCreateOptions { Permissions = options.Permissions });
        SharedMemoryAttachment? attachment = null;
        try
        {
            attachment = segment.Attach();
            ChannelMemory.Initialize(attachment.Pointer, capacity, maxMessage, options.Mode, producers, readers, dropAfter);
            var memory = new ChannelMemory(attachment.Pointer, size, segment.Key, segment.Id);
            return new SharedMemoryChannel(segment, attachment, memory, options.RemoveOnDispose);
        }
        catch
        {
            attachment?.Dispose();
            segment.Remove();
            throw;
        }
    }

    /// <summary>Opens the channel whose segment has this key.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The channel.</returns>
    /// <exception cref="IpcObjectNotFoundException">No segment has this key.</exception>
    /// <exception cref="ChannelCorruptedException">The segment is not a channel, or its header is corrupt.</exception>
    public static SharedMemoryChannel Open(IpcKey key) => Attach(SharedMemorySegment.Open(key));

    /// <summary>
    /// Opens the channel whose segment has this key, waiting up to <paramref name="timeout"/> for it to be
    /// created: the reader and the writers may start in any order.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="timeout">How long to wait for the channel to appear; <see cref="Timeout.InfiniteTimeSpan"/> (or <see cref="TimeSpan.MaxValue"/>) for no limit.</param>
    /// <returns>The channel.</returns>
    /// <exception cref="TimeoutException">No segment with this key appeared in time.</exception>
    /// <exception cref="ChannelCorruptedException">The segment is not a channel, or its header is corrupt.</exception>
    public static SharedMemoryChannel Open(IpcKey key, TimeSpan timeout)
    {
        var deadline = Deadline.Start(timeout);
        TimeSpan pause = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            if (TryOpen(key, out SharedMemoryChannel? channel))
            {
                return channel;
            }

            if (deadline.HasExpired)
            {
                throw new TimeoutException($"No channel with key {key} appeared within {timeout}: create it with SharedMemoryChannel.Create, or open it with a longer timeout.");
            }

            // The creator makes the segment, then writes the header: a short, growing pause between looks.
            Thread.Sleep(deadline.IsInfinite || pause < deadline.Remaining ? pause : deadline.Remaining);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(50).Ticks));
        }
    }

    /// <summary>Opens the channel whose segment has this key, if there is one.</summary>
    /// <param name="key">The key.</param>
    /// <param name="channel">The channel, when the result is <see langword="true"/>.</param>
    /// <returns><see langword="false"/> when no segment has this key.</returns>
    /// <exception cref="ChannelCorruptedException">The segment is not a channel, or its header is corrupt.</exception>
    public static bool TryOpen(IpcKey key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SharedMemoryChannel? channel)
    {
        channel = SharedMemorySegment.TryOpen(key, out SharedMemorySegment? segment) ? Attach(segment) : null;
        return channel is not null;
    }

    /// <summary>Opens the channel in the segment with this id.</summary>
    /// <param name="id">The segment's id.</param>
    /// <returns>The channel.</returns>
    public static SharedMemoryChannel OpenById(int id) => Attach(SharedMemorySegment.OpenById(id));

    /// <summary>Opens the channel's one reader (this process registers as the consumer).</summary>
    /// <param name="wait">How the reader waits; <see cref="ChannelWaitStrategy.Default"/> when null.</param>
    /// <returns>The reader. If the previous reader died, this one resumes where it stopped.</returns>
    /// <exception cref="InvalidOperationException">A live reader exists (in this or another process).</exception>
    public SharedMemoryChannelReader OpenReader(ChannelWaitStrategy? wait) => OpenReaderCore(ReaderStart.Latest, wait);

    /// <summary>Opens the channel's reader with the default wait strategy: the one reader of a single- or multi-producer channel, or a broadcast channel's reader that starts with the next message.</summary>
    /// <returns>The reader. If the previous reader of a single-reader channel died, this one resumes where it stopped.</returns>
    /// <exception cref="InvalidOperationException">A live reader exists (in this or another process), or every reader place of a broadcast channel is held.</exception>
    public SharedMemoryChannelReader OpenReader() => OpenReaderCore(ReaderStart.Latest, null);

    /// <summary>Opens a reader of a <see cref="ChannelMode.Broadcast"/> channel, starting where <paramref name="start"/> says, with the default wait strategy.</summary>
    /// <param name="start">With the next message committed (<see cref="ReaderStart.Latest"/>) or the oldest the ring still holds for its readers (<see cref="ReaderStart.Oldest"/>).</param>
    /// <returns>The reader; it takes one of the channel's <see cref="MaxReaders"/> places until disposed (or until its process dies).</returns>
    /// <exception cref="InvalidOperationException">The channel is not a broadcast channel, or every reader place is held by a live reader.</exception>
    public SharedMemoryChannelReader OpenReader(ReaderStart start) => OpenReader(start, null);

    /// <summary>Opens a reader of a <see cref="ChannelMode.Broadcast"/> channel, starting where <paramref name="start"/> says.</summary>
    /// <param name="start">With the next message committed (<see cref="ReaderStart.Latest"/>) or the oldest the ring still holds for its readers (<see cref="ReaderStart.Oldest"/>).</param>
    /// <param name="wait">How the reader waits; <see cref="ChannelWaitStrategy.Default"/> when null.</param>
    /// <returns>The reader; it takes one of the channel's <see cref="MaxReaders"/> places until disposed (or until its process dies).</returns>
    /// <exception cref="InvalidOperationException">The channel is not a broadcast channel (its one reader resumes where the previous stopped), or every reader place is held by a live reader.</exception>
    public SharedMemoryChannelReader OpenReader(ReaderStart start, ChannelWaitStrategy? wait)
    {
        if (!_memory.IsBroadcast)
        {
            throw new InvalidOperationException($"ReaderStart applies to broadcast channels; the {Mode} channel in {_memory.Description} has one reader, which resumes where the previous one stopped. Use OpenReader() without a start.");
        }

        if (!Enum.IsDefined(start))
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, "ReaderStart must be Latest or Oldest.");
        }

        return OpenReaderCore(start, wait);
    }

    private SharedMemoryChannelReader OpenReaderCore(ReaderStart start, ChannelWaitStrategy? wait) =>
        OpenParticipant(wait, (own, memory, w) => new SharedMemoryChannelReader(this, own, memory, _memory, w, start));

    /// <summary>Opens a writer (this process registers as a producer).</summary>
    /// <param name="wait">How the writer waits for room; <see cref="ChannelWaitStrategy.Default"/> when null.</param>
    /// <returns>The writer. If a previous writer died, this one takes its place.</returns>
    /// <exception cref="InvalidOperationException">Every writer place is held by a live writer (a single-producer channel has one).</exception>
    public SharedMemoryChannelWriter OpenWriter(ChannelWaitStrategy? wait = null) =>
        OpenParticipant(wait, (own, memory, w) => new SharedMemoryChannelWriter(this, own, memory, _memory, w));

    /// <summary>
    /// Makes a reader or writer over an attachment of its own, holding a reference to this channel; undoes
    /// both when the attach or <paramref name="create"/> throws.
    /// </summary>
    private T OpenParticipant<T>(ChannelWaitStrategy? wait, Func<SharedMemoryAttachment, ChannelMemory, ChannelWaitStrategy, T> create)
    {
        wait ??= ChannelWaitStrategy.Default;
        wait.Validate();
        AddReference();
        SharedMemoryAttachment? own = null;
        try
        {
            own = _segment.Attach();
            return create(own, new ChannelMemory(_memory, own.Pointer, own.Length), wait);
        }
        catch
        {
            own?.Dispose();
            Release();
            throw;
        }
    }

    /// <summary>The participant table: who holds the reader's and the writers' places, and whether they still run.</summary>
    /// <returns>One entry per occupied slot.</returns>
    /// <exception cref="ChannelCorruptedException">A slot holds what no participant writes (an owner naming no pid, a role that does not match its slot, a negative heartbeat).</exception>
    public IReadOnlyList<ChannelParticipant> GetParticipants()
    {
        ThrowIfDisposed();
        return ParticipantTable.Read(_memory);
    }

    /// <summary>Removes the segment (IPC_RMID): it disappears once every process has detached it.</summary>
    public void Remove()
    {
        ThrowIfDisposed();
        _segment.Remove();
    }

    /// <summary>Removes the segment (IPC_RMID) unless it is gone already (removed by another process, or with ipcrm).</summary>
    /// <returns><see langword="true"/> when this call removed it (or marked it for removal); <see langword="false"/> when no segment has its id any more.</returns>
    /// <exception cref="IpcPermissionDeniedException">The segment exists but this process may not remove it.</exception>
    public bool TryRemove()
    {
        ThrowIfDisposed();
        return SharedMemorySegment.TryRemove(_segment.Id);
    }

    /// <summary>
    /// Detaches this process's attachment once its readers and writers are disposed too (they keep it
    /// mapped until then), and removes the segment if it was created with <see cref="SharedMemoryChannelOptions.RemoveOnDispose"/>.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_removeOnDispose)
        {
            SharedMemorySegment.TryRemove(_segment.Id);
        }

        Release();
    }

    /// <inheritdoc/>
    public override string ToString() => $"channel in {_memory.Description}: {Mode}, {Capacity} bytes, messages up to {MaxMessageSize} bytes";

    internal void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            // A call of this object racing its Dispose (IsCompleted, GetParticipants) then reads zeros, not unmapped memory.
            _memory.Detach(_attachment);
        }
    }

    private void AddReference()
    {
        ThrowIfDisposed();
        AddWaiterReference();
    }

    /// <summary>
    /// Keeps the segment mapped while a thread waits in a reader or writer, even if another thread disposes
    /// that reader or writer and this channel meanwhile (the usual way to stop a blocked consumer): the
    /// mapping goes away when the waiter leaves, not under it. Pair with <see cref="Release"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">Everything is disposed already.</exception>
    internal void AddWaiterReference()
    {
        int references = Volatile.Read(ref _references);
        while (true)
        {
            if (references == 0)
            {
                throw new ObjectDisposedException(GetType().FullName, "The channel and all its readers and writers are disposed.");
            }

            int seen = Interlocked.CompareExchange(ref _references, references + 1, references);
            if (seen == references)
            {
                return;
            }

            references = seen;
        }
    }

    private static SharedMemoryChannel Attach(SharedMemorySegment segment)
    {
        SharedMemoryAttachment attachment = segment.Attach();
        try
        {
            string where = IpcErrors.Describe(IpcObjectKind.SharedMemory, segment.Key, segment.Id);
            long minimum = ChannelLayout.RingOffset(1) + ChannelLayout.MinCapacity;
            if (attachment.Length < minimum)
            {
                throw new ChannelCorruptedException($"The {where} is {attachment.Length} bytes, too small to hold a channel (at least {minimum}): it is not a channel, or was made by something else.", segment.Key, segment.Id);
            }

            // The creator writes the magic last, so an opener that races it waits for the header, through the
            // one create-then-open handshake's first phase: a creator that died before writing it shows at once.
            nint magicAddress = (nint)attachment.Pointer;
            var clock = Stopwatch.StartNew();
            SharedAreaWaitOutcome outcome = SharedAreaHandshake.WaitForFirstWrite(
                () => Volatile.Read(ref *(long*)magicAddress) != 0, Deadline.Infinite, s_initializationWait, segment.IsCreatorRunning);
            long magic = Volatile.Read(ref *(long*)attachment.Pointer);
            if (outcome != SharedAreaWaitOutcome.Ready || magic == 0)
            {
                SharedMemoryInfo info = segment.GetInfo();
                string why = ProcessIdentity.IsRunningSince(info.CreatorProcessId, info.LastChangeTime)
                    ? $"after {clock.Elapsed.TotalSeconds:0.#} s, while its creator (pid {info.CreatorProcessId}) still runs: it is a plain segment, or its header was overwritten"
                    : $"and its creator (pid {info.CreatorProcessId}) is gone: it died while creating the channel, or the segment is a plain one";
                throw new ChannelCorruptedException($"The {where} holds no channel header {why}. Remove it ('ipcrm -m {segment.Id}') and create the channel again.", segment.Key, segment.Id);
            }

            if (magic != ChannelLayout.Magic)
            {
                throw new ChannelCorruptedException($"The {where} does not start with a channel header (magic 0x{magic:x16}, expected 0x{ChannelLayout.Magic:x16}): it is not a SharedMemoryChannel, or its header was overwritten.", segment.Key, segment.Id);
            }

            var memory = new ChannelMemory(attachment.Pointer, attachment.Length, segment.Key, segment.Id);
            return new SharedMemoryChannel(segment, attachment, memory, removeOnDispose: false);
        }
        catch
        {
            attachment.Dispose();
            throw;
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
