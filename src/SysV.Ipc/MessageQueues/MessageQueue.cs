using System.Globalization;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// A System V message queue (msgget): typed messages of at most <see cref="MaxMessageSize"/> bytes (MSGMAX,
/// 8 KiB by default), each moved by one system call. The object is only a name for a kernel queue: it owns
/// nothing in this process, and the queue persists after every process exits until something removes it
/// (<see cref="Remove"/>, <c>ipcrm -q</c>), unless <see cref="RemoveOnDispose"/> is set.
/// </summary>
/// <remarks>
/// Sends and receives are safe to call from several threads and processes at once: the kernel serializes
/// them. Blocking calls retry when a signal interrupts them (the .NET runtime uses signals, and the kernel
/// never restarts msgsnd/msgrcv). Waits that can time out or be cancelled poll with IPC_NOWAIT; see
/// docs/message-queues.md for what that costs.
/// </remarks>
public sealed partial class MessageQueue : IDisposable
{
    private readonly IpcObjectState _state;

    private MessageQueue(int id, IpcKey key, bool created) => _state = new(this, IpcObjectKind.MessageQueue, id, key, created);

    /// <summary>The queue's id (msqid): what ipcs lists and what <see cref="OpenById"/> takes.</summary>
    public int Id => _state.Id;

    /// <summary>The key the queue was created with (<see cref="IpcKey.Private"/> for IPC_PRIVATE).</summary>
    public IpcKey Key => _state.Key;

    /// <summary>Whether this object created the queue (as opposed to opening an existing one).</summary>
    public bool WasCreated => _state.WasCreated;

    /// <summary>Remove the queue (IPC_RMID) when this object is disposed. Off unless set here or in <see cref="MessageQueueCreateOptions.RemoveOnDispose"/>: queues persist, as the kernel's do.</summary>
    public bool RemoveOnDispose
    {
        get => _state.RemoveOnDispose;
        set => _state.RemoveOnDispose = value;
    }

    /// <summary>
    /// The largest message body any queue accepts now, in bytes: the system-wide limit MSGMAX
    /// (/proc/sys/kernel/msgmax, 8192 by default). A larger body fails before the system call with
    /// <see cref="IpcLimitExceededException"/>. Read fresh on every get.
    /// </summary>
    /// <remarks>A queue also holds at most <see cref="MessageQueueInfo.MaxBytes"/> bytes in all (MSGMNB, 16384 by default): only two 8 KiB messages fit in a default queue.</remarks>
    public int MaxMessageSize => MessageSizeLimit.ReadCurrent();

    /// <summary>Creates a new queue; fails if one with this key exists (msgget with IPC_CREAT | IPC_EXCL).</summary>
    /// <param name="key">The key, or <see cref="IpcKey.Private"/> for a queue found only by id.</param>
    /// <param name="options">Permissions (who may send (write) and receive (read); default 0600) and removal on dispose.</param>
    /// <returns>The new queue.</returns>
    /// <exception cref="IpcObjectExistsException">A queue with this key exists (perhaps from an earlier run).</exception>
    /// <exception cref="IpcLimitExceededException">MSGMNI queues exist already.</exception>
    public static MessageQueue Create(IpcKey key, MessageQueueCreateOptions? options = null)
    {
        int flags = CreateFlags(options) | Libc.IPC_EXCL;
        int id = Libc.msgget(key.Value, flags);
        return id >= 0 ? Created(id, key, options) : throw MsgGetError(Marshal.GetLastPInvokeError(), key);
    }

