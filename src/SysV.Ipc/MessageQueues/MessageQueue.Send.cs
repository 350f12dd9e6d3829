using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

public sealed partial class MessageQueue
{
    /// <summary>Messages up to this size (type header included) are assembled on the stack; larger ones in a pooled array.</summary>
    private const int StackBufferLimit = 8192 + sizeof(long);

    /// <summary>
    /// Sends a message (msgsnd), blocking while the queue is full. One system call; no allocation.
    /// </summary>
    /// <param name="type">The message type, from 1 to <see cref="long.MaxValue"/> (a C long: never narrowed). Receivers select by it.</param>
    /// <param name="body">The body, at most <see cref="MaxMessageSize"/> bytes (MSGMAX); may be empty.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not positive.</exception>
    /// <exception cref="IpcLimitExceededException">The body is longer than MSGMAX (checked before the system call).</exception>
    /// <exception cref="IpcObjectRemovedException">The queue was removed while this call waited for room.</exception>
    /// <exception cref="IpcObjectNotFoundException">The queue no longer exists.</exception>
    /// <remarks>
    /// A body larger than the queue's own capacity (<see cref="MessageQueueInfo.MaxBytes"/>) never fits, and
    /// the kernel then waits until the queue is removed: use <see cref="TrySend"/> with a timeout
    /// where that can happen.
    /// </remarks>
    public void Send(long type, ReadOnlySpan<byte> body)
    {
        ThrowIfDisposed();
        ValidateSend(type, body.Length);
        int errno = SendCore(type, body, 0);
        if (errno != 0)
        {
            throw SendError(errno, "msgsnd", body.Length);
        }
    }

    /// <summary>
    /// Sends a message if the queue has room now (msgsnd with IPC_NOWAIT), or within <paramref name="timeout"/>.
    /// The kernel has no timed msgsnd, so a wait polls with IPC_NOWAIT (1 ms growing to 10 ms between
    /// attempts; see docs/message-queues.md).
    /// </summary>
    /// <param name="type">The message type, at least 1.</param>
    /// <param name="body">The body, at most <see cref="MaxMessageSize"/> bytes.</param>
    /// <param name="timeout">How long to wait for room: zero (the default) tries once; <see cref="Timeout.InfiniteTimeSpan"/> waits until sent or cancelled.</param>
    /// <param name="cancellationToken">Stops the wait; nothing is sent then.</param>
    /// <returns><see langword="true"/> when sent; <see langword="false"/> when the queue stayed full for the whole timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not positive.</exception>
    /// <exception cref="IpcLimitExceededException">The body is longer than MSGMAX.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the message could be sent.</exception>
    /// <exception cref="IpcObjectRemovedException">The queue was removed while waiting.</exception>
    public bool TrySend(long type, ReadOnlySpan<byte> body, TimeSpan timeout = default, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ValidateSend(type, body.Length);
        Deadline deadline = Deadline.Start(timeout);
        cancellationToken.ThrowIfCancellationRequested();
        var backoff = default(PollingBackoff);
        bool waited = false;
        while (true)
        {
            int errno = SendCore(type, body, Libc.IPC_NOWAIT);
            if (errno == 0)
            {
                return true;
            }

            if (errno != Errno.EAGAIN)
            {
                throw waited && errno == Errno.EINVAL ? WaitError(errno, "msgsnd(IPC_NOWAIT)") : SendError(errno, "msgsnd(IPC_NOWAIT)", body.Length);
            }

            if (!SleepBeforeRetry(ref backoff, deadline, cancellationToken))
            {
                return false;
            }

            waited = true;
        }
    }

    /// <summary>
    /// Sends a message without blocking the calling thread. With a token that can be cancelled, the wait for
    /// room polls with IPC_NOWAIT (1 ms growing to 10 ms); with none, one dedicated thread blocks in msgsnd.
    /// </summary>
    /// <param name="type">The message type, at least 1.</param>
    /// <param name="body">The body, at most <see cref="MaxMessageSize"/> bytes. Not copied until sent: do not change it before the task completes.</param>
    /// <param name="cancellationToken">Stops the wait; a cancelled send sent nothing.</param>
    /// <returns>Completes when the message is in the queue.</returns>
    /// <exception cref="OperationCanceledException">Cancelled before the message could be sent.</exception>
    /// <exception cref="IpcObjectRemovedException">The queue was removed while waiting.</exception>
    public ValueTask SendAsync(long type, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ValidateSend(type, body.Length);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        int errno = SendCore(type, body.Span, Libc.IPC_NOWAIT);
        if (errno == 0)
        {
            return ValueTask.CompletedTask;
        }

        if (errno != Errno.EAGAIN)
        {
            return ValueTask.FromException(SendError(errno, "msgsnd(IPC_NOWAIT)", body.Length));
        }

        if (!cancellationToken.CanBeCanceled)
        {
            return new ValueTask(Task.Factory.StartNew(
                static state =>
                {
                    var (queue, type, body) = ((MessageQueue, long, ReadOnlyMemory<byte>))state!;
                    int errno = queue.SendCore(type, body.Span, 0);
                    if (errno != 0)
                    {
                        throw queue.SendError(errno, "msgsnd", body.Length);
                    }
                },
                (this, type, body),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default));
        }

        return PollSendAsync(type, body, cancellationToken);
    }

