using System.Globalization;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// A System V shared memory segment (shmget). The object is only a name for a kernel segment: it owns
/// nothing in this process (the <see cref="SharedMemoryAttachment"/>s do), and the segment persists after
/// every process exits until something removes it (<see cref="Remove"/>, <c>ipcrm</c>), unless
/// <see cref="RemoveOnDispose"/> is set.
/// </summary>
public sealed class SharedMemorySegment : IDisposable
{
    private const string LockAdvice = "Locking needs CAP_IPC_LOCK, or being owner or creator with a large enough RLIMIT_MEMLOCK ('ulimit -l').";
    private readonly IpcObjectState _state;

    /// <summary>The creator's pid when this object was made: with the size, what tells this segment from a later one that reuses its id.</summary>
    private readonly int _creatorProcessId;

    private SharedMemorySegment(int id, IpcKey key, long size, int creatorProcessId, bool created)
    {
        _state = new(this, IpcObjectKind.SharedMemory, id, key, created);
        Size = size;
        _creatorProcessId = creatorProcessId;
    }

    /// <summary>The segment's id (shmid): what ipcs lists and what <see cref="OpenById"/> takes.</summary>
    public int Id => _state.Id;

    /// <summary>The key the segment was created with (<see cref="IpcKey.Private"/> for IPC_PRIVATE).</summary>
    public IpcKey Key => _state.Key;

    /// <summary>The segment's size in bytes, as requested at creation.</summary>
    public long Size { get; }

    /// <summary>Whether this object created the segment (as opposed to opening an existing one).</summary>
    public bool WasCreated => _state.WasCreated;

    /// <summary>Remove the segment when this object is disposed (the tutorial: "the allocator SHOULD release the memory"). Off unless set here or in <see cref="SharedMemoryCreateOptions.RemoveOnDispose"/>.</summary>
    public bool RemoveOnDispose
    {
        get => _state.RemoveOnDispose;
        set => _state.RemoveOnDispose = value;
    }

    /// <summary>Creates a new segment; fails if one with this key exists (shmget with IPC_CREAT | IPC_EXCL).</summary>
    /// <param name="key">The key, or <see cref="IpcKey.Private"/> for a segment found only by id.</param>
    /// <param name="size">Size in bytes, at least 1 and at most SHMMAX. New segments are zero-filled.</param>
    /// <param name="options">Permissions (default 0600, read/write for the owner), huge pages, no-reserve, removal on dispose.</param>
    /// <returns>The new segment.</returns>
    /// <exception cref="IpcObjectExistsException">A segment with this key exists (perhaps from an earlier run).</exception>
    /// <exception cref="IpcLimitExceededException">The size is above SHMMAX, or a system limit is reached.</exception>
    public static SharedMemorySegment Create(IpcKey key, long size, SharedMemoryCreateOptions? options = null)
    {
        int flags = CreateFlags(key, size, options) | Libc.IPC_EXCL;
        int id = Libc.shmget(key.Value, (nuint)size, flags);
        return id >= 0 ? Created(id, key, size, options) : throw ShmGetError(Marshal.GetLastPInvokeError(), key, size, options);
    }

