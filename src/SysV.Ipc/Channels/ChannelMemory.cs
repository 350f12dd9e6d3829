using System.Globalization;
using System.Runtime.CompilerServices;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// The validated view of one attached channel segment: its configuration copied out of the header once
/// (so later scribbles on the header cannot change how this process indexes memory), pointers to the hot
/// words, the participant table, the futex operations, and the checks of every position read back.
/// </summary>
internal sealed unsafe class ChannelMemory
{
    /// <summary>Positions are byte counts since creation; above this they can only come from corruption (and would overflow our arithmetic).</summary>
    private const long MaxPosition = 1L << 62;

    internal ChannelMemory(byte* baseAddress, long segmentSize, IpcKey key, int segmentId)
    {
        Key = key;
        Id = segmentId;
        Base = baseAddress;

        byte* header = baseAddress + ChannelLayout.HeaderOffset;
        int version = *(int*)(header + ChannelLayout.VersionField);
        int mode = *(int*)(header + ChannelLayout.ModeField);
        if (version != ChannelLayout.Version && version != BroadcastLayout.Version)
        {
            throw Corrupted($"its format version is {version}, this library reads versions {ChannelLayout.Version} and {BroadcastLayout.Version}");
        }

        if (version == BroadcastLayout.Version ? mode != (int)ChannelMode.Broadcast : mode is not ((int)ChannelMode.SingleProducer or (int)ChannelMode.MultiProducer))
        {
            throw Corrupted($"its header gives mode {mode} with format version {version}: version {ChannelLayout.Version} has single- (1) and multi-producer (2) channels, version {BroadcastLayout.Version} broadcast (3) ones");
        }

        long capacity = *(long*)(header + ChannelLayout.CapacityField);
        int producers = *(int*)(header + ChannelLayout.ProducerSlotsField);
        int maxMessage = *(int*)(header + ChannelLayout.MaxMessageSizeField);
        long ringOffset = *(int*)(header + ChannelLayout.RingOffsetField);
        bool broadcast = mode == (int)ChannelMode.Broadcast;
        if (capacity < ChannelLayout.MinCapacity || capacity > ChannelLayout.MaxCapacity || !long.IsPow2(capacity))
        {
            throw Corrupted($"its header gives a ring capacity of {capacity} bytes, not a power of two from {ChannelLayout.MinCapacity} to {ChannelLayout.MaxCapacity}");
        }

        if (producers < 1 || producers > ChannelLayout.MaxProducerSlots || (mode != (int)ChannelMode.MultiProducer && producers != 1))
        {
            throw Corrupted($"its header gives {producers} producer slots");
        }

        int readers = 1;
        int policy = BroadcastLayout.PolicyBlock;
        long dropAfter = 0;
        if (broadcast)
        {
            readers = *(int*)(header + BroadcastLayout.ReaderSlotsField);
            policy = *(int*)(header + BroadcastLayout.PolicyField);
            dropAfter = *(long*)(header + BroadcastLayout.DropAfterField);
            if (readers < 1 || readers > BroadcastLayout.MaxReaderSlots)
            {
                throw Corrupted($"its header gives {readers} reader slots, not 1 to {BroadcastLayout.MaxReaderSlots}");
            }

            bool policyValid = policy == BroadcastLayout.PolicyBlock
                ? dropAfter == 0
                : policy == BroadcastLayout.PolicyDropAfter && dropAfter > 0 && dropAfter <= MaxDropAfterNanoseconds;
            if (!policyValid)
            {
                throw Corrupted($"its header gives slow-reader policy {policy} with a drop-after time of {dropAfter} ns (policy 0 blocks with time 0; policy 1 drops after 1 ns to one day)");
            }
        }

        long expectedRing = broadcast ? BroadcastLayout.RingOffset(readers) : ChannelLayout.RingOffset(producers);
        if (ringOffset != expectedRing || ringOffset + capacity > segmentSize)
        {
            throw Corrupted($"its header places a ring of {capacity} bytes at offset {ringOffset}, which does not match its {(broadcast ? readers : producers)} {(broadcast ? "reader" : "producer")} slots or does not fit the segment's {segmentSize} bytes");
        }

        long recordSize = broadcast ? BroadcastLayout.RecordSize(maxMessage) : ChannelLayout.RecordSize(maxMessage);
        if (maxMessage < 0 || recordSize > capacity / 2)
        {
            throw Corrupted($"its header gives a maximum message size of {maxMessage} bytes, more than half the ring of {capacity} bytes can hold");
        }

        long creationEpoch = *(long*)(header + ChannelLayout.CreationEpochField);
        if (creationEpoch < 0 || creationEpoch > MaxUnixMilliseconds)
        {
            throw Corrupted($"its header gives a creation time of {creationEpoch} ms after 1970, outside the years 1970 to 9999");
        }

        int creatorPid = *(int*)(header + ChannelLayout.CreatorPidField);
        if (creatorPid <= 0 || creatorPid >= ParticipantIdentity.MaxPid)
        {
            throw Corrupted($"its header gives a creator pid of {creatorPid}, not a Linux pid (1 to {ParticipantIdentity.MaxPid - 1})");
        }

        Capacity = capacity;
        Mask = capacity - 1;
        MaxMessageSize = maxMessage;
        Mode = (ChannelMode)mode;
        ProducerSlots = producers;
        ReaderSlots = readers;
        DropAfterNanoseconds = dropAfter;
        RingOffset = ringOffset;
        Ring = baseAddress + ringOffset;
        CreationEpoch = creationEpoch;
        CreatorPid = creatorPid;
    }

