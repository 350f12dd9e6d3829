namespace SysV.Ipc.Cli.Commands;

/// <summary>Exclusive creation of queues and semaphore sets through the library's classes.</summary>
internal static class IpcCreation
{
    public static (int Id, IpcKey Key) CreateQueue(IpcKey key, UnixFileMode mode)
        => throw new NotSupportedException("Message queues need MessageQueue (branch msg), not merged yet.");

    public static (int Id, IpcKey Key) CreateSemaphoreSet(IpcKey key, int count, UnixFileMode mode)
        => throw new NotSupportedException("Semaphore sets need SemaphoreSet (branch sem), not merged yet.");
}
