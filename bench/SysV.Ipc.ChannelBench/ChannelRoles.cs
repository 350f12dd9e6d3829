using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SysV.Ipc.ChannelBench;

/// <summary>
/// Both sides of the SharedMemoryChannel measurements, as child processes of the harness: a driver
/// (producer or pinger, on the harness's CPU) that starts its partner (consumer or ponger, on the other
/// CPU) and reports like the C programs do, "elapsed_ns N" or a file of round-trip times. The same code
/// runs on the JIT (the harness's own executable, <c>--child</c>) and published with Native AOT
/// (bench/SysV.Ipc.ChannelBench.Aot), so the two rows differ only in the runtime.
/// </summary>
/// <remarks>
/// Flags: c (copying: Write/Read) or z (zero-copy: the producer fills the span TryClaim hands out, the
/// consumer sums every 8-byte word of the span TryPeek hands out), then s (spinning) or b (blocking).
/// </remarks>
internal static class ChannelRoles
{
    /// <summary>
    /// Untimed messages (or round trips) first, so the JIT rows are not timed compiling the loop (the JIT
    /// compiles each method on its first call): 2,000, or fewer for large messages (at most 4 MiB, at least 8).
    /// </summary>
    internal static int WarmUpFor(int size) => Math.Clamp((4 << 20) / Math.Max(size, 1), 8, 2_000);

    /// <summary>Runs a channel role; false when <paramref name="role"/> is not one.</summary>
    public static bool Run(string role, string[] args)
    {
        switch (role)
        {
            case "channel-throughput": DriveThroughput(args); return true;
            case "channel-pingpong": DrivePingPong(args); return true;
            case "channel-consume": Consume(args); return true;
            case "channel-pong": Pong(args); return true;
            case "broadcast-throughput": DriveBroadcast(args); return true;
            default: return false;
        }
    }

    /// <summary>Driver: FLAGS SIZE COUNT CAPACITY. Streams COUNT messages to a consumer after the warm-up; prints "elapsed_ns N", first timed write to last read.</summary>
    private static void DriveThroughput(string[] args)
    {
        (bool zeroCopy, ChannelWaitStrategy wait) = ParseFlags(args[0]);
        int size = Int(args[1]);
        long count = Long(args[2]);
        int warmUp = WarmUpFor(size);
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, Long(args[3]), new() { RemoveOnDispose = true });
        using ChildProcess consumer = ChildProcess.Partner("channel-consume", args[0], Arg(channel.Id), Arg(size), Arg(warmUp + count));
        consumer.WaitFor("READY", TimeSpan.FromSeconds(60));
        using SharedMemoryChannelWriter writer = channel.OpenWriter(wait);
        var source = new byte[size];
        source.AsSpan().Fill(0x5a);
        long start = 0;
        if (zeroCopy)
        {
            for (long i = -warmUp; i < count; i++)
            {
                if (i == 0)
                {
                    start = Clock.NowNanoseconds();
                }

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
            for (long i = -warmUp; i < count; i++)
            {
                if (i == 0)
                {
                    start = Clock.NowNanoseconds();
                }

                source[0] = (byte)i;
                writer.Write(source);
            }
        }

        long end = consumer.WaitForLong("END", TimeSpan.FromMinutes(10));
        consumer.WaitForSuccess(TimeSpan.FromSeconds(30));
        Console.WriteLine($"elapsed_ns {end - start}");
    }

