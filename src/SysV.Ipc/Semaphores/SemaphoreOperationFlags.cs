namespace SysV.Ipc;

/// <summary>Flags of one semaphore operation (<c>sem_flg</c> of <c>struct sembuf</c>); the values are the kernel's.</summary>
[Flags]
public enum SemaphoreOperationFlags : short
{
    /// <summary>Block until the operation can proceed.</summary>
    None = 0,

    /// <summary>
    /// IPC_NOWAIT: if this operation cannot proceed at once, the whole call applies nothing and reports it
    /// (<see cref="SemaphoreSet.Operate"/> returns <see langword="false"/>).
    /// </summary>
    NoWait = 0x800,

    /// <summary>
    /// SEM_UNDO: the kernel records the change and reverses it when this process exits, also when it is
    /// killed (SIGKILL), so a holder that dies does not keep a semaphore taken. SetValue(s) clear the records.
    /// </summary>
    Undo = 0x1000,
}
