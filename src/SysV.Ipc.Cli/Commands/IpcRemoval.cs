namespace SysV.Ipc.Cli.Commands;

/// <summary>IPC_RMID by kind and id, through each kind's class in the library.</summary>
internal static class IpcRemoval
{
    /// <summary>Removes the object; false when no object of that kind has the id.</summary>
    /// <exception cref="IpcPermissionDeniedException">It exists but this user may not remove it.</exception>
    public static bool TryRemove(IpcObjectKind kind, int id) => kind switch
    {
        IpcObjectKind.SharedMemory => SharedMemorySegment.TryRemove(id),
        IpcObjectKind.MessageQueue => MessageQueue.TryRemove(id),
        _ => SemaphoreSet.TryRemove(id),
    };
}
