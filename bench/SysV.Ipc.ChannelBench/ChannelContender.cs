using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SysV.Ipc.ChannelBench;

/// <summary>
/// SharedMemoryChannel between two processes, in four forms: copying (TryWrite/TryRead) or zero-copy
/// (TryClaim+Commit / TryPeek+Advance), spinning or blocking waits.
/// </summary>
/// <remarks>
/// Copying: the producer copies each message from its buffer into the ring; the consumer copies it out
/// into its own buffer. Zero-copy: the producer writes the message in place (fills the claimed span);
/// the consumer reads it in place (sums every 8-byte word) before advancing.
/// </remarks>
internal sealed class ChannelContender(bool zeroCopy, bool spin) : IContender
{
    public string Name => $"SharedMemoryChannel, {(zeroCopy ? "zero-copy" : "copying")}, {(spin ? "spinning" : "blocking")}";

    public bool IsChannel => true;

    public bool Supports(int size) => true;

    private ChannelWaitStrategy Wait => spin ? ChannelWaitStrategy.Spinning : ChannelWaitStrategy.Blocking;

    private string Flags => (zeroCopy ? "z" : "c") + (spin ? "s" : "b");

    public ThroughputResult Throughput(int size, long count)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, BenchSettings.RingCapacity(size), new() { RemoveOnDispose = true });
        using ChildProcess consumer = ChildProcess.Harness("channel-consume", Arg(channel.SegmentId), Arg(size), Arg(count), Flags);
        consumer.WaitFor("READY", TimeSpan.FromSeconds(60));
        using SharedMemoryChannelWriter writer = channel.OpenWriter(Wait);
        var source = new byte[size];
        source.AsSpan().Fill(0x5a);
        long start = Clock.NowNanoseconds();
        if (zeroCopy)
        {
            for (long i = 0; i < count; i++)
            {
                Span<byte> claimed;
                while (!writer.TryClaim(size, out claimed))
                {
                    writer.WaitToWrite(size, Timeout.InfiniteTimeSpan);
                }

                claimed.Fill((byte)i);
                writer.Commit();
            }
        }
        else
        {
            for (long i = 0; i < count; i++)
            {
                source[0] = (byte)i;
                writer.Write(source);
            }
        }

        long end = consumer.WaitForLong("END", TimeSpan.FromMinutes(10));
        consumer.WaitForSuccess(TimeSpan.FromSeconds(30));
        return new ThroughputResult(Name, size, count, (end - start) / 1e9);
    }

    public LatencyResult PingPong(int size, int rounds)
    {
        long capacity = BenchSettings.RingCapacity(size);
        using SharedMemoryChannel ping = SharedMemoryChannel.Create(IpcKey.Private, capacity, new() { RemoveOnDispose = true });
        using SharedMemoryChannel pong = SharedMemoryChannel.Create(IpcKey.Private, capacity, new() { RemoveOnDispose = true });
        using ChildProcess ponger = ChildProcess.Harness("channel-pong", Arg(ping.SegmentId), Arg(pong.SegmentId), Arg(size), Arg(rounds), Flags);
        ponger.WaitFor("READY", TimeSpan.FromSeconds(60));
        using SharedMemoryChannelWriter writer = ping.OpenWriter(Wait);
        using SharedMemoryChannelReader reader = pong.OpenReader(Wait);
        var source = new byte[size];
        var destination = new byte[size];
        var samples = new long[rounds];
        for (int i = 0; i < rounds; i++)
        {
            long t = Clock.NowNanoseconds();
            if (zeroCopy)
            {
                Span<byte> claimed;
                while (!writer.TryClaim(size, out claimed))
                {
                    writer.WaitToWrite(size, Timeout.InfiniteTimeSpan);
                }

                claimed.Fill((byte)i);
                writer.Commit();
                ReadOnlySpan<byte> reply;
                while (!reader.TryPeek(out reply))
                {
                    reader.WaitToRead(Timeout.InfiniteTimeSpan);
                }

                Sum(reply);
                reader.Advance();
            }
            else
            {
                writer.Write(source);
                reader.Read(destination);
            }

            samples[i] = Clock.NowNanoseconds() - t;
        }

        ponger.WaitForSuccess(TimeSpan.FromSeconds(60));
        return LatencyResult.From(Name, size, samples);
    }

    /// <summary>Child: consumes COUNT messages, prints the time of the last one.</summary>
    public static void ConsumeChild(string[] args)
    {
        int size = int.Parse(args[1], CultureInfo.InvariantCulture);
        long count = long.Parse(args[2], CultureInfo.InvariantCulture);
        (bool zeroCopy, ChannelWaitStrategy wait) = ParseFlags(args[3]);
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenById(int.Parse(args[0], CultureInfo.InvariantCulture));
        using SharedMemoryChannelReader reader = channel.OpenReader(wait);
        var buffer = new byte[size];
        Console.WriteLine("READY");
        ulong sum = 0;
        for (long i = 0; i < count; i++)
        {
            if (zeroCopy)
            {
                ReadOnlySpan<byte> message;
                while (!reader.TryPeek(out message))
                {
                    reader.WaitToRead(Timeout.InfiniteTimeSpan);
                }

                sum += Sum(message);
                reader.Advance();
            }
            else
            {
                reader.Read(buffer);
            }
        }

        long end = Clock.NowNanoseconds();
        Console.WriteLine($"END {end}");
        Console.Error.WriteLine($"checksum {sum}");
    }

    /// <summary>Child: answers each ping with a message of the same size.</summary>
    public static void PongChild(string[] args)
    {
        int size = int.Parse(args[2], CultureInfo.InvariantCulture);
        int rounds = int.Parse(args[3], CultureInfo.InvariantCulture);
        (bool zeroCopy, ChannelWaitStrategy wait) = ParseFlags(args[4]);
        using SharedMemoryChannel ping = SharedMemoryChannel.OpenById(int.Parse(args[0], CultureInfo.InvariantCulture));
        using SharedMemoryChannel pong = SharedMemoryChannel.OpenById(int.Parse(args[1], CultureInfo.InvariantCulture));
        using SharedMemoryChannelReader reader = ping.OpenReader(wait);
        using SharedMemoryChannelWriter writer = pong.OpenWriter(wait);
        var buffer = new byte[size];
        Console.WriteLine("READY");
        for (int i = 0; i < rounds; i++)
        {
            if (zeroCopy)
            {
                ReadOnlySpan<byte> message;
                while (!reader.TryPeek(out message))
                {
                    reader.WaitToRead(Timeout.InfiniteTimeSpan);
                }

                Span<byte> claimed;
                while (!writer.TryClaim(message.Length, out claimed))
                {
                    writer.WaitToWrite(message.Length, Timeout.InfiniteTimeSpan);
                }

                message.CopyTo(claimed);
                reader.Advance();
                writer.Commit();
            }
            else
            {
                int length = reader.Read(buffer);
                writer.Write(buffer.AsSpan(0, length));
            }
        }
    }

    /// <summary>Reads every byte of a message in place (what a zero-copy consumer does with its data, at least): four 32-byte loads per step, then 32, 8 and 1 byte at a time.</summary>
    private static ulong Sum(ReadOnlySpan<byte> message)
    {
        ref byte start = ref MemoryMarshal.GetReference(message);
        nuint length = (nuint)message.Length;
        nuint i = 0;
        Vector256<ulong> a = Vector256<ulong>.Zero, b = a, c = a, d = a;
        for (; i + 128 <= length; i += 128)
        {
            a += Vector256.LoadUnsafe(ref start, i).AsUInt64();
            b += Vector256.LoadUnsafe(ref start, i + 32).AsUInt64();
            c += Vector256.LoadUnsafe(ref start, i + 64).AsUInt64();
            d += Vector256.LoadUnsafe(ref start, i + 96).AsUInt64();
        }

        for (; i + 32 <= length; i += 32)
        {
            a += Vector256.LoadUnsafe(ref start, i).AsUInt64();
        }

        ulong sum = Vector256.Sum(a + b + c + d);
        for (; i + 8 <= length; i += 8)
        {
            sum += Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i));
        }

        for (; i < length; i++)
        {
            sum += Unsafe.Add(ref start, i);
        }

        return sum;
    }

    private static (bool ZeroCopy, ChannelWaitStrategy Wait) ParseFlags(string flags) =>
        (flags[0] == 'z', flags[1] == 's' ? ChannelWaitStrategy.Spinning : ChannelWaitStrategy.Blocking);

    private static string Arg(long value) => value.ToString(CultureInfo.InvariantCulture);
}
