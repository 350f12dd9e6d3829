namespace SysV.Ipc.Nats;

/// <summary>
/// One bridge per queue (or channel) and direction on a host: an <see cref="IpcMutex"/> (a semaphore taken
/// with SEM_UNDO) in the bridged object's IPC namespace, taken without waiting. The kernel releases it when the holder
/// dies, even by SIGKILL, so a restarted bridge takes over at once and is told the last one died.
/// </summary>
internal sealed class BridgeLock : IDisposable
{
    private readonly IpcMutex _mutex;
    private IpcMutexScope _scope;

    private BridgeLock(IpcMutex mutex, IpcMutexScope scope)
    {
        _mutex = mutex;
        _scope = scope;
    }

    /// <summary>The pid of the bridge that died holding the lock, or 0 when the last one stopped cleanly.</summary>
    public int AbandonedBy => _scope.AbandonedOwnerProcessId;

    public static BridgeLock Acquire(BridgeDirection direction, BridgedObject target)
    {
        IpcKey key = BridgeKeys.For(direction, target);
        IpcMutex mutex = IpcMutex.OpenOrCreate(key);
        try
        {
            if (mutex.TryAcquire(TimeSpan.Zero, out IpcMutexScope scope))
            {
                return new BridgeLock(mutex, scope);
            }

            int holder = SafeLastPid(mutex);
            string who = holder > 0 ? $" (pid {holder} holds it)" : string.Empty;
            string verb = direction == BridgeDirection.Out ? "out of" : "into";
            throw new BridgeAlreadyRunningException(
                $"Another bridge already moves messages {verb} {target} on this host{who}: only one bridge per {target.Noun} and direction may run, or they would take the same messages. Stop that one first (its lock is semaphore set {BridgeKeys.Describe(key)}; the kernel frees it when that process exits).");
        }
        catch
        {
            mutex.Dispose();
            throw;
        }
    }

    /// <summary>Releases the lock and removes its semaphore set (a clean stop leaves nothing behind).</summary>
    public void ReleaseAndRemove()
    {
        _scope.Dispose();
        _scope = default;
        try
        {
            _mutex.Semaphores.Remove();
        }
        catch (IpcException)
        {
            // Already removed, or not ours to remove: the lock is released either way.
        }
    }

    public void Dispose()
    {
        _scope.Dispose();
        _mutex.Dispose();
    }

    private static int SafeLastPid(IpcMutex mutex)
    {
        try
        {
            return mutex.Semaphores.GetLastProcessId(mutex.LockIndex + 1);
        }
        catch (IpcException)
        {
            return 0;
        }
    }
}
