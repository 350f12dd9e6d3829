namespace SysV.Ipc;

/// <summary>
/// The asynchronous forms of the reader's and writer's waits (kept out of the unsafe classes: no await in
/// unsafe code). Each first spins and yields on the caller's thread as the reader's or writer's
/// <see cref="ChannelWaitStrategy"/> says, as the blocking calls do; if that is not enough it hands the
/// wait to <see cref="ChannelAsyncWaiter"/>, which holds no thread for it. The message is read or written
/// only here, after the wait, by the caller's continuation: a cancelled wait consumed nothing.
/// </summary>
internal static class ChannelAsync
{
    internal static async ValueTask<byte[]> ReadAsync(SharedMemoryChannelReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!await WaitToReadAsync(reader, cancellationToken).ConfigureAwait(false))
            {
                throw reader.ClosedException();
            }

            if (reader.TryRead(out byte[]? message))
            {
                return message;
            }
        }
    }

    internal static async ValueTask<bool> WaitToReadAsync(SharedMemoryChannelReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            ChannelReadiness readiness = await WaitAsync(reader, cancellationToken).ConfigureAwait(false);
            if (reader.AfterWait(readiness) is bool more)
            {
                return more;
            }
        }
    }

    internal static async ValueTask WriteAsync(SharedMemoryChannelWriter writer, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        while (true)
        {
            await WaitToWriteAsync(writer, message.Length, cancellationToken).ConfigureAwait(false);
            if (writer.TryWrite(message.Span))
            {
                return;
            }
        }
    }

    internal static async ValueTask WaitToWriteAsync(SharedMemoryChannelWriter writer, int length, CancellationToken cancellationToken)
    {
        var waitable = new WriterWaitable(writer, length);
        while (true)
        {
            ChannelReadiness readiness = await WaitAsync(waitable, cancellationToken).ConfigureAwait(false);
            if (writer.AfterWait(length, readiness))
            {
                return;
            }
        }
    }

    /// <summary>Spins and yields by the strategy on this thread; then waits on the process's waiter threads.</summary>
    private static ValueTask<ChannelReadiness> WaitAsync(IChannelWaitable source, CancellationToken cancellationToken)
    {
        var phase = new WaitPhase(source.Strategy, Timeout.InfiniteTimeSpan);
        while (true)
        {
            ChannelReadiness readiness = source.Check(checkPeers: false);
            if (readiness != default)
            {
                return new ValueTask<ChannelReadiness>(readiness);
            }

            if (phase.Next())
            {
                return new ValueTask<ChannelReadiness>(ChannelAsyncWaiter.WaitAsync(source, cancellationToken));
            }
        }
    }
}
