using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// A struct of type <typeparamref name="T"/> living in a System V shared memory segment, found by key
/// by every process that agrees on its organization. The segment starts with a 64-byte header recording
/// the format, the size and a signature of <typeparamref name="T"/>'s layout, the creator and an
/// initialization state (see docs/structured-sharing.md): opening with a struct whose layout differs
/// throws <see cref="LayoutMismatchException"/>, and nobody sees the struct before its creator's
/// initializer finished. Raw mode (<see cref="OpenRaw"/>, <see cref="CreateRaw"/>) has no header, for
/// areas C programs define.
/// </summary>
/// <typeparam name="T">An unmanaged struct with sequential or explicit layout and no pointer fields.</typeparam>
/// <remarks>
/// Access to <see cref="Value"/> is not synchronized: as the tutorial says, that is the programmer's job
/// (IpcMutex). A reference obtained from <see cref="Value"/> must not be used after
/// <see cref="Dispose"/>, which detaches the memory. The area is shared with other processes: validate
/// what they wrote before trusting it (lengths, indexes).
/// </remarks>
public sealed unsafe class SharedStruct<[DynamicallyAccessedMembers(StructLayoutSignature.Fields)] T> : IDisposable
    where T : unmanaged
{

    /// <summary>How long a zero header may stay zero before the area is judged not to be a structured one.</summary>
    private static readonly TimeSpan s_headerAppearanceTimeout = TimeSpan.FromSeconds(2);

    private readonly SharedMemorySegment _segment;
    private readonly SharedMemoryAttachment _attachment;
    private readonly int _dataOffset;

    private SharedStruct(SharedMemorySegment segment, SharedMemoryAttachment attachment, bool raw, int creatorProcessId)
    {
        _segment = segment;
        _attachment = attachment;
        IsRaw = raw;
        _dataOffset = raw ? 0 : SharedStructHeader.Size;
        CreatorProcessId = creatorProcessId;
    }

    /// <summary>The canonical description of <typeparamref name="T"/>'s layout that the header's signature is computed from, e.g. <c>struct(16){Count:i32@0,Total:i64@8}</c>.</summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> cannot be shared (a pointer field, automatic layout).</exception>
    public static string LayoutDescription => StructLayoutSignature<T>.Text;

    /// <summary>The layout signature stored in the header: FNV-1a (64 bits) of <see cref="LayoutDescription"/> in UTF-8.</summary>
    public static ulong LayoutSignature => StructLayoutSignature<T>.Hash;

    /// <summary>The key of the segment.</summary>
    public IpcKey Key => _segment.Key;

    /// <summary>The id of the segment (what ipcs lists).</summary>
    public int Id => _segment.Id;

    /// <summary>The segment itself (for inspection or removal).</summary>
    public SharedMemorySegment Segment => _segment;

    /// <summary>Whether this object created the area (and ran the initializer).</summary>
    public bool WasCreated => _segment.WasCreated;

    /// <summary>Whether the area is attached read-only: then only <see cref="ReadOnlyValue"/> works.</summary>
    public bool IsReadOnly => _attachment.IsReadOnly;

    /// <summary>Whether this is a raw area without header (the caller vouches for the layout).</summary>
    public bool IsRaw { get; }

    /// <summary>The pid of the process that created the area (from the header; from the kernel in raw mode). It may have exited since.</summary>
    public int CreatorProcessId { get; }

    /// <summary>Whether <see cref="Dispose"/> was called.</summary>
    public bool IsDisposed => _attachment.IsDisposed;

    /// <summary>Remove the segment when this object is disposed (the creator's job in the tutorial).</summary>
    public bool RemoveOnDispose
    {
        get => _segment.RemoveOnDispose;
        set => _segment.RemoveOnDispose = value;
    }

    /// <summary>The struct in shared memory, writable: reads and writes go straight to the segment.</summary>
    /// <exception cref="InvalidOperationException">The area was opened read-only (use <see cref="ReadOnlyValue"/>).</exception>
    /// <exception cref="ObjectDisposedException">The area was disposed.</exception>
    public ref T Value
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            if (IsReadOnly)
            {
                throw new InvalidOperationException(
                    $"The shared struct in {Describe()} was opened read-only (SHM_RDONLY): writing would fault. Use ReadOnlyValue to read, or open it with SharedMemoryAccess.ReadWrite to write.");
            }

            return ref Unsafe.AsRef<T>(_attachment.Pointer + _dataOffset);
        }
    }

    /// <summary>The struct in shared memory, for reading only (works for read-only and read-write opens).</summary>
    /// <exception cref="ObjectDisposedException">The area was disposed.</exception>
    public ref readonly T ReadOnlyValue
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return ref Unsafe.AsRef<T>(_attachment.Pointer + _dataOffset);
        }
    }

    /// <summary>
    /// Creates the area (shmget IPC_CREAT | IPC_EXCL), writes the header and runs the initializer before
    /// marking it ready. Fails if a segment with this key exists.
    /// </summary>
    /// <param name="key">The key every party uses (for example <see cref="IpcKey.FromFile"/>).</param>
    /// <param name="initializer">Sets the initial state (the struct starts zero-filled); null leaves it zero. If it throws, the area is removed and the exception propagates.</param>
    /// <param name="options">Permissions (default 0600), timeouts and removal on dispose.</param>
    /// <returns>The area, initialized.</returns>
    /// <exception cref="IpcObjectExistsException">A segment with this key exists (perhaps left over from an earlier run: 'ipcs -m', 'ipcrm -M KEY').</exception>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> cannot be shared (pointer field, automatic layout).</exception>
    public static SharedStruct<T> Create(IpcKey key, SharedStructInitializer<T>? initializer = null, SharedStructOptions? options = null)
    {
        _ = StructLayoutSignature<T>.Hash; // argument errors about T come before any system call
        SharedMemoryCreateOptions create = SegmentOptions(options);
        var segment = SharedMemorySegment.Create(key, SegmentSize(), create);
        return InitializeCreated(segment, initializer, options);
    }

    /// <summary>
    /// Opens the area with this key, or creates and initializes it if there is none. When several
    /// processes race, exactly one creates it and runs its initializer; the others wait until it is ready.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="initializer">Runs only if this call creates the area.</param>
    /// <param name="options">Permissions for a new area, timeouts and removal on dispose.</param>
    /// <returns>The area; <see cref="WasCreated"/> says whether this call created it.</returns>
    /// <exception cref="LayoutMismatchException">The existing area was created with a different layout.</exception>
    /// <exception cref="SharedAreaFormatException">The existing segment is not a structured area, or its creator died while initializing.</exception>
    /// <exception cref="TimeoutException">Another process is still initializing it after <see cref="SharedStructOptions.InitializationTimeout"/>.</exception>
    public static SharedStruct<T> OpenOrCreate(IpcKey key, SharedStructInitializer<T>? initializer = null, SharedStructOptions? options = null)
    {
        if (key.IsPrivate)
        {
            throw new ArgumentException("IPC_PRIVATE always creates a new segment, so there is nothing to open: use Create for a private area.", nameof(key));
        }

        _ = StructLayoutSignature<T>.Hash;
        SharedMemoryCreateOptions create = SegmentOptions(options);
        while (true)
        {
            SharedMemorySegment segment;
            try
            {
                segment = SharedMemorySegment.Create(key, SegmentSize(), create);
            }
            catch (IpcObjectExistsException)
            {
                try
                {
                    return OpenHeader(SharedMemorySegment.Open(key), readOnly: false, options);
                }
                catch (IpcObjectNotFoundException)
                {
                    continue; // removed between our two calls: try to create it again
                }
            }

            return InitializeCreated(segment, initializer, options);
        }
    }

    /// <summary>Opens an existing area, waiting while its creator is still initializing it.</summary>
    /// <param name="key">The key.</param>
    /// <param name="access"><see cref="SharedMemoryAccess.ReadOnly"/> attaches with SHM_RDONLY: only <see cref="ReadOnlyValue"/> works.</param>
    /// <param name="options">Timeouts and removal on dispose.</param>
    /// <returns>The area, ready.</returns>
    /// <exception cref="IpcObjectNotFoundException">No segment has this key.</exception>
    /// <exception cref="LayoutMismatchException">The area was created with a different layout (the message shows both).</exception>
    /// <exception cref="SharedAreaFormatException">The segment is not a structured area (no header: try <see cref="OpenRaw"/>), or its creator died while initializing.</exception>
    /// <exception cref="TimeoutException">The creator is still initializing after <see cref="SharedStructOptions.InitializationTimeout"/>.</exception>
    public static SharedStruct<T> Open(IpcKey key, SharedMemoryAccess access = SharedMemoryAccess.ReadWrite, SharedStructOptions? options = null)
    {
        _ = StructLayoutSignature<T>.Hash;
        bool readOnly = SharedMemorySegment.IsReadOnly(access);
        ValidateOptions(options);
        return OpenHeader(SharedMemorySegment.Open(key), readOnly, options);
    }

    /// <summary>Opens an existing area, if there is one, waiting while its creator is still initializing it.</summary>
    /// <param name="key">The key.</param>
    /// <param name="area">The area, when the result is <see langword="true"/>.</param>
    /// <param name="access"><see cref="SharedMemoryAccess.ReadOnly"/> attaches with SHM_RDONLY.</param>
    /// <param name="options">Timeouts and removal on dispose.</param>
    /// <returns><see langword="false"/> when no segment has this key; every other failure throws as <see cref="Open"/> does.</returns>
    public static bool TryOpen(IpcKey key, [NotNullWhen(true)] out SharedStruct<T>? area, SharedMemoryAccess access = SharedMemoryAccess.ReadWrite, SharedStructOptions? options = null)
    {
        _ = StructLayoutSignature<T>.Hash;
        bool readOnly = SharedMemorySegment.IsReadOnly(access);
        ValidateOptions(options);
        if (!SharedMemorySegment.TryOpen(key, out SharedMemorySegment? segment))
        {
            area = null;
            return false;
        }

        area = OpenHeader(segment, readOnly, options);
        return true;
    }

    /// <summary>Opens an existing area by segment id (for example an IPC_PRIVATE one).</summary>
    /// <param name="id">The shmid.</param>
    /// <param name="access"><see cref="SharedMemoryAccess.ReadOnly"/> attaches with SHM_RDONLY.</param>
    /// <param name="options">Timeouts and removal on dispose.</param>
    /// <returns>The area, ready.</returns>
    public static SharedStruct<T> OpenById(int id, SharedMemoryAccess access = SharedMemoryAccess.ReadWrite, SharedStructOptions? options = null)
    {
        _ = StructLayoutSignature<T>.Hash;
        bool readOnly = SharedMemorySegment.IsReadOnly(access);
        ValidateOptions(options);
        return OpenHeader(SharedMemorySegment.OpenById(id), readOnly, options);
    }

    /// <summary>
    /// Creates a raw area: exactly <c>sizeof(T)</c> bytes with no header, as a C program's
    /// <c>shmget(key, sizeof(struct ...), IPC_CREAT | IPC_EXCL | PERMS)</c> makes it. Nothing tells openers
    /// whether the initializer finished: coordinate with a semaphore, as the tutorial's programs do.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="initializer">Sets the initial state; null leaves it zero.</param>
    /// <param name="options">Permissions (default 0600) and removal on dispose.</param>
    /// <returns>The area.</returns>
    /// <exception cref="IpcObjectExistsException">A segment with this key exists.</exception>
    public static SharedStruct<T> CreateRaw(IpcKey key, SharedStructInitializer<T>? initializer = null, SharedStructOptions? options = null)
    {
        SharedMemoryCreateOptions create = SegmentOptions(options);
        var segment = SharedMemorySegment.Create(key, sizeof(T), create);
        SharedMemoryAttachment? attachment = null;
        try
        {
            attachment = segment.Attach();
            var area = new SharedStruct<T>(segment, attachment, raw: true, Environment.ProcessId) { RemoveOnDispose = options?.RemoveOnDispose == true };
            initializer?.Invoke(ref area.Value);
            return area;
        }
        catch
        {
            attachment?.Dispose();
            SharedMemorySegment.TryRemove(segment.Id);
            throw;
        }
    }

    /// <summary>
    /// Opens a raw area (no header), for segments C programs create with <c>sizeof(struct ...)</c>. The
    /// caller vouches for the layout: only the size is checked.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="access"><see cref="SharedMemoryAccess.ReadOnly"/> attaches with SHM_RDONLY.</param>
    /// <param name="size"><see cref="RawSizeMatch.Exact"/> (default) requires the segment to be exactly <c>sizeof(T)</c> bytes; <see cref="RawSizeMatch.AtLeast"/> accepts a larger segment and uses its start.</param>
    /// <param name="options">Removal on dispose.</param>
    /// <returns>The area.</returns>
    /// <exception cref="LayoutMismatchException">The segment's size does not fit <typeparamref name="T"/>.</exception>
    public static SharedStruct<T> OpenRaw(IpcKey key, SharedMemoryAccess access = SharedMemoryAccess.ReadWrite, RawSizeMatch size = RawSizeMatch.Exact, SharedStructOptions? options = null) =>
        OpenRawSegment(SharedMemorySegment.Open, key, access, size, options);

    /// <summary>Opens a raw area (no header) by segment id.</summary>
    /// <param name="id">The shmid.</param>
    /// <param name="access"><see cref="SharedMemoryAccess.ReadOnly"/> attaches with SHM_RDONLY.</param>
    /// <param name="size">Whether the segment must be exactly <c>sizeof(T)</c> bytes or at least that.</param>
    /// <param name="options">Removal on dispose.</param>
    /// <returns>The area.</returns>
    public static SharedStruct<T> OpenRawById(int id, SharedMemoryAccess access = SharedMemoryAccess.ReadWrite, RawSizeMatch size = RawSizeMatch.Exact, SharedStructOptions? options = null) =>
        OpenRawSegment(SharedMemorySegment.OpenById, id, access, size, options);

    /// <summary>Removes the segment (IPC_RMID). Attachments stay usable until they are detached; the key is free at once.</summary>
    /// <exception cref="IpcObjectNotFoundException">It was already removed.</exception>
    public void Remove() => _segment.Remove();

    /// <summary>Removes the segment (IPC_RMID) unless it is gone already.</summary>
    /// <returns><see langword="true"/> when this call removed it (or marked it for removal); <see langword="false"/> when it was removed already.</returns>
    /// <exception cref="IpcPermissionDeniedException">The segment exists but this process may not remove it.</exception>
    public bool TryRemove() => _segment.TryRemove();

    /// <summary>Detaches the area (shmdt), and removes the segment if <see cref="RemoveOnDispose"/> is set. Idempotent.</summary>
    public void Dispose()
    {
        _attachment.Dispose();
        _segment.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"SharedStruct<{typeof(T).Name}> in {Describe()}{(IsRaw ? " (raw)" : string.Empty)}{(IsReadOnly ? ", read-only" : string.Empty)}{(IsDisposed ? " (detached)" : string.Empty)}";

    private static long SegmentSize() =>
        SharedStructHeader.LayoutTextOffsetFor(sizeof(T)) + StructLayoutSignature<T>.Utf8.Length;

    private static SharedStruct<T> InitializeCreated(SharedMemorySegment segment, SharedStructInitializer<T>? initializer, SharedStructOptions? options)
    {
        SharedMemoryAttachment? attachment = null;
        SharedStructHeader* header = null;
        try
        {
            attachment = segment.Attach();
            header = (SharedStructHeader*)attachment.Pointer;
            WriteHeader(header, attachment.Pointer);
            Handshake(header).BeginInitializing();

            var area = new SharedStruct<T>(segment, attachment, raw: false, Environment.ProcessId) { RemoveOnDispose = options?.RemoveOnDispose == true };
            initializer?.Invoke(ref area.Value);

            header->ReadyTimeMilliseconds = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            Handshake(header).Publish(); // release: the struct's bytes are visible first
            return area;
        }
        catch
        {
            if (header is not null)
            {
                // Tell openers already waiting that this area will never be ready, then free the key.
                Handshake(header).Fail();
            }

            attachment?.Dispose();
            SharedMemorySegment.TryRemove(segment.Id);
            throw;
        }
    }

    private static void WriteHeader(SharedStructHeader* header, byte* basePointer)
    {
        ReadOnlySpan<byte> layout = StructLayoutSignature<T>.Utf8;
        long textOffset = SharedStructHeader.LayoutTextOffsetFor(sizeof(T));
        layout.CopyTo(new Span<byte>(basePointer + textOffset, layout.Length));

        header->Magic = SharedStructHeader.MagicValue;
        header->Version = SharedStructHeader.CurrentVersion;
        header->HeaderSize = SharedStructHeader.Size;
        header->DataSize = (ulong)sizeof(T);
        header->LayoutHash = StructLayoutSignature<T>.Hash;
        header->LayoutTextOffset = (uint)textOffset;
        header->LayoutTextLength = (uint)layout.Length;
    }

    /// <summary>A caller mistake in the options is an argument error before any system call.</summary>
    private static void ValidateOptions(SharedStructOptions? options)
    {
        if (options is { InitializationTimeout: TimeSpan timeout })
        {
            Deadline.Validate(timeout, nameof(options));
        }
    }

    /// <summary>Checks the options and gives the segment's: the permissions. Removal on dispose stays with the area, which owns the segment object.</summary>
    private static SharedMemoryCreateOptions SegmentOptions(SharedStructOptions? options)
    {
        ValidateOptions(options);
        UnixFileMode permissions = options?.Permissions ?? IpcPermissions.Default;
        IpcPermissions.Validate(permissions, nameof(options));
        return new SharedMemoryCreateOptions { Permissions = permissions };
    }

    private static SharedStruct<T> OpenHeader(SharedMemorySegment segment, bool readOnly, SharedStructOptions? options)
    {
        SharedMemoryAttachment attachment = segment.Attach(readOnly ? SharedMemoryAccess.ReadOnly : SharedMemoryAccess.ReadWrite);
        try
        {
            int creator = WaitUntilReady(segment, attachment, options?.InitializationTimeout ?? TimeSpan.FromSeconds(30));
            return new SharedStruct<T>(segment, attachment, raw: false, creator) { RemoveOnDispose = options?.RemoveOnDispose == true };
        }
        catch
        {
            attachment.Dispose();
            throw;
        }
    }

    /// <summary>Waits until the header says ready (the shared-area handshake), then validates it; returns the creator's pid.</summary>
    private static int WaitUntilReady(SharedMemorySegment segment, SharedMemoryAttachment attachment, TimeSpan timeout)
    {
        string where = IpcErrors.Describe(IpcObjectKind.SharedMemory, segment.Key, segment.Id);
        if (attachment.Length < SharedStructHeader.Size)
        {
            throw new SharedAreaFormatException(
                $"The {where} has {attachment.Length} bytes, fewer than the {SharedStructHeader.Size}-byte header of a structured area: it was not made by SharedStruct. If a C program made it as a bare struct, open it with OpenRaw.",
                segment.Key, segment.Id);
        }

        var header = (SharedStructHeader*)attachment.Pointer;
        SharedAreaHandshake handshake = Handshake(header);
        Deadline deadline = Deadline.Start(timeout, nameof(timeout));
        var clock = Stopwatch.StartNew();
        SharedAreaWaitOutcome outcome = handshake.WaitUntilSettled(
            deadline,
            s_headerAppearanceTimeout,
            segment.IsCreatorRunning,
            state => CheckMagic(segment, where, state, Volatile.Read(ref header->Magic)));
        switch (outcome)
        {
            case SharedAreaWaitOutcome.Ready:
                Validate(segment, attachment, header, where);
                return header->CreatorProcessId;
            case SharedAreaWaitOutcome.Failed:
                throw new SharedAreaFormatException(
                    $"The {where} will never be ready: its creator's initializer failed, and the creator removes it. Create it again.",
                    segment.Key, segment.Id);
            case SharedAreaWaitOutcome.CreatorDied:
                throw new SharedAreaFormatException(
                    $"The {where} was never initialized: its creator (pid {handshake.CreatorProcessId}) exited while initializing it. Remove it ('ipcrm -m {segment.Id}') and create it again.",
                    segment.Key, segment.Id);
            case SharedAreaWaitOutcome.NeverStarted:
                int creator = segment.GetInfo().CreatorProcessId;
                throw NotStructured(segment, where, $"its header stayed empty for {clock.Elapsed.TotalSeconds:0.#} s (its creator, pid {creator}, never wrote one or is gone)");
            case SharedAreaWaitOutcome.TimedOut:
                throw new TimeoutException(
                    $"The {where} is still being initialized by pid {handshake.CreatorProcessId} after {timeout}. Wait longer (SharedStructOptions.InitializationTimeout), or check what that process is doing.");
            default:
                throw NotStructured(segment, where, $"its header's state is {handshake.State}, not one of 0 (empty), 1 (initializing), 2 (ready), 3 (failed)");
        }
    }

    private static SharedAreaHandshake Handshake(SharedStructHeader* header) =>
        new(&header->State, &header->CreatorProcessId, &header->CreatorStartTime);

    /// <summary>The creator writes the magic before its first state change: any state but "empty" with another magic is not our area.</summary>
    private static void CheckMagic(SharedMemorySegment segment, string where, uint state, ulong magic)
    {
        bool valid = magic == SharedStructHeader.MagicValue || (magic == 0 && state == SharedAreaHandshake.StateEmpty);
        if (!valid)
        {
            throw NotStructured(segment, where, $"it does not start with the magic \"SHSTRUCT\" (found 0x{magic:x16} with state {state})");
        }
    }

    private static void Validate(SharedMemorySegment segment, SharedMemoryAttachment attachment, SharedStructHeader* header, string where)
    {
        // Copy once: another process could change the header while we check it.
        SharedStructHeader h = *header;
        if (h.Magic != SharedStructHeader.MagicValue)
        {
            throw NotStructured(segment, where, $"its header says ready but does not start with the magic \"SHSTRUCT\" (found 0x{h.Magic:x16})");
        }

        if (h.Version != SharedStructHeader.CurrentVersion)
        {
            throw NotStructured(segment, where, $"its format version is {h.Version}; this library reads version {SharedStructHeader.CurrentVersion}. Use the same library version on every side");
        }

        if (h.HeaderSize != SharedStructHeader.Size)
        {
            throw NotStructured(segment, where, $"its header size field is {h.HeaderSize}, not {SharedStructHeader.Size}");
        }

        if (h.CreatorProcessId <= 0)
        {
            throw NotStructured(segment, where, $"its header names creator pid {h.CreatorProcessId}, which no process has");
        }

        if (h.ReadyTimeMilliseconds <= 0 || h.ReadyTimeMilliseconds > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            throw NotStructured(segment, where, $"its header says ready but its ready time is {h.ReadyTimeMilliseconds} ms after 1970, not a time a creator writes");
        }

        string theirLayout = ReadLayoutText(attachment, h);
        if (h.DataSize != (ulong)sizeof(T) || h.LayoutHash != StructLayoutSignature<T>.Hash)
        {
            string mine = StructLayoutSignature<T>.Text;
            string comparison = h.DataSize != (ulong)sizeof(T) && theirLayout.StartsWith('(')
                ? $"the area's struct is {h.DataSize} bytes, {typeof(T).Name} is {sizeof(T)}"
                : LayoutComparison.Explain(mine, theirLayout);
            throw new LayoutMismatchException(
                $"The {where} was created with a different struct layout than {typeof(T).FullName} ({comparison}).\n  area:         {theirLayout} (signature 0x{h.LayoutHash:x16})\n  this process: {mine} (signature 0x{StructLayoutSignature<T>.Hash:x16})\nEvery party must use the same definition; if the area is left over from an older version, remove it ('ipcrm -m {segment.Id}').",
                mine, theirLayout, segment.Key, segment.Id);
        }

        if ((ulong)attachment.Length < SharedStructHeader.Size + h.DataSize)
        {
            throw NotStructured(segment, where, $"the segment has {attachment.Length} bytes, fewer than the header plus the {h.DataSize}-byte struct its header announces");
        }
    }

    /// <summary>The layout text another process recorded, bounds-checked; a placeholder when absent or out of bounds.</summary>
    private static string ReadLayoutText(SharedMemoryAttachment attachment, in SharedStructHeader h)
    {
        if (h.LayoutTextLength == 0)
        {
            return "(not recorded by its creator)";
        }

        ulong end = (ulong)h.LayoutTextOffset + h.LayoutTextLength;
        if (h.LayoutTextOffset < SharedStructHeader.Size || h.LayoutTextLength > SharedStructHeader.MaxLayoutTextLength || end > (ulong)attachment.Length)
        {
            return $"(layout text out of bounds: offset {h.LayoutTextOffset}, length {h.LayoutTextLength}, segment {attachment.Length} bytes)";
        }

        return Encoding.UTF8.GetString(attachment.GetReadOnlySpan(h.LayoutTextOffset, (int)h.LayoutTextLength));
    }

    private static SharedAreaFormatException NotStructured(SharedMemorySegment segment, string where, string reason) =>
        new($"The {where} is not a structured area: {reason}. If a C program made it as a bare struct, open it with OpenRaw; if it is a leftover, remove it ('ipcrm -m {segment.Id}').", segment.Key, segment.Id);

    private static SharedStruct<T> OpenRawSegment<TName>(Func<TName, SharedMemorySegment> open, TName name, SharedMemoryAccess access, RawSizeMatch size, SharedStructOptions? options)
    {
        // Arguments are checked before the segment is opened, so a bad one leaves nothing behind.
        bool readOnly = SharedMemorySegment.IsReadOnly(access);
        bool exactSize = size switch
        {
            RawSizeMatch.Exact => true,
            RawSizeMatch.AtLeast => false,
            _ => throw new ArgumentOutOfRangeException(nameof(size), size, "Size is RawSizeMatch.Exact or RawSizeMatch.AtLeast."),
        };
        SharedMemorySegment segment = open(name);
        if (segment.Size < sizeof(T) || (exactSize && segment.Size != sizeof(T)))
        {
            string where = IpcErrors.Describe(IpcObjectKind.SharedMemory, segment.Key, segment.Id);
            throw new LayoutMismatchException(
                $"The {where} has {segment.Size} bytes but {typeof(T).FullName} is {sizeof(T)} bytes{(exactSize ? string.Empty : " (at least that many are needed)")}: the C definition and this struct disagree. Compare the C struct with {StructLayoutSignature.Describe(typeof(T))}.",
                $"{sizeof(T)} bytes", $"{segment.Size} bytes", segment.Key, segment.Id);
        }

        // The creator pid is read before attaching, so a segment removed in between cannot leave a mapping behind.
        int creatorProcessId = SharedMemorySegment.Stat(segment.Id, segment.Key).CreatorProcessId;
        SharedMemoryAttachment attachment = segment.Attach(readOnly ? SharedMemoryAccess.ReadOnly : SharedMemoryAccess.ReadWrite);
        return new SharedStruct<T>(segment, attachment, raw: true, creatorProcessId)
        {
            RemoveOnDispose = options?.RemoveOnDispose == true,
        };
    }

    private string Describe() => IpcErrors.Describe(IpcObjectKind.SharedMemory, Key, Id);
}
