using System.Buffers.Binary;
using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.MessageQueues;

/// <summary>
/// Producers and consumers in separate processes through one queue: every message carries its sequence
/// number and a checksum, and each consumer checks that its type arrives complete, once and in order.
/// SYSV_IPC_STRESS_MESSAGES sets the messages per producer (default 2000; try 200000 for a long run).
/// </summary>
public sealed class MessageQueueCrossProcessTests : IpcLeakGuard
{
    private const int HeaderLength = sizeof(long) + sizeof(uint);

    [Fact]
    public void TwoProducersTwoConsumers_NothingLostDuplicatedOrReorderedWithinAType()
    {
        string count = Environment.GetEnvironmentVariable("SYSV_IPC_STRESS_MESSAGES") ?? "2000";
        using var queue = Queues.New();
        string id = queue.Id.ToString(CultureInfo.InvariantCulture);

        using RemoteProcess producer1 = RemoteExecutor.Start(Produce, id, "1", count);
        using RemoteProcess producer2 = RemoteExecutor.Start(Produce, id, "2", count);
        using RemoteProcess consumer2 = RemoteExecutor.Start(Consume, id, "2", count, "block");
        Assert.Equal(RemoteExecutor.SuccessExitCode, Consume(id, "1", count, "poll")); // this process takes type 1

        TimeSpan timeout = TimeSpan.FromMinutes(5);
        producer1.AssertExit(RemoteExecutor.SuccessExitCode, timeout);
        producer2.AssertExit(RemoteExecutor.SuccessExitCode, timeout);
        consumer2.AssertExit(RemoteExecutor.SuccessExitCode, timeout);
        MessageQueueInfo info = queue.GetInfo();
        Assert.Equal(0, info.MessageCount);
        Assert.Equal(0, info.BytesUsed);
    }

    private static int Produce(string id, string typeText, string countText)
    {
        using var queue = MessageQueue.OpenById(int.Parse(id, CultureInfo.InvariantCulture));
        long type = long.Parse(typeText, CultureInfo.InvariantCulture);
        int count = int.Parse(countText, CultureInfo.InvariantCulture);
        var buffer = new byte[HeaderLength + 255];
        for (long sequence = 0; sequence < count; sequence++)
        {
            int length = Encode(buffer, type, sequence);
            queue.Send(type, buffer.AsSpan(0, length));
        }

        return RemoteExecutor.SuccessExitCode;
    }

    private static int Consume(string id, string typeText, string countText, string mode)
    {
        using var queue = MessageQueue.OpenById(int.Parse(id, CultureInfo.InvariantCulture));
        long type = long.Parse(typeText, CultureInfo.InvariantCulture);
        int count = int.Parse(countText, CultureInfo.InvariantCulture);
        var buffer = new byte[HeaderLength + 255];
        var expected = new byte[buffer.Length];
        for (long sequence = 0; sequence < count; sequence++)
        {
            // Blocking msgrcv in the child (the test kills it if a producer dies); bounded polling here.
            long received;
            int length;
            if (mode == "block")
            {
                length = queue.Receive(buffer, out received, MessageSelector.OfType(type));
            }
            else if (!queue.TryReceive(buffer, out received, out length, MessageSelector.OfType(type), MessageReceiveOptions.None, TimeSpan.FromMinutes(2)))
            {
                Console.Error.WriteLine($"type {type}: message {sequence} never came");
                return 1;
            }

            int expectedLength = Encode(expected, type, sequence);
            if (received != type || !buffer.AsSpan(0, length).SequenceEqual(expected.AsSpan(0, expectedLength)))
            {
                long got = length >= sizeof(long) ? BinaryPrimitives.ReadInt64LittleEndian(buffer) : -1;
                Console.Error.WriteLine($"type {type}: expected message {sequence} ({expectedLength} bytes), got type {received} sequence {got} ({length} bytes)");
                return 2;
            }

            if (BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(sizeof(long))) != Checksum(buffer.AsSpan(HeaderLength, length - HeaderLength)))
            {
                Console.Error.WriteLine($"type {type}: message {sequence} has a bad checksum");
                return 3;
            }
        }

        return RemoteExecutor.SuccessExitCode;
    }

    /// <summary>[sequence][FNV-1a of the payload][payload of (sequence * 7 + type) % 256 bytes derived from both].</summary>
    private static int Encode(byte[] buffer, long type, long sequence)
    {
        int payload = (int)((sequence * 7 + type) % 256);
        for (int i = 0; i < payload; i++)
        {
            buffer[HeaderLength + i] = unchecked((byte)(sequence * 31 + i * 7 + type));
        }

        BinaryPrimitives.WriteInt64LittleEndian(buffer, sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(sizeof(long)), Checksum(buffer.AsSpan(HeaderLength, payload)));
        return HeaderLength + payload;
    }

    private static uint Checksum(ReadOnlySpan<byte> data)
    {
        uint hash = 2166136261;
        foreach (byte b in data)
        {
            hash = unchecked((hash ^ b) * 16777619);
        }

        return hash;
    }
}
