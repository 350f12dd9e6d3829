using System.Diagnostics;
using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace SysV.Ipc.NatsBench;

/// <summary>The child processes' parts: queue sender and receiver (inside a namespace), NATS.Net publisher and consumer.</summary>
internal static class Roles
{
    private const int Window = 64; // publications in flight, as the out bridge's batch

    public static bool IsRole(string name) => name is "send" or "receive" or "publish" or "consume";

    public static async Task<int> RunAsync(string[] args)
    {
        switch (args[0])
        {
            case "send":
                Send(ParseKey(args[1]), Int(args[2]), Int(args[3]), Int(args[4]));
                return 0;
            case "receive":
                Console.WriteLine(Receive(ParseKey(args[1]), Int(args[2])).ToLine());
                return 0;
            case "publish":
                await PublishAsync(args[1], args[2], Int(args[3]), Int(args[4]), Int(args[5]));
                return 0;
            case "consume":
                Console.WriteLine((await ConsumeAsync(args[1], args[2], args[3], Int(args[4]))).ToLine());
                return 0;
            default:
                return 2;
        }
    }

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    private static IpcKey ParseKey(string s) => new((int)Convert.ToUInt32(s, 16));

    /// <summary>msgsnd COUNT messages of SIZE bytes, type 1, each stamped just before; paced INTERVAL µs apart when > 0.</summary>
    private static void Send(IpcKey key, int count, int size, int intervalMicroseconds)
    {
        using MessageQueue queue = MessageQueue.Open(key);
        byte[] body = new byte[size];
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            Pace(start, i, intervalMicroseconds);
            Stamp.Write(body, i);
            queue.Send(1, body);
        }
    }

    private static Measurement Receive(IpcKey key, int count)
    {
        MessageQueue? queue = null;
        while (queue is null)
        {
            try
            {
                queue = MessageQueue.Open(key);
            }
            catch (IpcObjectNotFoundException)
            {
                Thread.Sleep(10);
            }
        }

        using (queue)
        {
            byte[] buffer = new byte[queue.MaxMessageSize];
            long[] sent = new long[count], arrived = new long[count];
            int outOfOrder = 0;
            for (int i = 0; i < count; i++)
            {
                int length = queue.Receive(buffer, out _);
                arrived[i] = Stopwatch.GetTimestamp();
                (long sequence, sent[i]) = Stamp.Read(buffer.AsSpan(0, length));
                outOfOrder += sequence == i ? 0 : 1;
            }

            return Measurement.From(sent, arrived, outOfOrder);
        }
    }

    /// <summary>JetStream publications with a message id, up to 64 awaiting their ack (the out bridge's batch).</summary>
    private static async Task PublishAsync(string url, string subject, int count, int size, int intervalMicroseconds)
    {
        await using NatsConnection connection = await BenchNats.ConnectAsync(url, "bench-publish");
        var js = new NatsJSContext(connection);
        var inFlight = new Queue<Task<PubAckResponse>>();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            Pace(start, i, intervalMicroseconds);
            byte[] body = new byte[size];
            Stamp.Write(body, i);
            inFlight.Enqueue(js.PublishAsync(subject, body, opts: new NatsJSPubOpts { MsgId = "bench." + i.ToString(CultureInfo.InvariantCulture) }).AsTask());
            if (inFlight.Count >= Window || intervalMicroseconds > 0)
            {
                (await inFlight.Dequeue()).EnsureSuccess();
            }
        }

        while (inFlight.Count > 0)
        {
            (await inFlight.Dequeue()).EnsureSuccess();
        }
    }

    /// <summary>A durable pull consumer, fetching 256 at a time and acknowledging each message (as the in bridge does).</summary>
    private static async Task<Measurement> ConsumeAsync(string url, string stream, string subject, int count)
    {
        await using NatsConnection connection = await BenchNats.ConnectAsync(url, "bench-consume");
        var js = new NatsJSContext(connection);
        INatsJSConsumer? consumer = null;
        await BenchNats.BoundedAsync("creating the consumer", async token => consumer = await js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig("bench") { FilterSubject = subject, AckPolicy = ConsumerConfigAckPolicy.Explicit, MaxAckPending = 1024 }, token));
        long[] sent = new long[count], arrived = new long[count];
        int received = 0, outOfOrder = 0;
        var fetch = new NatsJSFetchOpts { MaxMsgs = 256, Expires = TimeSpan.FromSeconds(2) };
        while (received < count)
        {
            await foreach (NatsJSMsg<byte[]> msg in consumer!.FetchAsync<byte[]>(fetch))
            {
                arrived[received] = Stopwatch.GetTimestamp();
                (long sequence, sent[received]) = Stamp.Read(msg.Data);
                outOfOrder += sequence == received ? 0 : 1;
                received++;
                await msg.AckAsync();
                if (received == count)
                {
                    break;
                }
            }
        }

        return Measurement.From(sent, arrived, outOfOrder);
    }

    private static void Pace(long start, int index, int intervalMicroseconds)
    {
        if (intervalMicroseconds <= 0)
        {
            return;
        }

        long due = start + (long)index * intervalMicroseconds * Stopwatch.Frequency / 1_000_000;
        while (Stopwatch.GetTimestamp() < due)
        {
            long left = (due - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
            if (left > 1)
            {
                Thread.Sleep((int)(left - 1));
            }
            else
            {
                Thread.SpinWait(50);
            }
        }
    }
}
