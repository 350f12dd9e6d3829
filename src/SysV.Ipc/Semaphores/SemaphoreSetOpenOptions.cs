namespace SysV.Ipc;

/// <summary>How an opener treats a set whose creator may still be initializing it (see docs/semaphores.md).</summary>
public sealed class SemaphoreSetOpenOptions
{
    /// <summary>The default for <see cref="InitializationTimeout"/>: 10 seconds.</summary>
    public static TimeSpan DefaultInitializationTimeout { get; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Wait until the set's last-operation time (sem_otime) is set, which a creator following the
    /// protocol does only after setting the initial values. On by default for <see cref="SemaphoreSet.Open(IpcKey, SemaphoreSetOpenOptions?, CancellationToken)"/>.
    /// Turn it off for sets made by tools that never operate on them (<c>ipcmk -S</c>): their values are 0 and their sem_otime stays 0 until someone operates.
    /// </summary>
    public bool WaitForInitialization { get; set; } = true;

    /// <summary>How long to wait for initialization before failing with a <see cref="TimeoutException"/>; <see cref="Timeout.InfiniteTimeSpan"/> waits until cancelled.</summary>
    public TimeSpan InitializationTimeout { get; set; } = DefaultInitializationTimeout;
}
