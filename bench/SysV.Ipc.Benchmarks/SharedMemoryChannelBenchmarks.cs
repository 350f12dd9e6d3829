using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using SysV.Ipc.Interop;

namespace SysV.Ipc.Benchmarks;

/// <summary>
/// One 64-byte message through a <see cref="SharedMemoryChannel"/> in one process (writer and reader on the
/// same thread, so nothing ever waits): the cost of the channel's protocol (claim, record header, release
/// store of the length, batch head publication, the checks of every position read back) over the floor
/// of any shared-memory ring, which is copying the bytes into the segment and out again (through a raw
/// pointer from shmat, so the baseline has no library code in it). Neither the
/// copying nor the zero-copy form may allocate or make a system call.
/// </summary>
[MemoryDiagnoser]
public unsafe class SharedMemoryChannelBenchmarks
{
    private const int MessageSize = 64;
    private const int RingSize = 1 << 20;

    private readonly byte[] _body = new byte[MessageSize];
    private readonly byte[] _received = new byte[MessageSize];
    private SharedMemorySegment? _segment;
    private nint _raw = -1;
    private SharedMemoryChannel? _channel;
    private SharedMemoryChannelWriter? _writer;
    private SharedMemoryChannelReader? _reader;
    private int _rawOffset;

    [GlobalSetup]
    public void GlobalSetup() => KernelObjectSetup.Run(() =>
    {
        for (int i = 0; i < _body.Length; i++)
        {
            _body[i] = (byte)i;
        }

        _segment = SharedMemorySegment.Create(IpcKey.Private, RingSize, options: new() { RemoveOnDispose = true });
        _raw = Libc.shmat(_segment.Id, 0, 0);
        if (_raw == -1)
        {
            throw new InvalidOperationException($"shmat failed with errno {Marshal.GetLastPInvokeError()}");
        }

        _channel = SharedMemoryChannel.Create(IpcKey.Private, RingSize, new() { RemoveOnDispose = true });
        _writer = _channel.OpenWriter();
        _reader = _channel.OpenReader();
    }, GlobalCleanup);

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        _reader?.Dispose();
        _writer?.Dispose();
        _channel?.Dispose();
        if (_raw != -1)
        {
            _ = Libc.shmdt(_raw);
            _raw = -1;
        }

        _segment?.Dispose();
        (_reader, _writer, _channel, _segment) = (null, null, null, null);
    }

    /// <summary>The floor: the 64 bytes copied into the segment at the next ring position and out again.</summary>
    [Benchmark(Baseline = true)]
    public int RawCopyInAndOut()
    {
        var slot = new Span<byte>((byte*)_raw + _rawOffset, MessageSize);
        _body.CopyTo(slot);
        slot.CopyTo(_received);
        _rawOffset = (_rawOffset + MessageSize) & (RingSize - 1);
        return _received[MessageSize - 1] == _body[MessageSize - 1] ? MessageSize : -1;
    }

    /// <summary><see cref="SharedMemoryChannelWriter.TryWrite"/> then <see cref="SharedMemoryChannelReader.TryRead(Span{byte}, out int)"/>.</summary>
    [Benchmark]
    public int TryWriteTryRead()
    {
        if (!_writer!.TryWrite(_body) || !_reader!.TryRead(_received, out int length))
        {
            throw new InvalidOperationException("The channel was full or empty, which one thread writing then reading never makes it.");
        }

        return length;
    }

    /// <summary>Zero-copy: the body written into the claimed span, then read in place from the peeked one.</summary>
    [Benchmark]
    public int ClaimCommitPeekAdvance()
    {
        if (!_writer!.TryClaim(MessageSize, out Span<byte> claimed))
        {
            throw new InvalidOperationException("The channel was full.");
        }

        _body.CopyTo(claimed);
        _writer.Commit();
        if (!_reader!.TryPeek(out ReadOnlySpan<byte> message))
        {
            throw new InvalidOperationException("The channel was empty.");
        }

        int length = message[MessageSize - 1] == _body[MessageSize - 1] ? message.Length : -1;
        _reader.Advance();
        return length;
    }
}
