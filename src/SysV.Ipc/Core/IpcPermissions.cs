using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>A change to an object's ipc_perm before IPC_SET writes it back (the kernel takes uid, gid and the mode bits from it).</summary>
internal delegate void PermissionUpdate(ref IpcPerm perm);

/// <summary>
/// Permission and ownership administration shared by the three kinds: argument checks, and
/// IPC_STAT → change → IPC_SET with one explanation of the kernel's EINVAL for an unmapped uid or gid.
/// </summary>
internal static class IpcPermissions
{
    /// <summary>What every options type's <c>Permissions</c> starts as: 0600, read and write for the owner only.</summary>
    internal const UnixFileMode Default = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Only the nine rwx bits mean something for System V objects.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Setuid, setgid, sticky or higher bits are set.</exception>
    internal static void Validate(UnixFileMode permissions, string parameterName = "permissions")
    {
        if (((int)permissions & ~0x1FF) != 0)
        {
            throw new ArgumentOutOfRangeException(parameterName, permissions,
                "Only the nine rwx bits for user, group and others apply to IPC objects; setuid, setgid and sticky have no meaning here.");
        }
    }

    /// <summary>Changes the nine permission bits of an object.</summary>
    internal static void SetMode(IpcObjectKind kind, int id, IpcKey key, UnixFileMode permissions)
    {
        Validate(permissions);
        Update(kind, id, key, (ref IpcPerm perm) => perm.mode = (perm.mode & ~0x1FFu) | (uint)permissions, "IPC_SET mode");
    }

    /// <summary>Changes an object's owner.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is 4294967295 ((uid_t)-1), which names no user or group.</exception>
    internal static void SetOwner(IpcObjectKind kind, int id, IpcKey key, uint userId, uint groupId)
    {
        ArgumentOutOfRangeException.ThrowIfEqual(userId, uint.MaxValue);
        ArgumentOutOfRangeException.ThrowIfEqual(groupId, uint.MaxValue);
        Update(kind, id, key, (ref IpcPerm perm) => { perm.uid = userId; perm.gid = groupId; }, "IPC_SET owner");
    }

    /// <summary>IPC_STAT, <paramref name="update"/>, IPC_SET on the object of this kind and id.</summary>
    internal static unsafe void Update(IpcObjectKind kind, int id, IpcKey key, PermissionUpdate update, string what)
    {
        // shmid_ds, msqid_ds and semid_ds all begin with their ipc_perm (offset 0 on both architectures,
        // checked against the C headers by the layout test): one pointer reaches it whatever the kind.
        Libc.SemidDsBuffer semaphore = default;
        ShmidDs segment = default;
        MsqidDs queue = default;
        void* ds = kind switch
        {
            IpcObjectKind.SharedMemory => &segment,
            IpcObjectKind.MessageQueue => &queue,
            _ => &semaphore,
        };
        Check(Control(kind, id, Libc.IPC_STAT, ds), kind, id, key, CallName(kind, "IPC_STAT"));
        ref IpcPerm perm = ref *(IpcPerm*)ds;
        update(ref perm);
        if (Control(kind, id, Libc.IPC_SET, ds) != 0)
        {
            throw SetError(kind, id, key, CallName(kind, what), perm);
        }
    }

    private static unsafe int Control(IpcObjectKind kind, int id, int command, void* ds) => kind switch
    {
        IpcObjectKind.SharedMemory => Libc.shmctl(id, command, ds),
        IpcObjectKind.MessageQueue => Libc.msgctl(id, command, ds),
        _ => Libc.semctl(id, 0, command, (nint)ds),
    };

    private static string CallName(IpcObjectKind kind, string what) => kind switch
    {
        IpcObjectKind.SharedMemory => $"shmctl({what})",
        IpcObjectKind.MessageQueue => $"msgctl({what})",
        _ => $"semctl({what})",
    };

    private static void Check(int result, IpcObjectKind kind, int id, IpcKey key, string call)
    {
        if (result != 0)
        {
            throw IpcErrors.FromLastError(call, kind, key, id, idCall: true);
        }
    }

    private static unsafe IpcException SetError(IpcObjectKind kind, int id, IpcKey key, string call, IpcPerm wanted)
    {
        int errno = Marshal.GetLastPInvokeError();
        if (errno == Errno.EINVAL && Exists(kind, id))
        {
            // The object is there, so the kernel rejected the values: a uid or gid this user namespace does not map.
            return new IpcException(
                $"{call} on {IpcErrors.Describe(kind, key, id)} was rejected (EINVAL): uid {wanted.uid} or gid {wanted.gid} is not valid in this user namespace.",
                errno, kind, key, id);
        }

        return IpcErrors.Create(errno, call, kind, key, id, idCall: true);
    }

    private static unsafe bool Exists(IpcObjectKind kind, int id)
    {
        switch (kind)
        {
            case IpcObjectKind.SharedMemory:
                ShmidDs shm;
                return Libc.shmctl(id, Libc.IPC_STAT, &shm) == 0;
            case IpcObjectKind.MessageQueue:
                MsqidDs msg;
                return Libc.msgctl(id, Libc.IPC_STAT, &msg) == 0;
            default:
                Libc.SemidDsBuffer sem = default;
                return Libc.semctl(id, 0, Libc.IPC_STAT, (nint)(&sem)) == 0;
        }
    }
}
