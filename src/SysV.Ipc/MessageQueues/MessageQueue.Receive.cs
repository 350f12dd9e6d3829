using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

public sealed partial class MessageQueue
{
    /// <summary>
    /// Receives the first message the selector matches (msgrcv), blocking until there is one. One system
    /// call; no allocation.
    /// </summary>
    /// <param name="buffer">Receives the body. A longer message is not taken (see <paramref name="options"/>).</param>
    /// <param name="type">The message's type.</param>
    /// <param name="selector">Which message: <see cref="MessageSelector.Any"/> (the default), of a type, not of a type, or the lowest type up to a bound.</param>
    /// <param name="options"><see cref="MessageReceiveOptions.AllowTruncation"/> takes a longer message truncated to the buffer (MSG_NOERROR).</param>
    /// <returns>The body's length (with truncation, at most the buffer's length).</returns>
    /// <exception cref="MessageBufferTooSmallException">The message is longer than <paramref name="buffer"/>; it stays queued.</exception>
    /// <exception cref="IpcObjectRemovedException">The queue was removed while this call waited.</exception>
    /// <exception cref="IpcObjectNotFoundException">The queue no longer exists.</exception>
    public int Receive(Span<byte> buffer, out long type, MessageSelector selector = default, MessageReceiveOptions options = MessageReceiveOptions.None)
    {
        ThrowIfDisposed();
        int flags = selector.KernelFlags | OptionFlags(options);
        int length = ReceiveCore(buffer, selector.KernelType, flags, out type, out int errno);
        return length >= 0 ? length : throw ReceiveError(errno, "msgrcv", buffer.Length, selector);
    }

    /// <summary>
    /// Receives the first message the selector matches if there is one now (msgrcv with IPC_NOWAIT), or
    /// within <paramref name="timeout"/>. The kernel has no timed msgrcv, so a wait polls with IPC_NOWAIT
    /// (1 ms growing to 10 ms between attempts); a timed-out or cancelled wait has taken nothing from the queue.
    /// </summary>
    /// <param name="buffer">Receives the body.</param>
    /// <param name="type">The message's type; 0 when none was received.</param>
    /// <param name="length">The body's length; 0 when none was received.</param>
    /// <param name="selector">Which message.</param>
    /// <param name="options">Whether a longer message may be truncated.</param>
    /// <param name="timeout">How long to wait: zero (the default) tries once; <see cref="Timeout.InfiniteTimeSpan"/> waits until a message comes or the token is cancelled.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns><see langword="true"/> when a message was received; <see langword="false"/> when none matched in time.</returns>
    /// <exception cref="MessageBufferTooSmallException">The message is longer than <paramref name="buffer"/>; it stays queued.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; no message was taken.</exception>
    /// <exception cref="IpcObjectRemovedException">The queue was removed while waiting.</exception>
    public bool TryReceive(Span<byte> buffer, out long type, out int length, MessageSelector selector = default, MessageReceiveOptions options = MessageReceiveOptions.None, TimeSpan timeout = default, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        int flags = selector.KernelFlags | OptionFlags(options) | Libc.IPC_NOWAIT;
        Deadline deadline = Deadline.Start(timeout);
        cancellationToken.ThrowIfCancellationRequested();
        var backoff = default(PollingBackoff);
        bool waited = false;
        while (true)
        {
            length = ReceiveCore(buffer, selector.KernelType, flags, out type, out int errno);
            if (length >= 0)
            {
                return true;
            }

            length = 0;
            if (errno != Errno.ENOMSG)
            {
                throw waited && errno == Errno.EINVAL ? WaitError(errno, "msgrcv(IPC_NOWAIT)") : ReceiveError(errno, "msgrcv(IPC_NOWAIT)", buffer.Length, selector);
            }

            if (!SleepBeforeRetry(ref backoff, deadline, cancellationToken))
            {
                return false;
            }

            waited = true;
        }
    }

    /// <summary>
    /// Receives the first message the selector matches without blocking the calling thread, into a new
    /// array of exactly the body's length.
    /// </summary>
    /// <param name="selector">Which message.</param>
    /// <param name="cancellationToken">
    /// Stops the wait. A cancelled receive returns within about a millisecond and has taken nothing from the
    /// queue: while it can be cancelled it never sits inside msgrcv, it polls with IPC_NOWAIT (1 ms growing
    /// to 10 ms between attempts, so a message can wait up to 10 ms before it is seen). Without a token
    /// (one that cannot be cancelled) a dedicated thread blocks in msgrcv instead: no polling, no added
    /// latency. docs/message-queues.md explains both.
    /// </param>
    /// <returns>The message's type and body.</returns>
    /// <exception cref="OperationCanceledException">Cancelled; no message was taken.</exception>
    /// <exception cref="IpcObjectRemovedException">The queue was removed while waiting.</exception>
    public ValueTask<ReceivedMessage> ReceiveAsync(MessageSelector selector = default, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReceivedMessage>(cancellationToken);
        }