    /// <summary>Opens the segment with this key, creating it if there is none (shmget with IPC_CREAT).</summary>
    /// <param name="key">The key (not <see cref="IpcKey.Private"/>, which would always create).</param>
    /// <param name="size">Size for a new segment; an existing one must be at least this large.</param>
    /// <param name="options">Permissions and options for a new segment.</param>
    /// <returns>The segment; <see cref="WasCreated"/> says which happened.</returns>
    /// <exception cref="IpcException">The existing segment is smaller than <paramref name="size"/>, or the call failed.</exception>
    public static SharedMemorySegment OpenOrCreate(IpcKey key, long size, SharedMemoryCreateOptions? options = null)
    {
        int flags = CreateFlags(key, size, options);
        while (true)
        {
            int id = Libc.shmget(key.Value, (nuint)size, flags | Libc.IPC_EXCL);
            if (id >= 0)
            {
                return Created(id, key, size, options);
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EEXIST || key.IsPrivate)
            {
                throw ShmGetError(errno, key, size, options);
            }

            // It exists: open it whatever its size, then check the size ourselves for a clearer error.
            id = Libc.shmget(key.Value, 0, 0);
            if (id < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.ENOENT)
                {
                    continue; // removed between the two calls: try to create again
                }

                throw ShmGetError(errno, key, size, options: null);
            }

            SharedMemoryInfo info = Stat(id, key);
            long existing = info.Size;
            if (existing < size)
            {
                throw new IpcException(
                    $"The shared memory segment with key {key} (id {id}) exists with {existing} bytes, smaller than the {size} bytes requested. Open it with its size, or remove it ('ipcrm -m {id}') if it is a leftover.",
                    Errno.EINVAL, IpcObjectKind.SharedMemory, key, id);
            }

            return new SharedMemorySegment(id, key, existing, info.CreatorProcessId, created: false);
        }
    }

    /// <summary>Opens the existing segment with this key (shmget without IPC_CREAT).</summary>
    /// <param name="key">The key.</param>
    /// <returns>The segment, with its real size.</returns>
    /// <exception cref="IpcObjectNotFoundException">No segment has this key.</exception>
    public static SharedMemorySegment Open(IpcKey key)
    {
        if (key.IsPrivate)
        {
            throw new ArgumentException("IPC_PRIVATE names no existing segment: open a private segment by its id (OpenById).", nameof(key));
        }

        PlatformGuard.ThrowIfUnsupported();
        int id = Libc.shmget(key.Value, 0, 0);
        if (id < 0)
        {
            throw ShmGetError(Marshal.GetLastPInvokeError(), key, 0, options: null);
        }

        SharedMemoryInfo info = Stat(id, key);
        return new SharedMemorySegment(id, key, info.Size, info.CreatorProcessId, created: false);
    }

    /// <summary>Opens the existing segment with this key, if there is one.</summary>
    /// <param name="key">The key.</param>
    /// <param name="segment">The segment, when the result is <see langword="true"/>.</param>
    /// <returns><see langword="false"/> when no segment has this key; other failures (permission) throw as <see cref="Open"/> does.</returns>
    public static bool TryOpen(IpcKey key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SharedMemorySegment? segment) =>
        IpcTryOpen.Run(() => Open(key), out segment);

    /// <summary>Opens a segment by its id (as ipcs lists it); key and size come from IPC_STAT.</summary>
    /// <param name="id">The shmid.</param>
    /// <returns>The segment.</returns>
    /// <exception cref="IpcObjectNotFoundException">No segment has this id.</exception>
    public static SharedMemorySegment OpenById(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        PlatformGuard.ThrowIfUnsupported();
        SharedMemoryInfo info = Stat(id, null);
        return new SharedMemorySegment(id, info.Key, info.Size, info.CreatorProcessId, created: false);
    }

    /// <summary>Attaches the segment to this process (shmat).</summary>
    /// <param name="access"><see cref="SharedMemoryAccess.ReadOnly"/> attaches with SHM_RDONLY: the attachment hands out only read-only views, and write attempts throw instead of faulting.</param>
    /// <returns>The attachment; dispose it to detach (shmdt). Its length is the segment's size as the kernel reports it for the mapping just made.</returns>
    /// <exception cref="IpcObjectRemovedException">
    /// The id now names a different segment: the one this object opened was removed and the kernel gave its id
    /// to a new one (another size or creator). Nothing stays attached; open the segment again by key.
    /// </exception>
    public SharedMemoryAttachment Attach(SharedMemoryAccess access = SharedMemoryAccess.ReadWrite)
    {
        ThrowIfDisposed();
        bool readOnly = IsReadOnly(access);
        var handle = new SharedMemoryHandle(); // allocated first, so a failure below cannot leak an attachment
        nint address = Libc.shmat(Id, 0, readOnly ? Libc.SHM_RDONLY : 0);
        if (address == -1)
        {
            handle.Dispose();
            throw _state.OrDisposed(IpcErrors.FromLastError(readOnly ? "shmat(SHM_RDONLY)" : "shmat", IpcObjectKind.SharedMemory, Key, Id, idCall: true));
        }

        Marshal.InitHandle(handle, address);
        try
        {
            // The size comes from the kernel, after shmat: while attached, the segment keeps its id (even when
            // marked for removal), so this IPC_STAT describes exactly the memory just mapped, never a cached size.
            SharedMemoryInfo mapped = Stat(Id, Key);
            if (mapped.Size != Size || mapped.CreatorProcessId != _creatorProcessId)
            {
                throw IpcErrors.Replaced(IpcObjectKind.SharedMemory, Key, Id,
                    $"it was opened with {Size} bytes made by pid {_creatorProcessId}; the id now names a segment of {mapped.Size} bytes made by pid {mapped.CreatorProcessId}");
            }

            handle.Initialize((ulong)mapped.Size);
            return new SharedMemoryAttachment(handle, mapped.Size, readOnly, Id, Key);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads the segment's state (shmctl IPC_STAT).</summary>
    /// <returns>Size, permissions, owner, creator, pids, attach count, times, removal and lock state.</returns>
    public SharedMemoryInfo GetInfo()
    {
        ThrowIfDisposed();
        try
        {
            return Stat(Id, Key);
        }
        catch (IpcException e) when (_state.IsDisposed)
        {
            throw _state.DisposedDuringCall(e);
        }
    }

    /// <summary>Changes the permission bits (shmctl IPC_SET). Only the owner, the creator or a privileged process may.</summary>
    /// <param name="permissions">The new rwx bits for user, group, others.</param>
    public void SetPermissions(UnixFileMode permissions) => _state.SetPermissions(permissions);

    /// <summary>Changes the owner (shmctl IPC_SET). Only the owner, the creator or a privileged process may.</summary>
    /// <param name="userId">The new owner's uid (C <c>uid_t</c>, unsigned).</param>
    /// <param name="groupId">The new owner's gid (C <c>gid_t</c>, unsigned).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is 4294967295 ((uid_t)-1), which names no user or group.</exception>
    public void SetOwner(uint userId, uint groupId) => _state.SetOwner(userId, groupId);

    /// <summary>Locks the segment in memory, so it is never swapped (SHM_LOCK; needs CAP_IPC_LOCK or enough RLIMIT_MEMLOCK).</summary>
    /// <exception cref="IpcPermissionDeniedException">This process is neither owner nor creator, or has no CAP_IPC_LOCK and an RLIMIT_MEMLOCK of 0.</exception>
    /// <exception cref="IpcLimitExceededException">Locking would exceed RLIMIT_MEMLOCK.</exception>
    public void Lock() => Control(Libc.SHM_LOCK, "shmctl(SHM_LOCK)", LockAdvice);

    /// <summary>Lets the segment be swapped again (SHM_UNLOCK).</summary>
    public void Unlock() => Control(Libc.SHM_UNLOCK, "shmctl(SHM_UNLOCK)", LockAdvice);

    /// <summary>
    /// Removes the segment (shmctl IPC_RMID). If it is still attached anywhere, it is only marked for
    /// removal: its key becomes free at once, and the memory goes away at the last detach.
    /// </summary>
    /// <exception cref="IpcObjectNotFoundException">It was already removed.</exception>
    public void Remove() => Control(Libc.IPC_RMID, "shmctl(IPC_RMID)");

    /// <summary>Removes the segment with this id if it exists.</summary>
    /// <param name="id">The shmid.</param>
    /// <returns><see langword="true"/> when removed (or marked for removal); <see langword="false"/> when no segment has this id.</returns>
    /// <exception cref="IpcPermissionDeniedException">The segment exists but this process may not remove it.</exception>
    public static bool TryRemove(int id) => IpcRemoval.TryRemove(IpcObjectKind.SharedMemory, id);

    /// <summary>Removes the segment (shmctl IPC_RMID) unless it is gone already.</summary>
    /// <returns><see langword="true"/> when this call removed it (or marked it for removal); <see langword="false"/> when it was removed already (by another process, or ipcrm).</returns>
    /// <exception cref="IpcPermissionDeniedException">The segment exists but this process may not remove it.</exception>
    public bool TryRemove() => _state.TryRemove();

    /// <summary>Removes the segment if <see cref="RemoveOnDispose"/> is set; otherwise does nothing to the kernel object.</summary>
    public void Dispose() => _state.Dispose();

    /// <inheritdoc/>
    public override string ToString() => _state.Describe() + $", {Size} bytes";

    /// <summary>
    /// Whether the process the kernel names as the segment's creator (shm_cpid) still runs and started before
    /// the segment's last change (shm_ctime, set at creation): a later process with a reused pid does not count.
    /// What an opener waiting for a blank area's first write asks, so a creator that died shows at once.
    /// </summary>
    internal bool IsCreatorRunning() =>
        Stat(Id, Key) is { } info && ProcessIdentity.IsRunningSince(info.CreatorProcessId, info.LastChangeTime);

    /// <summary>Whether <paramref name="access"/> asks for SHM_RDONLY; an undefined value is an argument error.</summary>
    internal static bool IsReadOnly(SharedMemoryAccess access, string parameterName = "access") => access switch
    {
        SharedMemoryAccess.ReadWrite => false,
        SharedMemoryAccess.ReadOnly => true,
        _ => throw new ArgumentOutOfRangeException(parameterName, access, "Access is SharedMemoryAccess.ReadWrite or SharedMemoryAccess.ReadOnly."),
    };

    internal static unsafe SharedMemoryInfo Stat(int id, IpcKey? key)
    {
        ShmidDs ds;
        if (Libc.shmctl(id, Libc.IPC_STAT, &ds) != 0)
        {
            throw IpcErrors.FromLastError("shmctl(IPC_STAT)", IpcObjectKind.SharedMemory, key, id, idCall: true);
        }

        return new SharedMemoryInfo
        {
            Id = id,
            Key = new IpcKey(ds.shm_perm.__key),
            Mode = (int)ds.shm_perm.mode,
            OwnerUserId = ds.shm_perm.uid,
            OwnerGroupId = ds.shm_perm.gid,
            CreatorUserId = ds.shm_perm.cuid,
            CreatorGroupId = ds.shm_perm.cgid,
            Size = (long)ds.shm_segsz,
            CreatorProcessId = ds.shm_cpid,
            LastProcessId = ds.shm_lpid,
            AttachCount = (long)ds.shm_nattch,
            LastAttachTime = IpcTime.FromSeconds(ds.shm_atime),
            LastDetachTime = IpcTime.FromSeconds(ds.shm_dtime),
            LastChangeTime = IpcTime.FromSeconds(ds.shm_ctime),
        };
    }

    private static int CreateFlags(IpcKey key, long size, SharedMemoryCreateOptions? options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        UnixFileMode permissions = options?.Permissions ?? IpcPermissions.Default;
        IpcPermissions.Validate(permissions, nameof(options));
        PlatformGuard.ThrowIfUnsupported();
        ThrowIfAboveShmMax(key, size);
        int flags = Libc.IPC_CREAT | (int)permissions;
        if (options?.HugePages == true)
        {
            flags |= Libc.SHM_HUGETLB;
        }

        if (options?.NoReserve == true)
        {
            flags |= Libc.SHM_NORESERVE;
        }

        return flags;
    }

    private static void ThrowIfAboveShmMax(IpcKey key, long size)
    {
        if (!KernelTunables.Allows(KernelTunable.ShmMax, (ulong)size, out ulong shmMax))
        {
            throw new IpcLimitExceededException(
                $"Cannot create a shared memory segment of {size} bytes with key {key}: the limit SHMMAX is {shmMax.ToString(CultureInfo.InvariantCulture)} bytes ({KernelTunables.Where(KernelTunable.ShmMax)}).",
                0, IpcObjectKind.SharedMemory, key, null);
        }
    }

    private static IpcException ShmGetError(int errno, IpcKey key, long size, SharedMemoryCreateOptions? options)
    {
        bool hugePages = options?.HugePages == true;
        string? detail = errno switch
        {
            Errno.EINVAL => $"The size {size} is below SHMMIN or above SHMMAX, or larger than the existing segment with this key.",
            Errno.ENOMEM when hugePages => HugePageAdvice(size),
            Errno.EPERM when hugePages => "Huge-page segments need CAP_IPC_LOCK, or membership of the group named in /proc/sys/vm/hugetlb_shm_group.",
            _ => null,
        };
        return IpcErrors.Create(errno, hugePages ? "shmget(SHM_HUGETLB)" : "shmget", IpcObjectKind.SharedMemory, key, null, detail);
    }

    private static string HugePageAdvice(long size)
    {
        ulong? reserved = KernelTunables.ReadHugePagesReserved();
        long? pageSize = KernelTunables.ReadDefaultHugePageSize();
        string needed = pageSize is > 0 and long page
            ? $"; this segment needs {((size + page - 1) / page).ToString(CultureInfo.InvariantCulture)} free pages of {(page / 1024).ToString(CultureInfo.InvariantCulture)} kB"
            : string.Empty;
        return $"Huge pages are reserved in /proc/sys/vm/nr_hugepages, which is {reserved?.ToString(CultureInfo.InvariantCulture) ?? "unreadable"} now{needed}. Reserve enough (as root: sysctl vm.nr_hugepages=N) or create the segment without HugePages.";
    }

    private static SharedMemorySegment Created(int id, IpcKey key, long size, SharedMemoryCreateOptions? options)
        => new(id, key, size, Environment.ProcessId, created: true) { RemoveOnDispose = options?.RemoveOnDispose == true };

    private unsafe void Control(int command, string call, string? detail = null)
    {
        ThrowIfDisposed();
        if (Libc.shmctl(Id, command, null) != 0)
        {
            throw IpcErrors.FromLastError(call, IpcObjectKind.SharedMemory, Key, Id, detail, idCall: true);
        }
    }

    private void ThrowIfDisposed() => _state.ThrowIfDisposed();
}
