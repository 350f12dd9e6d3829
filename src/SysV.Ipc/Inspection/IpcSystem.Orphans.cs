using SysV.Ipc.Interop;

namespace SysV.Ipc;

public static partial class IpcSystem
{
    /// <summary>How long a queue or semaphore set must have been idle before <see cref="IsOrphan"/> may call it an orphan, unless the caller says otherwise: one minute.</summary>
    public static TimeSpan DefaultOrphanIdleTime { get; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Every object that no running process created or uses, by the rules of <see cref="IsOrphan"/>: the
    /// leftovers of programs that exited without removing what they made.
    /// </summary>
    /// <param name="minimumIdleTime">For queues and semaphore sets, how long they must have been untouched (default <see cref="DefaultOrphanIdleTime"/>).</param>
    /// <returns>The orphans, segments first, then queues, then semaphore sets.</returns>
    public static IReadOnlyList<IpcObjectInfo> ListOrphans(TimeSpan? minimumIdleTime = null)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        return [.. ListAll().Where(o => IsOrphanAt(o, minimumIdleTime, now))];
    }

    /// <summary>
    /// Whether an object looks abandoned. The kernel does not record who owns an object in the sense of
    /// "will come back for it", so this is a conservative judgement from what it does record:
    /// <list type="bullet">
    /// <item><b>Shared memory segment</b>: nothing is attached (nattch 0), its creator (cpid) is not running,
    /// and the last process that attached or detached it (lpid) is not running either (or there was none).
    /// A cpid of 0 (a creator in a pid namespace this process cannot see) never counts as gone.</item>
    /// <item><b>Message queue</b>: the kernel keeps no creator pid for queues. It counts as an orphan when its
    /// last sender (lspid) and last receiver (lrpid) are not running (or there were none), and it has not been
    /// created, changed, sent to or received from for <paramref name="minimumIdleTime"/>, which stands in
    /// for "its creator is gone and nothing used it since". Waiting messages do not keep it alive.</item>
    /// <item><b>Semaphore set</b>: no creator pid either. It counts as an orphan when, for every semaphore,
    /// the last process that operated on it (sempid) is not running (or there was none) and no process
    /// waits on it (semncnt and semzcnt 0), and it has not been created, changed or operated on for
    /// <paramref name="minimumIdleTime"/>. A set whose semaphores this process may not read is never an orphan.</item>
    /// </list>
    /// Every pid is checked with the time the kernel recorded it (cpid with the creation time, lpid with the
    /// last attach or detach, lspid/lrpid with the last send/receive, sempid with the last operation): a
    /// process that started after that moment holds the pid by reuse and does not keep the object alive, while
    /// the process that was recorded, as long as it runs, always does. Objects already marked for removal are never orphans.
    /// </summary>
    /// <param name="info">The object, as listed by <see cref="ListAll"/> or one of the List methods.</param>
    /// <param name="minimumIdleTime">For queues and semaphore sets, how long they must have been untouched (default <see cref="DefaultOrphanIdleTime"/>).</param>
    /// <returns>Whether the object is an orphan now.</returns>
    public static bool IsOrphan(IpcObjectInfo info, TimeSpan? minimumIdleTime = null)
        => IsOrphanAt(info, minimumIdleTime, DateTimeOffset.UtcNow);

    private static bool IsOrphanAt(IpcObjectInfo info, TimeSpan? minimumIdleTime, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(info);
        TimeSpan idle = minimumIdleTime ?? DefaultOrphanIdleTime;
        ArgumentOutOfRangeException.ThrowIfLessThan(idle, TimeSpan.Zero, nameof(minimumIdleTime));
        return info switch
        {
            SharedMemoryInfo shm => IsOrphanSegment(shm),
            MessageQueueInfo msg => IsOrphanQueue(msg, idle, now),
            SemaphoreSetInfo sem => IsOrphanSemaphoreSet(sem, idle, now),
            _ => false,
        };
    }

    private static bool IsOrphanSegment(SharedMemoryInfo shm) =>
        shm.AttachCount == 0
        && !shm.IsMarkedForRemoval
        && shm.CreatorProcessId > 0
        && !ProcessIdentity.IsRunningSince(shm.CreatorProcessId, shm.LastChangeTime)
        && !ProcessIdentity.IsRunningSince(shm.LastProcessId, Latest(shm.LastAttachTime, shm.LastDetachTime, shm.LastChangeTime));

    private static bool IsOrphanQueue(MessageQueueInfo msg, TimeSpan idle, DateTimeOffset now) =>
        IdleSince(now, idle, msg.LastChangeTime, msg.LastSendTime, msg.LastReceiveTime)
        && !ProcessIdentity.IsRunningSince(msg.LastSendProcessId, Latest(msg.LastSendTime, msg.LastChangeTime))
        && !ProcessIdentity.IsRunningSince(msg.LastReceiveProcessId, Latest(msg.LastReceiveTime, msg.LastChangeTime));

    private static bool IsOrphanSemaphoreSet(SemaphoreSetInfo sem, TimeSpan idle, DateTimeOffset now)
    {
        if (!IdleSince(now, idle, sem.LastChangeTime, sem.LastOperationTime))
        {
            return false;
        }

        for (int i = 0; i < sem.Count; i++)
        {
            int pid = Libc.semctl(sem.Id, i, Libc.GETPID, 0);
            int waiting = pid < 0 ? -1 : Libc.semctl(sem.Id, i, Libc.GETNCNT, 0);
            int waitingForZero = waiting < 0 ? -1 : Libc.semctl(sem.Id, i, Libc.GETZCNT, 0);
            if (waitingForZero < 0)
            {
                return false; // removed meanwhile, or not readable by us: not provably abandoned
            }

            // sempid is set by semop (otime), SETVAL/SETALL (ctime) and undo at exit, by a process that made a
            // SEM_UNDO semop before: whichever it was, it started before the later of otime and ctime.
            if (waiting > 0 || waitingForZero > 0 || ProcessIdentity.IsRunningSince(pid, Latest(sem.LastOperationTime, sem.LastChangeTime)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The latest of the known times (a pid recorded then, or earlier).</summary>
    private static DateTimeOffset? Latest(params ReadOnlySpan<DateTimeOffset?> times)
    {
        DateTimeOffset? latest = null;
        foreach (DateTimeOffset? time in times)
        {
            if (time is { } t && (latest is null || t > latest))
            {
                latest = t;
            }
        }

        return latest;
    }

    private static bool IdleSince(DateTimeOffset now, TimeSpan idle, params ReadOnlySpan<DateTimeOffset?> times)
    {
        foreach (DateTimeOffset? time in times)
        {
            if (time is { } t && now - t < idle)
            {
                return false;
            }
        }

        return true;
    }
}
