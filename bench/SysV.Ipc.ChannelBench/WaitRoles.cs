using System.Globalization;
using System.Runtime.InteropServices;

namespace SysV.Ipc.ChannelBench;

/// <summary>
/// The child roles of <see cref="AsyncChannelContender"/> (flag "ca" of the channel roles) and of
/// <see cref="FanInContender"/>: drivers on the harness's CPU, partners on the other, as in <see cref="ChannelRoles"/>.
/// </summary>
internal static class WaitRoles
{
    private const int WarmUp = 2_000;

    public static bool Run(string role, string[] args)
    {
        switch (role)
        {
            case "channel-throughput" when args[0] == "ca": AsyncThroughput(args).GetAwaiter().GetResult(); return true;
            case "channel-pingpong" when args[0] == "ca": AsyncPingPong(args).GetAwaiter().GetResult(); return true;
            case "channel-consume" when args[0] == "ca": AsyncConsume(args).GetAwaiter().GetResult(); return true;
            case "channel-pong" when args[0] == "ca": AsyncPong(args).GetAwaiter().GetResult(); return true;
            case "fanin-throughput": FanInThroughput(args); return true;
            case "fanin-pingpong": FanInPingPong(args); return true;
            case "fanin-serve": FanInServe(args); return true;
            default: return false;
        }
    }

    private static async Task AsyncThroughput(string[] args)
    {
        int size = Int(args[1]);
        long count = Long(args[2]);
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, Long(args[3]), new() { RemoveOnDispose = true });
        using ChildProcess consumer = ChildProcess.Partner("channel-consume", "ca", Arg(channel.Id), Arg(size), Arg(WarmUp + count));
        consumer.WaitFor("READY", TimeSpan.FromSeconds(60));
        using SharedMemoryChannelWriter writer = channel.OpenWriter(ChannelWaitStrategy.Blocking);
        var source = new byte[size];
        long start = 0;
        for (long i = -WarmUp; i < count; i++)
        {
            if (i == 0)
            {
                start = Clock.NowNanoseconds();
            }

            source[0] = (byte)i;
            await writer.WriteAsync(source).ConfigureAwait(false);
        }