    private async ValueTask PollSendAsync(long type, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var backoff = default(PollingBackoff);
        while (true)
        {
            await Task.Delay(backoff.NextDelayMilliseconds(), cancellationToken).ConfigureAwait(false);
            ThrowIfDisposed();
            int errno = SendCore(type, body.Span, Libc.IPC_NOWAIT);
            if (errno == 0)
            {
                return;
            }

            if (errno != Errno.EAGAIN)
            {
                throw WaitError(errno, "msgsnd(IPC_NOWAIT)");
            }
        }
    }

    /// <summary>Caller mistakes, before any system call. The size check is one compare against the cached MSGMAX.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ValidateSend(long type, int bodyLength)
    {
        if (type <= 0)
        {
            ThrowTypeNotPositive(type);
        }

        if (bodyLength > MessageSizeLimit.Cached)
        {
            MessageSizeLimit.ThrowIfTooLarge(bodyLength, Key, Id); // re-reads MSGMAX: it may have been raised
        }
    }

    [DoesNotReturn]
    private static void ThrowTypeNotPositive(long type) =>
        throw new ArgumentOutOfRangeException(nameof(type), type,
            "A message type must be positive (1 to long.MaxValue): msgsnd rejects 0 and negative types, which receivers use as selectors.");

    /// <summary>Assembles the C <c>struct msgbuf</c> (a long type, then the body) and sends it; retries EINTR. Returns 0 or the errno.</summary>
    [SkipLocalsInit]
    private unsafe int SendCore(long type, ReadOnlySpan<byte> body, int flags)
    {
        int size = sizeof(long) + body.Length;
        byte[]? rented = null;
        Span<byte> message = size <= StackBufferLimit ? stackalloc byte[size] : (rented = ArrayPool<byte>.Shared.Rent(size));
        Unsafe.WriteUnaligned(ref MemoryMarshal.GetReference(message), type);
        body.CopyTo(message[sizeof(long)..]);
        int errno = 0;
        fixed (byte* buffer = message)
        {
            while (Libc.msgsnd(Id, buffer, (nuint)body.Length, flags) != 0)
            {
                errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    break;
                }

                errno = 0;
            }
        }

        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return errno;
    }

    private Exception SendError(int errno, string call, int bodyLength)
    {
        if (_state.IsDisposed)
        {
            return DisposedDuringCall(errno, call);
        }

        if (errno == Errno.EINVAL)
        {
            // EINVAL is a stale id, or a body above a MSGMAX that was lowered since we cached it.
            int limit = MessageSizeLimit.ReadCurrent();
            if (bodyLength > limit)
            {
                return MessageSizeLimit.TooLarge(bodyLength, limit, Key, Id);
            }

            return IpcErrors.Create(errno, call, IpcObjectKind.MessageQueue, null, Id);
        }

        return IpcErrors.Create(errno, call, IpcObjectKind.MessageQueue, Key, Id);
    }

    /// <summary>An error after polling began: the id going invalid means the queue was removed during the wait.</summary>
    private Exception WaitError(int errno, string call) => _state.IsDisposed
        ? DisposedDuringCall(errno, call)
        : errno == Errno.EINVAL
        ? IpcErrors.Create(Errno.EIDRM, call, IpcObjectKind.MessageQueue, Key, Id, "(Detected while polling: the id became invalid during the wait.)")
        : IpcErrors.Create(errno, call, IpcObjectKind.MessageQueue, Key, Id);

    /// <summary>Sleeps the next backoff step, cut to the time left; false when the deadline has passed (at once for a zero timeout).</summary>
    private static bool SleepBeforeRetry(ref PollingBackoff backoff, Deadline deadline, CancellationToken cancellationToken)
    {
        if (deadline.HasExpired)
        {
            return false;
        }

        int delay = backoff.NextDelayMilliseconds();
        if (!deadline.IsInfinite)
        {
            double left = Math.Ceiling(deadline.Remaining.TotalMilliseconds);
            if (left <= 0)
            {
                return false;
            }

            delay = (int)Math.Min(delay, left);
        }

        if (cancellationToken.CanBeCanceled)
        {
            if (cancellationToken.WaitHandle.WaitOne(delay))
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        else
        {
            Thread.Sleep(delay);
        }

        return true;
    }
}
