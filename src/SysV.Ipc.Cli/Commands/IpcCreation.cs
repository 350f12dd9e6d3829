namespace SysV.Ipc.Cli.Commands;

/// <summary>Exclusive creation of queues and semaphore sets through the library's classes.</summary>
internal static class IpcCreation
{
    public static (int Id, IpcKey Key) CreateQueue(IpcKey key, UnixFileMode mode)
    {
        using MessageQueue queue = MessageQueue.Create(key, new() { Permissions = mode });
        return (queue.Id, queue.Key);
    }

    /// <summary>A set of <paramref name="count"/> semaphores, all 0, initialized by the library's protocol (so sem_otime is set).</summary>
    public static (int Id, IpcKey Key) CreateSemaphoreSet(IpcKey key, int count, UnixFileMode mode)
    {
        using SemaphoreSet set = SemaphoreSet.Create(key, count, new int[count], new() { Permissions = mode });
        return (set.Id, set.Key);
    }
}
