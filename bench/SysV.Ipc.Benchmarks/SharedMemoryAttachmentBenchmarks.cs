using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using SysV.Ipc.Interop;

namespace SysV.Ipc.Benchmarks;

/// <summary>
/// What the checked accessors of <see cref="SharedMemoryAttachment"/> (disposed, read-only and range checks,
/// a SafeHandle reference for Read/Write) cost over a raw pointer from shmat. Each benchmark touches every
/// 8-byte word of a 4 KiB segment once, so a result is the cost of one access.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class SharedMemoryAttachmentBenchmarks
{
    private const int SegmentSize = 4096;
    private const int Words = SegmentSize / sizeof(long);

    private SharedMemorySegment? _segment;
    private SharedMemoryAttachment? _attachment;
    private nint _raw = -1;

    [GlobalSetup]
    public void GlobalSetup() => KernelObjectSetup.Run(() =>
    {
        _segment = SharedMemorySegment.Create(IpcKey.Private, SegmentSize);
        _attachment = _segment.Attach();
        _raw = Libc.shmat(_segment.Id, 0, 0);
        if (_raw == -1)
        {
            throw new InvalidOperationException($"shmat failed with errno {Marshal.GetLastPInvokeError()}");
        }

        for (int i = 0; i < Words; i++)
        {
            _attachment.Write<long>(i * sizeof(long), i);
        }
    }, GlobalCleanup);

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        if (_raw != -1)
        {
            _ = Libc.shmdt(_raw);
            _raw = -1;
        }

        _attachment?.Dispose();
        _segment?.Remove();
        _segment?.Dispose();
        _attachment = null;
        _segment = null;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Words)]
    [BenchmarkCategory("Read long")]
    public long RawPointer_Read()
    {
        byte* p = (byte*)_raw;
        long sum = 0;
        for (int i = 0; i < Words; i++)
        {
            sum += *(long*)(p + (i * sizeof(long)));
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Words)]
    [BenchmarkCategory("Read long")]
    public long Read()
    {
        SharedMemoryAttachment attachment = _attachment!;
        long sum = 0;
        for (int i = 0; i < Words; i++)
        {
            sum += attachment.Read<long>(i * sizeof(long));
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Words)]
    [BenchmarkCategory("Read long")]
    public long AsRef_Read()
    {
        SharedMemoryAttachment attachment = _attachment!;
        long sum = 0;
        for (int i = 0; i < Words; i++)
        {
            sum += attachment.AsRef<long>(i * sizeof(long));
        }

        return sum;
    }

    /// <summary>The <see cref="SharedMemoryAttachment.Span"/> property fetched for every access (its checks each time).</summary>
    [Benchmark(OperationsPerInvoke = Words)]
    [BenchmarkCategory("Read long")]
    public long SpanProperty_Read()
    {
        SharedMemoryAttachment attachment = _attachment!;
        long sum = 0;
        for (int i = 0; i < Words; i++)
        {
            sum += MemoryMarshal.Read<long>(attachment.Span[(i * sizeof(long))..]);
        }

        return sum;
    }

    /// <summary>The span fetched once, then indexed: the way to scan a segment.</summary>
    [Benchmark(OperationsPerInvoke = Words)]
    [BenchmarkCategory("Read long")]
    public long SpanOnce_Read()
    {
        Span<long> words = MemoryMarshal.Cast<byte, long>(_attachment!.Span);
        long sum = 0;
        for (int i = 0; i < words.Length; i++)
        {
            sum += words[i];
        }

        return sum;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Words)]
    [BenchmarkCategory("Write long")]
    public void RawPointer_Write()
    {
        byte* p = (byte*)_raw;
        for (int i = 0; i < Words; i++)
        {
            *(long*)(p + (i * sizeof(long))) = i;
        }
    }

    [Benchmark(OperationsPerInvoke = Words)]
    [BenchmarkCategory("Write long")]
    public void Write()
    {
        SharedMemoryAttachment attachment = _attachment!;
        for (int i = 0; i < Words; i++)
        {
            attachment.Write<long>(i * sizeof(long), i);
        }
    }

    [Benchmark(OperationsPerInvoke = Words)]
    [BenchmarkCategory("Write long")]
    public void AsRef_Write()
    {
        SharedMemoryAttachment attachment = _attachment!;
        for (int i = 0; i < Words; i++)
        {
            attachment.AsRef<long>(i * sizeof(long)) = i;
        }
    }

    [Benchmark(OperationsPerInvoke = Words)]
    [BenchmarkCategory("Write long")]
    public void SpanProperty_Write()
    {
        SharedMemoryAttachment attachment = _attachment!;
        for (int i = 0; i < Words; i++)
        {
            long value = i;
            MemoryMarshal.Write(attachment.Span[(i * sizeof(long))..], in value);
        }
    }
}