    /// <summary>Opens the queue with this key, creating it if there is none.</summary>
    /// <param name="key">The key (not <see cref="IpcKey.Private"/>, which would always create).</param>
    /// <param name="options">Permissions and options for a new queue.</param>
    /// <returns>The queue; <see cref="WasCreated"/> says which happened.</returns>
    public static MessageQueue OpenOrCreate(IpcKey key, MessageQueueCreateOptions? options = null)
    {
        if (key.IsPrivate)
        {
            throw new ArgumentException("IPC_PRIVATE names no existing queue, so open-or-create would always create: call Create(IpcKey.Private) and share the id.", nameof(key));
        }

        int flags = CreateFlags(options);
        while (true)
        {
            int id = Libc.msgget(key.Value, flags | Libc.IPC_EXCL);
            if (id >= 0)
            {
                return Created(id, key, options);
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EEXIST)
            {
                throw MsgGetError(errno, key);
            }

            id = Libc.msgget(key.Value, 0);
            if (id >= 0)
            {
                return new MessageQueue(id, key, created: false);
            }

            errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.ENOENT)
            {
                throw MsgGetError(errno, key);
            }

            // Removed between the two calls: try to create again.
        }
    }

    /// <summary>Opens the existing queue with this key (msgget without IPC_CREAT).</summary>
    /// <param name="key">The key.</param>
    /// <returns>The queue.</returns>
    /// <exception cref="IpcObjectNotFoundException">No queue has this key.</exception>
    public static MessageQueue Open(IpcKey key)
    {
        if (key.IsPrivate)
        {
            throw new ArgumentException("IPC_PRIVATE names no existing queue: open a private queue by its id (OpenById).", nameof(key));
        }

        PlatformGuard.ThrowIfUnsupported();
        int id = Libc.msgget(key.Value, 0);
        return id >= 0 ? new MessageQueue(id, key, created: false) : throw MsgGetError(Marshal.GetLastPInvokeError(), key);
    }

    /// <summary>Opens the existing queue with this key, if there is one.</summary>
    /// <param name="key">The key.</param>
    /// <param name="queue">The queue, when the result is <see langword="true"/>.</param>
    /// <returns><see langword="false"/> when no queue has this key; other failures (permission) throw as <see cref="Open"/> does.</returns>
    public static bool TryOpen(IpcKey key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MessageQueue? queue) =>
        IpcTryOpen.Run(() => Open(key), out queue);

    /// <summary>Opens a queue by its id (as ipcs lists it); the key comes from IPC_STAT.</summary>
    /// <param name="id">The msqid.</param>
    /// <returns>The queue.</returns>
    /// <exception cref="IpcObjectNotFoundException">No queue has this id.</exception>
    public static MessageQueue OpenById(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        PlatformGuard.ThrowIfUnsupported();
        return new MessageQueue(id, Stat(id).Key, created: false);
    }

    /// <summary>Reads the queue's state (msgctl IPC_STAT).</summary>
    /// <returns>Message count, bytes used and allowed, last sender and receiver pids and times, permissions, owner, creator.</returns>
    public MessageQueueInfo GetInfo()
    {
        ThrowIfDisposed();
        try
        {
            return Stat(Id);
        }
        catch (IpcException e) when (_state.IsDisposed)
        {
            throw _state.DisposedDuringCall(e);
        }
    }

    /// <summary>
    /// Sets how many bytes of message bodies the queue may hold (msg_qbytes, msgctl IPC_SET). The queue is
    /// full when its bytes would exceed this, or when it holds this many messages.
    /// </summary>
    /// <param name="bytes">The new limit, at least 1. Above MSGMNB (/proc/sys/kernel/msgmnb) only a process with CAP_SYS_RESOURCE may set it.</param>
    /// <exception cref="IpcPermissionDeniedException">Not the owner or creator, or above MSGMNB without CAP_SYS_RESOURCE.</exception>
    public unsafe void SetMaxBytes(long bytes)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        MsqidDs ds = StatRaw();
        ds.msg_qbytes = (ulong)bytes;
        if (Libc.msgctl(Id, Libc.IPC_SET, &ds) == 0)
        {
            return;
        }

        int errno = Marshal.GetLastPInvokeError();
        string? detail = null;
        if (errno == Errno.EPERM && !KernelTunables.Allows(KernelTunable.MsgMnb, (ulong)bytes, out ulong limit))
        {
            detail = $"{bytes.ToString(CultureInfo.InvariantCulture)} bytes is above the limit MSGMNB of {limit.ToString(CultureInfo.InvariantCulture)} bytes ({KernelTunables.Where(KernelTunable.MsgMnb)}); going above it needs CAP_SYS_RESOURCE in the initial user namespace, which root inside a container or user namespace does not have. Stay at or below MSGMNB, or have an administrator raise it.";
        }

        throw IpcErrors.Create(errno, "msgctl(IPC_SET msg_qbytes)", IpcObjectKind.MessageQueue, Key, Id, detail);
    }

    /// <summary>Changes the permission bits (msgctl IPC_SET). Only the owner, the creator or a privileged process may.</summary>
    /// <param name="permissions">The new rwx bits for user, group, others (read: receive; write: send).</param>
    public void SetPermissions(UnixFileMode permissions) => _state.SetPermissions(permissions);

    /// <summary>Changes the owner (msgctl IPC_SET). Only the owner, the creator or a privileged process may.</summary>
    /// <param name="userId">The new owner's uid.</param>
    /// <param name="groupId">The new owner's gid.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is 4294967295 ((uid_t)-1), which names no user or group.</exception>
    public void SetOwner(uint userId, uint groupId) => _state.SetOwner(userId, groupId);

    /// <summary>
    /// Removes the queue and every message in it (msgctl IPC_RMID), at once. Processes blocked sending to
    /// or receiving from it wake with <see cref="IpcObjectRemovedException"/>.
    /// </summary>
    /// <exception cref="IpcObjectNotFoundException">It was already removed.</exception>
    public unsafe void Remove()
    {
        ThrowIfDisposed();
        if (Libc.msgctl(Id, Libc.IPC_RMID, null) != 0)
        {
            throw IpcErrors.FromLastError("msgctl(IPC_RMID)", IpcObjectKind.MessageQueue, null, Id);
        }
    }

    /// <summary>Removes the queue with this id if it exists.</summary>
    /// <param name="id">The msqid.</param>
    /// <returns><see langword="true"/> when removed; <see langword="false"/> when no queue has this id.</returns>
    /// <exception cref="IpcPermissionDeniedException">The queue exists but this process may not remove it.</exception>
    public static bool TryRemove(int id) => IpcRemoval.TryRemove(IpcObjectKind.MessageQueue, id);

    /// <summary>Removes the queue (msgctl IPC_RMID) unless it is gone already.</summary>
    /// <returns><see langword="true"/> when this call removed it; <see langword="false"/> when it was removed already (by another process, or ipcrm).</returns>
    /// <exception cref="IpcPermissionDeniedException">The queue exists but this process may not remove it.</exception>
    public bool TryRemove() => _state.TryRemove();

    /// <summary>Removes the queue if <see cref="RemoveOnDispose"/> is set; otherwise does nothing to the kernel object.</summary>
    public void Dispose() => _state.Dispose();

    /// <inheritdoc/>
    public override string ToString() => _state.Describe();

    internal static unsafe MessageQueueInfo Stat(int id)
    {
        MsqidDs ds;
        if (Libc.msgctl(id, Libc.IPC_STAT, &ds) != 0)
        {
            throw IpcErrors.FromLastError("msgctl(IPC_STAT)", IpcObjectKind.MessageQueue, null, id);
        }

        return new MessageQueueInfo
        {
            Id = id,
            Key = new IpcKey(ds.msg_perm.__key),
            Mode = (int)ds.msg_perm.mode,
            OwnerUserId = ds.msg_perm.uid,
            OwnerGroupId = ds.msg_perm.gid,
            CreatorUserId = ds.msg_perm.cuid,
            CreatorGroupId = ds.msg_perm.cgid,
            MessageCount = (long)ds.msg_qnum,
            BytesUsed = (long)ds.__msg_cbytes,
            MaxBytes = (long)ds.msg_qbytes,
            LastSendProcessId = ds.msg_lspid,
            LastReceiveProcessId = ds.msg_lrpid,
            LastSendTime = IpcTime.FromSeconds(ds.msg_stime),
            LastReceiveTime = IpcTime.FromSeconds(ds.msg_rtime),
            LastChangeTime = IpcTime.FromSeconds(ds.msg_ctime),
        };
    }

    private static int CreateFlags(MessageQueueCreateOptions? options)
    {
        UnixFileMode permissions = options?.Permissions ?? IpcPermissions.Default;
        IpcPermissions.Validate(permissions, nameof(options));
        PlatformGuard.ThrowIfUnsupported();
        return Libc.IPC_CREAT | (int)permissions;
    }

    private static MessageQueue Created(int id, IpcKey key, MessageQueueCreateOptions? options) =>
        new(id, key, created: true) { RemoveOnDispose = options?.RemoveOnDispose == true };

    private static IpcException MsgGetError(int errno, IpcKey key) =>
        IpcErrors.Create(errno, "msgget", IpcObjectKind.MessageQueue, key, null);

    private unsafe MsqidDs StatRaw()
    {
        MsqidDs ds;
        if (Libc.msgctl(Id, Libc.IPC_STAT, &ds) != 0)
        {
            throw IpcErrors.FromLastError("msgctl(IPC_STAT)", IpcObjectKind.MessageQueue, null, Id);
        }

        return ds;
    }

    private void ThrowIfDisposed() => _state.ThrowIfDisposed();

    /// <summary>The error of a send or receive that a <see cref="Dispose"/> on another thread cut short (<see cref="RemoveOnDispose"/> may have removed the queue under it).</summary>
    private ObjectDisposedException DisposedDuringCall(int errno, string call) =>
        _state.DisposedDuringCall(IpcErrors.Create(errno, call, IpcObjectKind.MessageQueue, Key, Id));
}
