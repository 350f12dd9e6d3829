using System.Diagnostics;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>The semop/semtimedop engine: EINTR retried, the time left recomputed, cancellation watched in slices.</summary>
public sealed partial class SemaphoreSet
{
    /// <summary>How long one semtimedop slice lasts while a cancellation token is being watched: the cancellation latency.</summary>
    private static readonly TimeSpan s_cancellationSlice = TimeSpan.FromMilliseconds(50);

    /// <summary>semop, retried after EINTR; false on EAGAIN (only possible with IPC_NOWAIT).</summary>
    private unsafe bool SemOp(Sembuf* ops, int count)
    {
        for (int attempt = 0; ; attempt++)
        {
            if (Libc.semop(Id, ops, (nuint)count) == 0)
            {
                return true;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EAGAIN)
            {
                return false;
            }

            if (errno != Errno.EINTR)
            {
                throw Error(RemovedWhileRetrying(errno, attempt), "semop");
            }
        }
    }

    /// <summary>
    /// A set removed while the call was blocked gives EIDRM; removed between two attempts (after EINTR or
    /// a cancellation slice) the id is simply unknown (EINVAL). Both mean the same to the waiter.
    /// </summary>
    private static int RemovedWhileRetrying(int errno, int attempt) => errno == Errno.EINVAL && attempt > 0 ? Errno.EIDRM : errno;

    /// <summary>
    /// semtimedop until applied, timed out or cancelled. EINTR repeats the call with the time that is left.
    /// While the token can be cancelled, the wait is cut into slices so the token is looked at regularly:
    /// the kernel has no way to wake a semop for a token.
    /// </summary>
    private unsafe bool SemTimedOp(Sembuf* ops, int count, TimeSpan timeout, bool noWait, CancellationToken cancellationToken)
    {
        Deadline deadline = Deadline.Start(timeout);
        if (deadline.IsInfinite && !cancellationToken.CanBeCanceled)
        {
            return SemOp(ops, count);
        }

        cancellationToken.ThrowIfCancellationRequested();
        for (int attempt = 0; ; attempt++)
        {
            TimeSpan wait = cancellationToken.CanBeCanceled ? deadline.RemainingOrSlice(s_cancellationSlice) : deadline.Remaining;
            Timespec timespec = Deadline.ToTimespec(wait);
            long callStart = Stopwatch.GetTimestamp();
            if (Libc.semtimedop(Id, ops, (nuint)count, &timespec) == 0)
            {
                return true;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EAGAIN)
            {
                // EAGAIN is both "timed out" and "a NoWait operation could not proceed". A timer never
                // fires early, so a quick EAGAIN with NoWait in the span is the NoWait case.
                if (noWait && Stopwatch.GetElapsedTime(callStart) < wait)
                {
                    return false;
                }

                if (deadline.HasExpired)
                {
                    return false;
                }
            }
            else if (errno != Errno.EINTR)
            {
                throw Error(RemovedWhileRetrying(errno, attempt), "semtimedop");
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