    /// <summary>
    /// Driver: FLAGS SIZE COUNT CAPACITY READERS. Streams COUNT messages through a broadcast channel to
    /// READERS consumers (each a channel-consume partner: the same reader code, on a broadcast channel);
    /// prints "elapsed_ns N", first timed write to the last consumer's last read.
    /// </summary>
    private static void DriveBroadcast(string[] args)
    {
        (_, ChannelWaitStrategy wait) = ParseFlags(args[0]);
        int size = Int(args[1]);
        long count = Long(args[2]);
        int readers = Int(args[4]);
        int warmUp = WarmUpFor(size);
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, Long(args[3]), new() { Mode = ChannelMode.Broadcast, MaxReaders = readers, RemoveOnDispose = true });
        var consumers = new List<ChildProcess>();
        try
        {
            for (int r = 0; r < readers; r++)
            {
                consumers.Add(ChildProcess.Partner("channel-consume", args[0], Arg(channel.Id), Arg(size), Arg(warmUp + count)));
            }

            consumers.ForEach(c => c.WaitFor("READY", TimeSpan.FromSeconds(60)));
            using SharedMemoryChannelWriter writer = channel.OpenWriter(wait);
            var source = new byte[size];
            source.AsSpan().Fill(0x5a);
            long start = 0;
            for (long i = -warmUp; i < count; i++)
            {
                if (i == 0)
                {
                    start = Clock.NowNanoseconds();
                }

                source[0] = (byte)i;
                writer.Write(source);
            }

            long end = consumers.Max(c => c.WaitForLong("END", TimeSpan.FromMinutes(10)));
            consumers.ForEach(c => c.WaitForSuccess(TimeSpan.FromSeconds(30)));
            Console.WriteLine($"elapsed_ns {end - start}");
        }
        finally
        {
            consumers.ForEach(c => c.Dispose());
        }
    }

    /// <summary>Driver: FLAGS SIZE ROUNDS CAPACITY FILE. Round trips with a ponger after the warm-up; writes each timed round trip's nanoseconds (u64) to FILE.</summary>
    private static void DrivePingPong(string[] args)
    {
        (bool zeroCopy, ChannelWaitStrategy wait) = ParseFlags(args[0]);
        int size = Int(args[1]);
        int rounds = Int(args[2]);
        long capacity = Long(args[3]);
        int warmUp = WarmUpFor(size);
        using SharedMemoryChannel ping = SharedMemoryChannel.Create(IpcKey.Private, capacity, new() { RemoveOnDispose = true });
        using SharedMemoryChannel pong = SharedMemoryChannel.Create(IpcKey.Private, capacity, new() { RemoveOnDispose = true });
        using ChildProcess ponger = ChildProcess.Partner("channel-pong", args[0], Arg(ping.Id), Arg(pong.Id), Arg(size), Arg(warmUp + rounds));
        ponger.WaitFor("READY", TimeSpan.FromSeconds(60));
        using SharedMemoryChannelWriter writer = ping.OpenWriter(wait);
        using SharedMemoryChannelReader reader = pong.OpenReader(wait);
        var source = new byte[size];
        var destination = new byte[size];
        var samples = new long[rounds];
        for (int i = -warmUp; i < rounds; i++)
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

            if (i >= 0)
            {
                samples[i] = Clock.NowNanoseconds() - t;
            }
        }

        ponger.WaitForSuccess(TimeSpan.FromSeconds(60));
        File.WriteAllBytes(args[4], MemoryMarshal.AsBytes(samples.AsSpan()));
    }

    /// <summary>Partner: FLAGS SEGMENT SIZE COUNT. Consumes COUNT messages, prints the time of the last one.</summary>
    private static void Consume(string[] args)
    {
        (bool zeroCopy, ChannelWaitStrategy wait) = ParseFlags(args[0]);
        int size = Int(args[2]);
        long count = Long(args[3]);
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenById(Int(args[1]));
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

    /// <summary>Partner: FLAGS PING PONG SIZE ROUNDS. Answers each ping with a message of the same size.</summary>
    private static void Pong(string[] args)
    {
        (bool zeroCopy, ChannelWaitStrategy wait) = ParseFlags(args[0]);
        int size = Int(args[3]);
        int rounds = Int(args[4]);
        using SharedMemoryChannel ping = SharedMemoryChannel.OpenById(Int(args[1]));
        using SharedMemoryChannel pong = SharedMemoryChannel.OpenById(Int(args[2]));
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

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    private static long Long(string s) => long.Parse(s, CultureInfo.InvariantCulture);

    private static string Arg(long value) => value.ToString(CultureInfo.InvariantCulture);
}
