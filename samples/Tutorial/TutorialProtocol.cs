namespace SysV.Ipc.Samples.Tutorial;

/// <summary>
/// What the server and its clients agree on besides the struct: the key, the semaphores and their
/// roles, and the timeouts (docs/tutorial-sample.md describes the protocol for C programs).
/// </summary>
public static class TutorialProtocol
{
    /// <summary>PROJ: the tutorial's project id for ftok when there is one instance.</summary>
    public const byte DefaultProjectId = 1;

    /// <summary>Semaphore 0: the lock a client holds for a whole exchange (IpcMutex lock, SEM_UNDO).</summary>
    public const int Lock = 0;

    /// <summary>Semaphore 1: the lock's owned flag (IpcMutex), which tells the next client that a client died holding the lock.</summary>
    public const int LockOwned = 1;

    /// <summary>Semaphore 2: a client posts it (+1) when its request is in the area; the server waits on it.</summary>
    public const int Request = 2;

    /// <summary>Semaphore 3: the server posts it when the reply is in the area; the client waits on it.</summary>
    public const int Reply = 3;

    /// <summary>Semaphore 4: a manual-reset event (1 = not ready, 0 = ready) the server sets once the area is initialized.</summary>
    public const int Ready = 4;

    /// <summary>How many semaphores the set has.</summary>
    public const int SemaphoreCount = 5;

    /// <summary>Initial values: lock free, flag clear, no request, no reply, not ready.</summary>
    public static ReadOnlySpan<int> InitialValues => [1, 0, 0, 0, 1];

    /// <summary>How long a client waits for the server to appear, for the lock, and for a reply.</summary>
    public static TimeSpan ClientTimeout { get; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a client that inherits the lock from a dead client waits for that client's reply.</summary>
    public static TimeSpan StaleReplyWait { get; } = TimeSpan.FromSeconds(1);

    /// <summary>The key of both the segment and the semaphore set: ftok(<paramref name="path"/>, <paramref name="projectId"/>), as in the tutorial.</summary>
    /// <param name="path">An existing file.</param>
    /// <param name="projectId">PROJ.</param>
    /// <returns>The key.</returns>
    public static IpcKey KeyFor(string path, byte projectId) => IpcKey.FromFile(path, projectId);

    /// <summary>The tutorial's advice when the objects already exist, with the commands that remove them.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The advice.</returns>
    public static string LeftoverAdvice(IpcKey key) =>
        $"The IPC objects with key {key} already exist: perhaps an earlier run did not release them (or a server is running). " +
        $"List them with 'ipcs' (or 'sysvipc ls') and remove the ones you own with 'ipcrm -M {key} -S {key}' (or 'sysvipc rm -M {key} -S {key}').";
}
