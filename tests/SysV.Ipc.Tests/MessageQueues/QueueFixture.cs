using SysV.Ipc.Tests.Infrastructure;

namespace SysV.Ipc.Tests.MessageQueues;

/// <summary>Helpers shared by the message queue tests.</summary>
internal static class Queues
{
    /// <summary>A new queue with a unique key, removed when disposed.</summary>
    public static MessageQueue New()
    {
        MessageQueue queue = MessageQueue.Create(TestKeys.Unique());
        queue.RemoveOnDispose = true;
        return queue;
    }

    public static byte[] Text(string text) => System.Text.Encoding.ASCII.GetBytes(text);

    public static string Text(ReadOnlySpan<byte> bytes) => System.Text.Encoding.ASCII.GetString(bytes);

    /// <summary>Receives one message that must be there now.</summary>
    public static (long Type, string Body) Take(MessageQueue queue, MessageSelector selector = default)
    {
        var buffer = new byte[8192];
        if (!queue.TryReceive(buffer, out long type, out int length, selector))
        {
            throw new Xunit.Sdk.XunitException($"No message matching {selector} in {queue}.");
        }

        return (type, Text(buffer.AsSpan(0, length)));
    }

    /// <summary>Waits until the queue holds <paramref name="count"/> messages (as IPC_STAT reports).</summary>
    public static void WaitForCount(MessageQueue queue, long count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (queue.GetInfo().MessageCount != count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{queue} holds {queue.GetInfo().MessageCount} messages, expected {count}.");
            }

            Thread.Sleep(5);
        }
    }
}
