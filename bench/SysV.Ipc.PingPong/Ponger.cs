using System.Globalization;

namespace SysV.Ipc.PingPong;

/// <summary>The child side of the library measurements: answers every ping until it has answered them all.</summary>
internal static class Ponger
{
    internal const string Flag = "--pong";

    /// <summary>--pong msg|sem ID COUNT</summary>
    internal static int Run(string[] args)
    {
        int id = int.Parse(args[1], CultureInfo.InvariantCulture);
        long count = long.Parse(args[2], CultureInfo.InvariantCulture);
        try
        {
            if (args[0] == "msg")
            {
                AnswerMessages(id, count);
            }
            else
            {
                AnswerSemaphores(id, count);
            }

            return 0;
        }
        catch (IpcException e)
        {
            Console.Error.WriteLine($"ponger: {e.Message}");
            return 1;
        }
    }

    private static void AnswerMessages(int id, long count)
    {
        using var queue = MessageQueue.OpenById(id);
        MessageSelector ping = MessageSelector.OfType(PingPongTypes.Ping);
        Span<byte> body = stackalloc byte[PingPongTypes.BodySize];
        for (long i = 0; i < count; i++)
        {
            int length = queue.Receive(body, out _, ping);
            queue.Send(PingPongTypes.Pong, body[..length]);
        }
    }

    private static void AnswerSemaphores(int id, long count)
    {
        using var set = SemaphoreSet.OpenById(id);
        for (long i = 0; i < count; i++)
        {
            set.Wait(0);
            set.Release(1);
        }
    }
}

/// <summary>The protocol both sides share.</summary>
internal static class PingPongTypes
{
    internal const long Ping = 1;
    internal const long Pong = 2;
    internal const int BodySize = 64;
}