        try
        {
            if (TryReceiveMessage(selector, Libc.IPC_NOWAIT, waited: false, out ReceivedMessage message))
            {
                return new ValueTask<ReceivedMessage>(message);
            }
        }
        catch (IpcException e)
        {
            return ValueTask.FromException<ReceivedMessage>(e);
        }

        if (!cancellationToken.CanBeCanceled)
        {
            return new ValueTask<ReceivedMessage>(Task.Factory.StartNew(
                static state =>
                {
                    var (queue, selector) = ((MessageQueue, MessageSelector))state!;
                    queue.TryReceiveMessage(selector, 0, waited: false, out ReceivedMessage received);
                    return received;
                },
                (this, selector),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default));
        }

        return PollReceiveAsync(selector, cancellationToken);
    }

    /// <summary>
    /// Copies the message at a position in the queue without removing it (msgrcv with MSG_COPY | IPC_NOWAIT).
    /// Needs a kernel built with CONFIG_CHECKPOINT_RESTORE. Positions count every message, whatever its type;
    /// another process may take or add messages between two peeks.
    /// </summary>
    /// <param name="position">0 for the oldest message, 1 for the next...</param>
    /// <param name="buffer">Receives a copy of the body.</param>
    /// <param name="type">The message's type; 0 when there is no message at that position.</param>
    /// <param name="length">The body's length; 0 when there is no message at that position.</param>
    /// <param name="options">Whether a longer message may be copied truncated.</param>
    /// <returns><see langword="true"/> when a message is at that position; <see langword="false"/> when the queue is shorter.</returns>
    /// <exception cref="MessageBufferTooSmallException">The message is longer than <paramref name="buffer"/>.</exception>
    /// <exception cref="IpcException">This kernel has no MSG_COPY (ENOSYS).</exception>
    public bool TryPeek(long position, Span<byte> buffer, out long type, out int length, MessageReceiveOptions options = MessageReceiveOptions.None)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        const int flags = Libc.MSG_COPY | Libc.IPC_NOWAIT;
        int errno;
        if (OptionFlags(options) != 0)
        {
            // The kernel's MSG_COPY fails with EINVAL instead of truncating when combined with MSG_NOERROR
            // (copy_msg refuses a shorter destination), so copy the whole message and truncate here.
            int capacity = Math.Max(buffer.Length, MessageSizeLimit.Cached);
            while (true)
            {
                byte[] scratch = ArrayPool<byte>.Shared.Rent(capacity + sizeof(long));
                length = ReceiveCore(scratch, capacity, position, flags, out type, out errno);
                if (length >= 0)
                {
                    length = Math.Min(length, buffer.Length);
                    scratch.AsSpan(sizeof(long), length).CopyTo(buffer);
                }

                ArrayPool<byte>.Shared.Return(scratch);
                if (errno != Errno.E2BIG || capacity >= Array.MaxLength / 2)
                {
                    break;
                }

                capacity = Math.Max(MessageSizeLimit.ReadCurrent(), capacity * 2);
            }
        }
        else
        {
            length = ReceiveCore(buffer, position, flags, out type, out errno);
        }

        if (length >= 0)
        {
            return true;
        }

        length = 0;
        if (errno == Errno.ENOMSG)
        {
            return false;
        }

        string call = "msgrcv(MSG_COPY)";
        return errno == Errno.ENOSYS
            ? throw IpcErrors.Create(errno, call, IpcObjectKind.MessageQueue, Key, Id,
                "Peeking by position uses MSG_COPY, which the kernel provides only when built with CONFIG_CHECKPOINT_RESTORE; this one was not. Receive the messages instead, or peek on a kernel with that option.")
            : throw ReceiveError(errno, call, buffer.Length, MessageSelector.Any);
    }

    private async ValueTask<ReceivedMessage> PollReceiveAsync(MessageSelector selector, CancellationToken cancellationToken)
    {
        var backoff = default(PollingBackoff);
        while (true)
        {
            // Cancellation is only ever observed here, between attempts: a message msgrcv has returned is
            // always delivered, so cancelling never loses one.
            await Task.Delay(backoff.NextDelayMilliseconds(), cancellationToken).ConfigureAwait(false);
            ThrowIfDisposed();
            if (TryReceiveMessage(selector, Libc.IPC_NOWAIT, waited: true, out ReceivedMessage message))
            {
                return message;
            }
        }
    }

    /// <summary>
    /// Receives into a scratch buffer of MSGMAX bytes and copies the body into an exact array. A message
    /// longer than that (MSGMAX was lowered after it was sent) stays queued, so retry with a larger buffer.
    /// </summary>
    private unsafe bool TryReceiveMessage(MessageSelector selector, int extraFlags, bool waited, out ReceivedMessage message)
    {
        int flags = selector.KernelFlags | extraFlags;
        bool blocking = (extraFlags & Libc.IPC_NOWAIT) == 0;
        int capacity = MessageSizeLimit.Cached;
        while (true)
        {
            // A blocking receive keeps its buffer pinned for as long as it waits: give it one of its own on
            // the pinned heap rather than pinning a pooled array in the middle of the young generation.
            byte[] scratch = blocking
                ? GC.AllocateUninitializedArray<byte>(capacity + sizeof(long), pinned: true)
                : ArrayPool<byte>.Shared.Rent(capacity + sizeof(long));
            int length = ReceiveCore(scratch, capacity, selector.KernelType, flags, out long type, out int errno);
            if (length >= 0)
            {
                message = new ReceivedMessage(type, scratch.AsSpan(sizeof(long), length).ToArray());
            }
            else
            {
                message = default;
            }

            if (!blocking)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }

            if (length >= 0)
            {
                return true;
            }

            switch (errno)
            {
                case Errno.ENOMSG:
                    return false;
                case Errno.E2BIG when capacity < Array.MaxLength / 2:
                    capacity = Math.Max(MessageSizeLimit.ReadCurrent(), capacity * 2);
                    continue;
                case Errno.EINVAL when waited:
                    throw WaitError(errno, "msgrcv(IPC_NOWAIT)");
                default:
                    throw ReceiveError(errno, blocking ? "msgrcv" : "msgrcv(IPC_NOWAIT)", capacity, selector);
            }
        }
    }

    /// <summary>Receives into <paramref name="buffer"/> through a scratch <c>struct msgbuf</c>; retries EINTR. Returns the length, or -1 with the errno.</summary>
    [SkipLocalsInit]
    private unsafe int ReceiveCore(Span<byte> buffer, long kernelType, int flags, out long type, out int errno)
    {
        int capacity = Math.Min(buffer.Length, Array.MaxLength - sizeof(long));
        int size = capacity + sizeof(long);
        byte[]? rented = null;
        Span<byte> message = size <= StackBufferLimit ? stackalloc byte[size] : (rented = ArrayPool<byte>.Shared.Rent(size));
        int length = ReceiveCore(message, capacity, kernelType, flags, out type, out errno);
        if (length > 0)
        {
            message.Slice(sizeof(long), length).CopyTo(buffer);
        }

        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return length;
    }

    /// <summary>One msgrcv into a whole <c>struct msgbuf</c> (<paramref name="message"/> holds the type, then <paramref name="capacity"/> body bytes).</summary>
    private unsafe int ReceiveCore(Span<byte> message, int capacity, long kernelType, int flags, out long type, out int errno)
    {
        nint received;
        fixed (byte* buffer = message)
        {
            while ((received = Libc.msgrcv(Id, buffer, (nuint)capacity, (nint)kernelType, flags)) < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    type = 0;
                    return -1;
                }
            }
        }

        errno = 0;
        type = Unsafe.ReadUnaligned<long>(ref MemoryMarshal.GetReference(message));
        return (int)received;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int OptionFlags(MessageReceiveOptions options)
    {
        if ((options & ~MessageReceiveOptions.AllowTruncation) != 0)
        {
            ThrowBadOptions(options);
        }

        return options == MessageReceiveOptions.AllowTruncation ? Libc.MSG_NOERROR : 0;
    }

    [DoesNotReturn]
    private static void ThrowBadOptions(MessageReceiveOptions options) =>
        throw new ArgumentOutOfRangeException(nameof(options), options, "Unknown MessageReceiveOptions: the only option is AllowTruncation.");

    private Exception ReceiveError(int errno, string call, int bufferLength, MessageSelector selector)
    {
        if (_state.IsDisposed)
        {
            return DisposedDuringCall(errno, call);
        }

        string detail = $"(Receiving {selector} into a buffer of {bufferLength.ToString(CultureInfo.InvariantCulture)} bytes.)";
        return errno == Errno.EINVAL
            ? IpcErrors.Create(errno, call, IpcObjectKind.MessageQueue, null, Id, detail)
            : IpcErrors.Create(errno, call, IpcObjectKind.MessageQueue, Key, Id, detail);
    }
}