        long end = consumer.WaitForLong("END", TimeSpan.FromMinutes(10));
        consumer.WaitForSuccess(TimeSpan.FromSeconds(30));
        Console.WriteLine($"elapsed_ns {end - start}");
    }

    private static async Task AsyncConsume(string[] args)
    {
        long count = Long(args[3]);
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenById(Int(args[1]));
        using SharedMemoryChannelReader reader = channel.OpenReader(ChannelWaitStrategy.Blocking);
        Console.WriteLine("READY");
        long bytes = 0;
        for (long i = 0; i < count; i++)
        {
            bytes += (await reader.ReadAsync().ConfigureAwait(false)).Length;
        }

        Console.WriteLine($"END {Clock.NowNanoseconds()}");
        Console.Error.WriteLine($"bytes {bytes}");
    }

    private static async Task AsyncPingPong(string[] args)
    {
        int size = Int(args[1]);
        int rounds = Int(args[2]);
        long capacity = Long(args[3]);
        using SharedMemoryChannel ping = SharedMemoryChannel.Create(IpcKey.Private, capacity, new() { RemoveOnDispose = true });
        using SharedMemoryChannel pong = SharedMemoryChannel.Create(IpcKey.Private, capacity, new() { RemoveOnDispose = true });
        using ChildProcess ponger = ChildProcess.Partner("channel-pong", "ca", Arg(ping.Id), Arg(pong.Id), Arg(size), Arg(WarmUp + rounds));
        ponger.WaitFor("READY", TimeSpan.FromSeconds(60));
        using SharedMemoryChannelWriter writer = ping.OpenWriter(ChannelWaitStrategy.Blocking);
        using SharedMemoryChannelReader reader = pong.OpenReader(ChannelWaitStrategy.Blocking);
        var source = new byte[size];
        var samples = new long[rounds];
        for (int i = -WarmUp; i < rounds; i++)
        {
            long t = Clock.NowNanoseconds();
            await writer.WriteAsync(source).ConfigureAwait(false);
            _ = await reader.ReadAsync().ConfigureAwait(false);
            if (i >= 0)
            {
                samples[i] = Clock.NowNanoseconds() - t;
            }
        }

        ponger.WaitForSuccess(TimeSpan.FromSeconds(60));
        File.WriteAllBytes(args[4], MemoryMarshal.AsBytes(samples.AsSpan()));
    }

    private static async Task AsyncPong(string[] args)
    {
        int rounds = Int(args[4]);
        using SharedMemoryChannel ping = SharedMemoryChannel.OpenById(Int(args[1]));
        using SharedMemoryChannel pong = SharedMemoryChannel.OpenById(Int(args[2]));
        using SharedMemoryChannelReader reader = ping.OpenReader(ChannelWaitStrategy.Blocking);
        using SharedMemoryChannelWriter writer = pong.OpenWriter(ChannelWaitStrategy.Blocking);
        Console.WriteLine("READY");
        for (int i = 0; i < rounds; i++)
        {
            byte[] message = await reader.ReadAsync().ConfigureAwait(false);
            await writer.WriteAsync(message).ConfigureAwait(false);
        }
    }

    /// <summary>Driver: MODE SIZE COUNT. Writes COUNT messages round-robin to 16 channels served by the partner.</summary>
    private static void FanInThroughput(string[] args)
    {
        int size = Int(args[1]);
        long count = Long(args[2]);
        long perChannel = (count + FanInContender.Channels - 1) / FanInContender.Channels;
        using var requests = new ChannelGroup(FanInContender.Channels, 1 << 20);
        using ChildProcess server = ChildProcess.Partner("fanin-serve", args[0], requests.Ids, "-", Arg(WarmUp + perChannel));
        server.WaitFor("READY", TimeSpan.FromSeconds(60));
        SharedMemoryChannelWriter[] writers = requests.OpenWriters();
        var source = new byte[size];
        long start = 0;
        for (long i = -WarmUp * FanInContender.Channels; i < perChannel * FanInContender.Channels; i++)
        {
            if (i == 0)
            {
                start = Clock.NowNanoseconds();
            }

            writers[(int)((i + (WarmUp * FanInContender.Channels)) % FanInContender.Channels)].Write(source);
        }

        long end = server.WaitForLong("END", TimeSpan.FromMinutes(10));
        server.WaitForSuccess(TimeSpan.FromSeconds(30));
        Console.WriteLine($"elapsed_ns {(end - start) * count / (perChannel * FanInContender.Channels)}");
    }

    /// <summary>Driver: MODE SIZE ROUNDS FILE. One request at a time, on the channels in turn; each answered on its reply channel.</summary>
    private static void FanInPingPong(string[] args)
    {
        int size = Int(args[1]);
        int rounds = Int(args[2]);
        int perChannel = (rounds + WarmUp + FanInContender.Channels - 1) / FanInContender.Channels;
        // 64 KiB rings carry messages up to 32 KiB (half the ring): larger requests get the harness's ring for their size.
        long capacity = Math.Max(1 << 16, BenchSettings.RingCapacity(size));
        using var requests = new ChannelGroup(FanInContender.Channels, capacity);
        using var replies = new ChannelGroup(FanInContender.Channels, capacity);
        using ChildProcess server = ChildProcess.Partner("fanin-serve", args[0], requests.Ids, replies.Ids, Arg(perChannel));
        server.WaitFor("READY", TimeSpan.FromSeconds(60));
        SharedMemoryChannelWriter[] writers = requests.OpenWriters();
        SharedMemoryChannelReader[] readers = replies.OpenReaders();
        var source = new byte[size];
        var destination = new byte[size];
        var samples = new long[rounds];
        int total = perChannel * FanInContender.Channels;
        for (int i = 0; i < total; i++)
        {
            int c = i % FanInContender.Channels;
            long t = Clock.NowNanoseconds();
            writers[c].Write(source);
            readers[c].Read(destination);
            int sample = i - (total - rounds);
            if (sample >= 0)
            {
                samples[sample] = Clock.NowNanoseconds() - t;
            }
        }

        server.WaitForSuccess(TimeSpan.FromSeconds(60));
        File.WriteAllBytes(args[3], MemoryMarshal.AsBytes(samples.AsSpan()));
    }

    /// <summary>
    /// Partner: MODE REQUESTS REPLIES PER-CHANNEL. Reads PER-CHANNEL messages from each request channel
    /// (answering each on its reply channel unless REPLIES is "-"), with one thread and a wait set ("set")
    /// or a thread per channel ("threads"); prints the time of the last one.
    /// </summary>
    private static void FanInServe(string[] args)
    {
        bool set = args[0] == "set";
        SharedMemoryChannel[] requests = [.. args[1].Split(',').Select(id => SharedMemoryChannel.OpenById(Int(id)))];
        SharedMemoryChannel[]? replies = args[2] == "-" ? null : [.. args[2].Split(',').Select(id => SharedMemoryChannel.OpenById(Int(id)))];
        long perChannel = Long(args[3]);
        SharedMemoryChannelReader[] readers = [.. requests.Select(c => c.OpenReader(ChannelWaitStrategy.Blocking))];
        SharedMemoryChannelWriter[]? writers = replies?.Select(c => c.OpenWriter(ChannelWaitStrategy.Blocking)).ToArray();
        Console.WriteLine("READY");
        if (set)
        {
            using var waitSet = new ChannelWaitSet(ChannelWaitStrategy.Blocking);
            foreach (SharedMemoryChannelReader reader in readers)
            {
                waitSet.Add(reader);
            }

            var left = new long[readers.Length];
            Array.Fill(left, perChannel);
            long remaining = perChannel * readers.Length;
            var events = new ChannelWaitEvent[readers.Length];
            var buffer = new byte[1 << 16];
            while (remaining > 0)
            {
                int n = waitSet.Wait(events, Timeout.InfiniteTimeSpan, CancellationToken.None);
                for (int e = 0; e < n; e++)
                {
                    int c = events[e].Index;
                    while (left[c] > 0 && readers[c].TryRead(buffer, out int length))
                    {
                        writers?[c].Write(buffer.AsSpan(0, length));
                        left[c]--;
                        remaining--;
                    }
                }
            }
        }
        else
        {
            Thread[] threads = [.. Enumerable.Range(0, readers.Length).Select(c => new Thread(() =>
            {
                var buffer = new byte[1 << 16];
                for (long i = 0; i < perChannel; i++)
                {
                    int length = readers[c].Read(buffer);
                    writers?[c].Write(buffer.AsSpan(0, length));
                }
            }))];
            foreach (Thread thread in threads)
            {
                thread.Start();
            }

            foreach (Thread thread in threads)
            {
                thread.Join();
            }
        }

        Console.WriteLine($"END {Clock.NowNanoseconds()}");
        foreach (IDisposable d in (writers ?? []).Concat<IDisposable>(readers).Concat(requests).Concat(replies ?? []))
        {
            d.Dispose();
        }
    }

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    private static long Long(string s) => long.Parse(s, CultureInfo.InvariantCulture);

    private static string Arg(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Channels created by the driver (removed on dispose), opened by the partner by id.</summary>
    private sealed class ChannelGroup(int count, long capacity) : IDisposable
    {
        private readonly SharedMemoryChannel[] _channels = [.. Enumerable.Range(0, count).Select(_ => SharedMemoryChannel.Create(IpcKey.Private, capacity, new() { RemoveOnDispose = true }))];
        private readonly List<IDisposable> _opened = [];

        public string Ids => string.Join(',', _channels.Select(c => Arg(c.Id)));

        public SharedMemoryChannelWriter[] OpenWriters() => Track(_channels.Select(c => c.OpenWriter(ChannelWaitStrategy.Blocking)));

        public SharedMemoryChannelReader[] OpenReaders() => Track(_channels.Select(c => c.OpenReader(ChannelWaitStrategy.Blocking)));

        public void Dispose()
        {
            foreach (IDisposable d in _opened.Concat(_channels))
            {
                d.Dispose();
            }
        }

        private T[] Track<T>(IEnumerable<T> items)
            where T : IDisposable
        {
            T[] array = [.. items];
            _opened.AddRange(array.Cast<IDisposable>());
            return array;
        }
    }
}
