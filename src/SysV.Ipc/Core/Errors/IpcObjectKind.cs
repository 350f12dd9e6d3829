namespace SysV.Ipc;

/// <summary>The three kinds of System V IPC object.</summary>
public enum IpcObjectKind
{
    /// <summary>A shared memory segment (shmget).</summary>
    SharedMemory,

    /// <summary>A message queue (msgget).</summary>
    MessageQueue,

    /// <summary>A semaphore set (semget).</summary>
    SemaphoreSet,
}