    /// <summary>The same validated configuration over another attachment of the same segment (each reader and writer maps the segment itself).</summary>
    internal ChannelMemory(ChannelMemory validated, byte* baseAddress, long segmentSize)
    {
        if (segmentSize < validated.RingOffset + validated.Capacity)
        {
            throw validated.Corrupted($"a new attachment of it is {segmentSize} bytes, less than the {validated.RingOffset + validated.Capacity} its header described: the segment changed");
        }

        Key = validated.Key;
        Id = validated.Id;
        Base = baseAddress;
        Capacity = validated.Capacity;
        Mask = validated.Mask;
        MaxMessageSize = validated.MaxMessageSize;
        Mode = validated.Mode;
        ProducerSlots = validated.ProducerSlots;
        ReaderSlots = validated.ReaderSlots;
        DropAfterNanoseconds = validated.DropAfterNanoseconds;
        RingOffset = validated.RingOffset;
        Ring = baseAddress + validated.RingOffset;
        CreationEpoch = validated.CreationEpoch;
        CreatorPid = validated.CreatorPid;
    }

    /// <summary>DateTimeOffset.MaxValue in Unix milliseconds (9999-12-31).</summary>
    private const long MaxUnixMilliseconds = 253_402_300_799_999;

    /// <summary>The longest drop-after time a header may give: one day.</summary>
    internal const long MaxDropAfterNanoseconds = 86_400_000_000_000;

    internal long RingOffset { get; }

    internal IpcKey Key { get; }

    internal int Id { get; }

    internal byte* Base { get; }

    internal byte* Ring { get; }

    internal long Capacity { get; }

    internal long Mask { get; }

    internal int MaxMessageSize { get; }

    internal ChannelMode Mode { get; }

    internal int ProducerSlots { get; }

    /// <summary>Broadcast: the number of reader blocks (MaxReaders). 1 in the other modes.</summary>
    internal int ReaderSlots { get; }

    /// <summary>Broadcast with the drop-after policy: how long a reader may keep the writer waiting; 0 = block.</summary>
    internal long DropAfterNanoseconds { get; }

    internal bool IsBroadcast => Mode == ChannelMode.Broadcast;

    /// <summary>Broadcast: positions below this word's value the writer may overwrite.</summary>
    internal long* Gate => (long*)(Base + BroadcastLayout.GateOffset);

    /// <summary>Broadcast: reader <paramref name="index"/>'s block (0 to <see cref="ReaderSlots"/> − 1).</summary>
    internal byte* ReaderBlock(int index) => Base + BroadcastLayout.ReaderBlockOffset(index);

    internal long CreationEpoch { get; }

    internal int CreatorPid { get; }

    internal long* Tail => (long*)(Base + ChannelLayout.TailOffset);

    internal long* CachedHead => (long*)(Base + ChannelLayout.CachedHeadOffset);

    internal long* Head => (long*)(Base + ChannelLayout.HeadOffset);

    internal long* Consumed => (long*)(Base + ChannelLayout.ConsumedOffset);

    internal int* DataSequence => (int*)(Base + ChannelLayout.DataSequenceOffset);

    internal int* ConsumerSleeping => (int*)(Base + ChannelLayout.ConsumerSleepingOffset);

