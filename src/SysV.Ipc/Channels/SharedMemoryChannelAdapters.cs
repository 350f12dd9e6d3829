using System.Threading.Channels;

namespace SysV.Ipc;

/// <summary>A <see cref="SharedMemoryChannelReader"/> seen as a <see cref="ChannelReader{T}"/>.</summary>
internal sealed class SharedMemoryChannelReaderAdapter : ChannelReader<byte[]>
{
    private readonly SharedMemoryChannelReader _reader;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal SharedMemoryChannelReaderAdapter(SharedMemoryChannelReader reader) => _reader = reader;

    public override Task Completion => _completion.Task;

    public override bool TryRead(out byte[] item)
    {
        if (_reader.TryRead(out byte[]? message))
        {
            item = message;
            return true;
        }

        if (_reader.Channel.IsCompleted && !_reader.TryPeek(out _))
        {
            _completion.TrySetResult();
        }

        item = [];
        return false;
    }

    public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        bool more = await _reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
        if (!more)
        {
            _completion.TrySetResult();
        }

        return more;
    }
}

/// <summary>A <see cref="SharedMemoryChannelWriter"/> seen as a <see cref="ChannelWriter{T}"/>; calls are serialized, as ChannelWriter allows concurrent callers.</summary>
internal sealed class SharedMemoryChannelWriterAdapter : ChannelWriter<ReadOnlyMemory<byte>>
{
    private readonly SharedMemoryChannelWriter _writer;
    private readonly Lock _lock = new();

    internal SharedMemoryChannelWriterAdapter(SharedMemoryChannelWriter writer) => _writer = writer;

    public override bool TryWrite(ReadOnlyMemory<byte> item)
    {
        lock (_lock)
        {
            return !_writer.Channel.IsCompleted && _writer.TryWrite(item.Span);
        }
    }

    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default)
    {
        if (_writer.Channel.IsCompleted)
        {
            return new ValueTask<bool>(false);
        }

        return new ValueTask<bool>(Task.Run(
            () =>
            {
                lock (_lock)
                {
                    _writer.WaitToWrite(0, Timeout.InfiniteTimeSpan, cancellationToken);
                }

                return !_writer.Channel.IsCompleted;
            },
            cancellationToken));
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> item, CancellationToken cancellationToken = default)
    {
        if (TryWrite(item))
        {
            return ValueTask.CompletedTask;
        }

        return new ValueTask(Task.Run(
            () =>
            {
                lock (_lock)
                {
                    _writer.Write(item.Span, cancellationToken);
                }
            },
            cancellationToken));
    }

    public override bool TryComplete(Exception? error = null)
    {
        lock (_lock)
        {
            if (_writer.Channel.IsCompleted)
            {
                return false;
            }

            _writer.Complete();
            return true;
        }
    }
}

/// <summary>Asynchronous loops kept out of the unsafe reader and writer classes (no await in unsafe code).</summary>
internal static class ChannelAsync
{
    internal static async ValueTask<byte[]> ReadAsync(SharedMemoryChannelReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (reader.TryRead(out byte[]? message))
            {
                return message;
            }

            if (!await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw reader.ClosedException();
            }
        }
    }
}
