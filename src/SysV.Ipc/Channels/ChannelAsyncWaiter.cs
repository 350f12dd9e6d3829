namespace SysV.Ipc;

/// <summary>
/// The process's asynchronous waits on channels: a few dedicated threads, each sleeping in one
/// <c>futex_waitv</c> call on its own wake word and the futex words of up to
/// <see cref="WaitsPerThread"/> pending waits, completing their tasks when their channels become ready.
/// A pending wait holds no thread of its own: 1,000 pending reads on 1,000 channels use
/// ⌈1000 / 127⌉ = 8 of these threads. A thread is started when every running one is full, and ends
/// after <see cref="ChannelWaiterThread.IdleTimeout"/> without a wait.
/// </summary>
internal static class ChannelAsyncWaiter
{
    /// <summary>Waits per thread: the words of one futex_waitv call less the thread's own wake word.</summary>
    internal const int WaitsPerThread = FutexVector.MaxWords - 1;

    private static readonly Lock s_lock = new();
    private static readonly List<ChannelWaiterThread> s_threads = [];

    /// <summary>How many waiter threads run now (for tests and diagnostics).</summary>
    internal static int ThreadCount
    {
        get
        {
            lock (s_lock)
            {
                return s_threads.Count;
            }
        }
    }

    /// <summary>
    /// Waits, without holding a thread, until <paramref name="source"/> is ready. The caller owns the
    /// reader or writer and does not use it until the task completes (the waiter thread checks it).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The channel and everything of it are disposed.</exception>
    internal static Task<ChannelReadiness> WaitAsync(IChannelWaitable source, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<ChannelReadiness>(cancellationToken);
        }

        source.Channel.AddWaiterReference(); // released by the waiter thread when the wait leaves its set
        var wait = new AsyncChannelWait(source, cancellationToken);
        ChannelWaiterThread thread;
        lock (s_lock)
        {
            thread = s_threads.Find(t => t.Load < WaitsPerThread) ?? Start();
            thread.Load++;
            wait.Thread = thread;
        }

        if (cancellationToken.CanBeCanceled)
        {
            wait.Registration = cancellationToken.UnsafeRegister(static state => ((AsyncChannelWait)state!).RequestCancel(), wait);
        }

        thread.Enqueue(wait);
        return wait.Task;
    }

    /// <summary>A wait left <paramref name="thread"/>'s set.</summary>
    internal static void Left(ChannelWaiterThread thread)
    {
        lock (s_lock)
        {
            thread.Load--;
        }
    }

    /// <summary>An idle thread asks to end: only if no wait was given to it meanwhile.</summary>
    internal static bool TryRetire(ChannelWaiterThread thread)
    {
        lock (s_lock)
        {
            if (thread.Load != 0)
            {
                return false;
            }

            s_threads.Remove(thread);
            return true;
        }
    }

    private static ChannelWaiterThread Start()
    {
        var thread = new ChannelWaiterThread();
        s_threads.Add(thread);
        thread.Start();
        return thread;
    }
}