    internal int* SpaceSequence => (int*)(Base + ChannelLayout.SpaceSequenceOffset);

    internal int* ProducersSleeping => (int*)(Base + ChannelLayout.ProducersSleepingOffset);

    internal int* Completed => (int*)(Base + ChannelLayout.HeaderOffset + ChannelLayout.CompletedField);

    internal string Description => IpcErrors.Describe(IpcObjectKind.SharedMemory, Key, Id);

    internal byte* Slot(int index) => Base + ChannelLayout.SlotOffset(index);

    internal static long* SlotOwner(byte* slot) => (long*)(slot + ChannelLayout.SlotOwner);

    /// <summary>Writes the configuration of a new channel; the magic goes last, so openers never see a half-made header.</summary>
    internal static void Initialize(byte* baseAddress, long capacity, int maxMessage, ChannelMode mode, int producers, int readers = 1, long dropAfterNanoseconds = 0)
    {
        byte* header = baseAddress + ChannelLayout.HeaderOffset;
        bool broadcast = mode == ChannelMode.Broadcast;
        *(int*)(header + ChannelLayout.VersionField) = broadcast ? BroadcastLayout.Version : ChannelLayout.Version;
        *(int*)(header + ChannelLayout.RingOffsetField) = (int)(broadcast ? BroadcastLayout.RingOffset(readers) : ChannelLayout.RingOffset(producers));
        if (broadcast)
        {
            *(int*)(header + BroadcastLayout.ReaderSlotsField) = readers;
            *(int*)(header + BroadcastLayout.PolicyField) = dropAfterNanoseconds > 0 ? BroadcastLayout.PolicyDropAfter : BroadcastLayout.PolicyBlock;
            *(long*)(header + BroadcastLayout.DropAfterField) = dropAfterNanoseconds;
        }

        *(long*)(header + ChannelLayout.CapacityField) = capacity;
        *(int*)(header + ChannelLayout.MaxMessageSizeField) = maxMessage;
        *(int*)(header + ChannelLayout.ModeField) = (int)mode;
        *(int*)(header + ChannelLayout.ProducerSlotsField) = producers;
        *(long*)(header + ChannelLayout.CreationEpochField) = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        *(int*)(header + ChannelLayout.CreatorPidField) = Environment.ProcessId;
        Volatile.Write(ref *(long*)(header + ChannelLayout.MagicField), ChannelLayout.Magic);
    }

    /// <summary>
    /// Reads the consumer's head as a producer at <paramref name="tail"/> must see it: behind the tail by at
    /// most the capacity. Returns -1 when a multi-producer writer's tail is stale (the reader has passed
    /// it since): read the tail again.
    /// </summary>
    internal long ReadHead(long tail)
    {
        long head = Volatile.Read(ref *Head);
        if (head > tail && Mode == ChannelMode.MultiProducer && head <= Volatile.Read(ref *Tail))
        {
            return -1;
        }

        if (head < 0 || head > tail || (head & 7) != 0 || tail - head > Capacity)
        {
            throw Corrupted($"the consumer's head position {head} is impossible with the tail at {tail} and a ring of {Capacity} bytes");
        }

        return head;
    }

    /// <summary>Reads the shared tail, checked against a head known to be valid.</summary>
    internal long ReadTail(long head)
    {
        long tail = Volatile.Read(ref *Tail);
        if (tail < 0 || tail > MaxPosition || (tail & 7) != 0 || tail - head > Capacity || head - tail > Capacity)
        {
            throw Corrupted($"the producers' tail position {tail} is impossible with the head at {head} and a ring of {Capacity} bytes");
        }

        return tail;
    }

    /// <summary>Checks a tail read back from shared memory before any arithmetic on it.</summary>
    internal void CheckTail(long tail)
    {
        if (tail < 0 || tail > MaxPosition || (tail & 7) != 0)
        {
            throw Corrupted($"the producers' tail position {tail} is not a valid ring position");
        }
    }

    internal static void CheckPosition(ChannelMemory m, long position, string what)
    {
        if (position < 0 || position > MaxPosition || (position & 7) != 0)
        {
            throw m.Corrupted($"the {what} position {position} is not a valid ring position");
        }
    }

