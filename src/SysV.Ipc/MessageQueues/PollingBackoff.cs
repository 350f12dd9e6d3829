namespace SysV.Ipc;

/// <summary>
/// The waits between IPC_NOWAIT attempts of a send or receive that must stay cancellable: 1, 1, 2, 4, 8
/// then 10 ms for as long as it takes. msgsnd/msgrcv cannot be interrupted from another thread without a
/// signal, so a wait that can be cancelled never sits in the kernel; the cap bounds both the added latency
/// (at most 10 ms after the queue changes) and the idle cost (about 100 system calls per second).
/// </summary>
internal struct PollingBackoff
{
    internal const int MaxDelayMilliseconds = 10;
    private int _next;

    internal int NextDelayMilliseconds()
    {
        int delay = _next switch
        {
            0 or 1 => 1,
            2 => 2,
            3 => 4,
            4 => 8,
            _ => MaxDelayMilliseconds,
        };
        if (_next < 5)
        {
            _next++;
        }

        return delay;
    }
}
