using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>IPC_RMID by kind and id, shared by the three object classes' <c>TryRemove</c> and their removal on dispose.</summary>
internal static class IpcRemoval
{
    /// <summary>The owner objects' removal on dispose: when asked, removes the kernel object; a missing one is no error.</summary>
    internal static void RemoveOnDispose(bool removeOnDispose, IpcObjectKind kind, int id)
    {
        if (removeOnDispose)
        {
            TryRemove(kind, id);
        }
    }

    /// <summary>Removes the object; false when no object of that kind has the id (EINVAL, EIDRM).</summary>
    /// <exception cref="IpcPermissionDeniedException">The object exists but this process may not remove it.</exception>
    internal static unsafe bool TryRemove(IpcObjectKind kind, int id)
    {
        PlatformGuard.ThrowIfUnsupported();
        if (id < 0)
        {
            return false;
        }

        int result = kind switch
        {
            IpcObjectKind.SharedMemory => Libc.shmctl(id, Libc.IPC_RMID, null),
            IpcObjectKind.MessageQueue => Libc.msgctl(id, Libc.IPC_RMID, null),
            _ => Libc.semctl(id, 0, Libc.IPC_RMID, 0),
        };
        if (result == 0)
        {
            return true;
        }

        int errno = Marshal.GetLastPInvokeError();
        string call = kind switch
        {
            IpcObjectKind.SharedMemory => "shmctl(IPC_RMID)",
            IpcObjectKind.MessageQueue => "msgctl(IPC_RMID)",
            _ => "semctl(IPC_RMID)",
        };
        return errno is Errno.EINVAL or Errno.EIDRM
            ? false
            : throw IpcErrors.Create(errno, call, kind, null, id);
    }
}