    /// <summary>Zeroes ring bytes between two positions (at most one capacity apart), wrapping at the end.</summary>
    internal void Zero(long from, long to)
    {
        long length = to - from;
        if (length <= 0)
        {
            return;
        }

        if (length > Capacity)
        {
            throw Corrupted($"zeroing from position {from} to {to} would cover more than the ring of {Capacity} bytes");
        }

        long start = from & Mask;
        long first = Math.Min(length, Capacity - start);
        Clear(Ring + start, first);
        if (length > first)
        {
            Clear(Ring, length - first);
        }
    }

    private static void Clear(byte* start, long length)
    {
        while (length > 0)
        {
            uint chunk = (uint)Math.Min(length, int.MaxValue & ~7);
            Unsafe.InitBlockUnaligned(start, 0, chunk);
            start += chunk;
            length -= chunk;
        }
    }

    /// <summary>Sleeps until the word changes from <paramref name="expected"/>, a wake, a signal, or the timeout.</summary>
    internal static void FutexWait(int* word, int expected, TimeSpan timeout) => Futex.Wait(word, expected, timeout);

    /// <summary>Changes the word, then wakes everyone sleeping on it (in any process: the word is in shared memory, so no FUTEX_PRIVATE_FLAG).</summary>
    /// <remarks>Never inlined: a method with an inlined P/Invoke sets up its frame on every call, and the fast paths call this only when a peer sleeps.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void FutexWakeAll(int* word)
    {
        Interlocked.Increment(ref *word);
        Futex.WakeAll(word);
    }

    internal void WakeConsumer()
    {
        if (Interlocked.Exchange(ref *ConsumerSleeping, 0) != 0)
        {
            FutexWakeAll(DataSequence);
        }
    }

    internal void WakeProducers() => FutexWakeAll(SpaceSequence);

    /// <summary>The completion flag: 0 or 1; anything else is corruption.</summary>
    internal bool IsCompleted
    {
        get
        {
            int completed = Volatile.Read(ref *Completed);
            return completed != 0 && CheckCompleted(completed);
        }
    }

    /// <summary>A non-zero completion flag: 1 means completed, anything else no writer stores.</summary>
    internal bool CheckCompleted(int completed) =>
        completed == 1 ? true : throw Corrupted($"its completion flag is {completed}, neither 0 nor 1");

    /// <summary>
    /// Set by the owner of this view just before its attachment is replaced by private memory (a disposal
    /// racing a call): what a racing call then reads is zeros, not corruption, and it ends with
    /// <see cref="ObjectDisposedException"/>.
    /// </summary>
    internal bool Detached { get; set; }

    /// <summary>
    /// Replaces the owner's <paramref name="attachment"/> of this view by private memory, <see cref="Detached"/>
    /// stored first: the step every disposal of a view's owner takes before it touches the segment again
    /// through another mapping.
    /// </summary>
    internal void Detach(SharedMemoryAttachment attachment)
    {
        Detached = true;
        attachment.DisposeToPlaceholder();
    }

    /// <summary>The exception for an impossible value read from the segment (or, after <see cref="Detached"/>, for the disposal that explains it).</summary>
    internal Exception Corrupted(string what)
    {
        Interlocked.MemoryBarrier(); // see Detached, stored before the attachment was replaced
        if (Detached)
        {
            return new ObjectDisposedException(nameof(SharedMemoryChannel), $"The reader or writer of the channel in {Description} was disposed while this call ran.");
        }

        return new ChannelCorruptedException(
            $"The channel in {Description} is corrupted: {what}. Shared memory is writable by every process that may attach it; find which one wrote there, then remove the segment ('ipcrm -m {Id}') and create the channel anew.",
            Key,
            Id);
    }

    /// <summary>
    /// Checks a position the reader is about to hand back against the writers' tail: a multi-producer
    /// reader never passes the tail (claims precede commits); a single-producer reader is at most one
    /// record plus a padding ahead of it (the tail is stored after each commit). So corrupt records can
    /// never carry the reader a lap beyond what was written.
    /// </summary>
    internal void CheckNotPastTail(long to)
    {
        long tail = Volatile.Read(ref *Tail);
        bool possible = tail >= 0 && tail <= MaxPosition && (Mode == ChannelMode.MultiProducer ? to <= tail : to - tail < Capacity);
        if (!possible)
        {
            throw Corrupted($"the reader reached position {to}, beyond what the writers' tail ({tail}) allows: records it read were not written by this channel's writers");
        }
    }

    /// <summary>The pid of a slot owner, for messages.</summary>
    internal static string Pid(long owner) => ParticipantIdentity.PidOf(owner).ToString(CultureInfo.InvariantCulture);
}
