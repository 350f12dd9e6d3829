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

/// <summary>
/// A <see cref="SharedMemoryChannelWriter"/> seen as a <see cref="ChannelWriter{T}"/>; calls are serialized
/// (ChannelWriter allows concurrent callers) by a semaphore, which an asynchronous write holds across its
/// wait without holding a thread.
/// </summary>
internal sealed class SharedMemoryChannelWriterAdapter : ChannelWriter<ReadOnlyMemory<byte>>
{
    private readonly SharedMemoryChannelWriter _writer;
    private readonly SemaphoreSlim _gate = new(1, 1);

    internal SharedMemoryChannelWriterAdapter(SharedMemoryChannelWriter writer) => _writer = writer;

    public override bool TryWrite(ReadOnlyMemory<byte> item)
    {
        _gate.Wait();
        try
        {
            return !_writer.Channel.IsCompleted && _writer.TryWrite(item.Span);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override async ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default)
    {
        if (_writer.Channel.IsCompleted)
        {
            return false;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _writer.WaitToWriteAsync(0, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> item, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override bool TryComplete(Exception? error = null)
    {
        _gate.Wait();
        try
        {
            if (_writer.Channel.IsCompleted)
            {
                return false;
            }

            _writer.Complete();
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }
}
