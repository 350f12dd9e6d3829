using System.Diagnostics;
using System.Runtime.InteropServices;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// One thread of <see cref="ChannelAsyncWaiter"/>: announces the sleep on every pending wait it holds,
/// fences once, checks them all, and sleeps in one <c>futex_waitv</c> over their words and its own wake
/// word (which new waits and cancellations change), as a <see cref="ChannelWaitSet"/> does.
/// </summary>
internal sealed unsafe class ChannelWaiterThread
{
    /// <summary>How long a thread without waits lives on.</summary>
    internal static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);

    private readonly Lock _incomingLock = new();
    private readonly List<AsyncChannelWait> _incoming = [];
    private readonly List<AsyncChannelWait> _active = new(ChannelAsyncWaiter.WaitsPerThread);
    private readonly int* _wake; // this process's memory, on its own cache line; freed when the thread ends
    private readonly Thread _thread;
    private long _nextPeerCheck; // one look for dead peers per sleep slice for all waits, not one wake per wait

    internal ChannelWaiterThread()
    {
        _wake = (int*)NativeMemory.AlignedAlloc(64, 64);
        *_wake = 0;
        _thread = new Thread(Run) { IsBackground = true, Name = "SysV.Ipc channel waiter" };
    }

    /// <summary>Waits given to this thread and not yet finished (guarded by <see cref="ChannelAsyncWaiter"/>'s lock).</summary>
    internal int Load { get; set; }

    internal void Start() => _thread.Start();

    internal void Enqueue(AsyncChannelWait wait)
    {
        lock (_incomingLock)
        {
            _incoming.Add(wait);
        }

        Wake();
    }

    /// <summary>Changes and wakes the thread's own word: it looks at its waits again.</summary>
    internal void Wake()
    {
        Interlocked.Increment(ref *_wake);
        Futex.WakeAll(_wake);
    }

    private void Run()
    {
        FutexWaitv* words = (FutexWaitv*)NativeMemory.Alloc((nuint)FutexVector.MaxWords, (nuint)sizeof(FutexWaitv));
        long idleSince = Stopwatch.GetTimestamp();
        try
        {
            while (true)
            {
                int wakeSequence = Volatile.Read(ref *_wake); // before looking at the queue: a change after this ends the sleep below
                TakeIncoming();
                if (_active.Count == 0)
                {
                    if (Stopwatch.GetElapsedTime(idleSince) >= IdleTimeout && ChannelAsyncWaiter.TryRetire(this))
                    {
                        return;
                    }

                    Futex.Wait(_wake, wakeSequence, IdleTimeout);
                    continue;
                }

                try
                {
                    Round(words, wakeSequence);
                }
                catch (Exception e)
                {
                    FailAll(e); // never end the thread with waits in it: fail them rather than leave them pending
                }

                idleSince = Stopwatch.GetTimestamp();
            }
        }
        finally
        {
            NativeMemory.Free(words);
            NativeMemory.AlignedFree(_wake);
        }
    }

    /// <summary>One look at every wait, and one sleep if none is ready.</summary>
    private void Round(FutexWaitv* words, int wakeSequence)
    {
        // First a look without announcing: after a wake the data is usually there already, and finding it
        // needs neither the announcement nor the heavy fence (a membarrier that interrupts every CPU running
        // a registered process; the blocking calls also look first). Only a sleep needs them, below. When
        // a look for dead peers is due, the full round follows anyway, so busy neighbours cannot starve it.
        if (FinishReady() && (_active.Count == 0 || Stopwatch.GetTimestamp() < _nextPeerCheck))
        {
            return;
        }

        FutexVector.Set(&words[0], _wake, wakeSequence);
        int count = _active.Count;
        for (int i = 0; i < count; i++)
        {
            IChannelWaitable source = _active[i].Source;
            FutexVector.Set(&words[i + 1], source.SleepWord, source.AnnounceSleep());
        }

        bool finished = false;
        try
        {
            AsymmetricFence.Heavy();
            long now = Stopwatch.GetTimestamp();
            bool due = now >= _nextPeerCheck;
            long every = long.MaxValue;
            for (int i = count - 1; i >= 0; i--)
            {
                AsyncChannelWait wait = _active[i];
                every = Math.Min(every, wait.PeerCheckEvery);
                finished |= FinishIfReady(i, checkPeers: due && now >= wait.NextPeerCheck); // from a wait's second slice on, as the blocking calls
            }

            if (due)
            {
                _nextPeerCheck = now + every;
            }

            if (!finished)
            {
                FutexVector.Wait(words, _active.Count + 1, Stopwatch.GetElapsedTime(now, Math.Max(now, _nextPeerCheck)));
            }
        }
        finally
        {
            foreach (AsyncChannelWait wait in _active)
            {
                wait.Source.WithdrawSleep();
            }
        }
    }

    /// <summary>Completes every wait that is ready, cancelled or failing, without announcing a sleep; whether any finished.</summary>
    private bool FinishReady()
    {
        bool finished = false;
        for (int i = _active.Count - 1; i >= 0; i--)
        {
            finished |= FinishIfReady(i, checkPeers: false);
        }

        return finished;
    }

    /// <summary>
    /// Completes the wait at <paramref name="index"/> if it is ready, cancelled or failing; whether it did. A
    /// finished wait's place takes the last wait of the set, so callers walk the set from its end.
    /// </summary>
    private bool FinishIfReady(int index, bool checkPeers)
    {
        AsyncChannelWait wait = _active[index];
        ChannelReadiness readiness;
        try
        {
            readiness = wait.IsCancelRequested ? default : wait.Source.Check(checkPeers);
        }
        catch (Exception e)
        {
            Finish(index, default, e);
            return true;
        }

        if (readiness != default || wait.IsCancelRequested)
        {
            Finish(index, readiness, null);
            return true;
        }

        return false;
    }

    private void FailAll(Exception e)
    {
        while (_active.Count > 0)
        {
            try
            {
                Finish(_active.Count - 1, default, e);
            }
            catch (Exception)
            {
                // Finish removes the wait before anything that could throw: go on with the next.
            }
        }
    }

    private void TakeIncoming()
    {
        lock (_incomingLock)
        {
            _active.AddRange(_incoming);
            _incoming.Clear();
        }
    }

    /// <summary>Takes a wait out of the set (its announcement back, its channel let go), then completes its task.</summary>
    private void Finish(int index, ChannelReadiness readiness, Exception? failure)
    {
        AsyncChannelWait wait = _active[index];
        _active[index] = _active[^1];
        _active.RemoveAt(_active.Count - 1);
        wait.Source.WithdrawSleep();
        wait.Source.Channel.Release();
        ChannelAsyncWaiter.Left(this);
        if (failure is not null)
        {
            wait.Fail(failure);
        }
        else
        {
            wait.Complete(readiness);
        }
    }
}
