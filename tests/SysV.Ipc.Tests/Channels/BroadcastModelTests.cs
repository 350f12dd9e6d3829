using System.Collections.Concurrent;
using CsCheck;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Channels;

/// <summary>
/// Model-based (CsCheck), across processes: a writer (this process) and 1 to 4 reader processes that join and
/// leave at random points of a random sequence of writes of random sizes (wrapping small rings many times),
/// against the model "each reader gets exactly the messages committed while it was a member, in order,
/// uncorrupted". A reader process joins on command and says so before the next write; told to leave after
/// message <c>last</c>, it checks that it got exactly <c>first..last</c> (it may read on a little before it
/// leaves, but what it got must stay contiguous), then leaves.
/// </summary>
public sealed class BroadcastModelTests : IpcLeakGuard
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(60);

    // An operation: 0-69 write (size), 70-84 join, 85-99 leave; the reader it concerns.
    private static readonly Gen<(int Kind, int Reader, int Size)> s_operation = Gen.Select(Gen.Int[0, 99], Gen.Int[0, 3], Gen.Int[0, 4000]);

    [Fact]
    public void ReadersJoiningAndLeaving_EachGetExactlyTheMessagesOfTheirMembership()
    {
        Gen.Select(Gen.Int[10, 13], Gen.Int[1, 4], s_operation.Array[20, 300])
            .Sample(
                (capacityLog, readerCount, plan) => Run(capacityLog, readerCount, plan),
                iter: TestMessages.Stress ? 60 : 3,
                threads: 1);
    }

    private static void Run(int capacityLog, int readerCount, (int Kind, int Reader, int Size)[] plan)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1L << capacityLog, new() { Mode = ChannelMode.Broadcast, MaxReaders = 4, RemoveOnDispose = true });
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        int max = Math.Min(channel.MaxMessageSize, 4000);
        var children = Enumerable.Range(0, readerCount).Select(_ => RemoteExecutor.Start(ReaderHost, TestMessages.Arg(channel.Id))).ToList();
        try
        {
            var first = new long?[readerCount];
            var joins = new int[readerCount];
            long next = 0;
            void Leave(int r)
            {
                children[r].Process.StandardInput.WriteLine($"STOP {first[r]} {next - 1}");
                first[r] = null;
            }

            foreach ((int kind, int r0, int size) in plan)
            {
                int r = r0 % readerCount;
                if (kind < 70)
                {
                    writer.Write(TestMessages.Make(1, next++, Math.Clamp(size, TestMessages.MinLength, max)), s_long);
                }
                else if (kind < 85 && first[r] is null)
                {
                    children[r].Process.StandardInput.WriteLine("JOIN");
                    children[r].WaitForOutput($"JOINED {++joins[r]}", s_long);
                    first[r] = next;
                }
                else if (kind >= 85 && first[r] is not null)
                {
                    Leave(r);
                }
            }

            for (int r = 0; r < readerCount; r++)
            {
                if (first[r] is not null)
                {
                    Leave(r);
                }

                children[r].Process.StandardInput.WriteLine("EXIT");
            }

            foreach (RemoteProcess child in children)
            {
                child.AssertExit(RemoteExecutor.SuccessExitCode, s_long);
                Assert.DoesNotContain("BAD", child.StandardOutput, StringComparison.Ordinal);
            }
        }
        finally
        {
            children.ForEach(c => c.Dispose());
        }
    }

    /// <summary>Child: joins and leaves the channel as told on stdin, reading all the while; checks each membership against the model.</summary>
    public static int ReaderHost(string segmentId)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenById(TestMessages.Int(segmentId));
        var commands = new BlockingCollection<string>();
        var input = new Thread(() =>
        {
            while (Console.ReadLine() is { } line)
            {
                commands.Add(line);
            }

            commands.CompleteAdding();
        }) { IsBackground = true };
        input.Start();

        SharedMemoryChannelReader? reader = null;
        var got = new List<long>();
        var buffer = new byte[channel.MaxMessageSize];
        int joins = 0;
        (long First, long Last)? stop = null;
        while (true)
        {
            if (reader is not null)
            {
                try
                {
                    int length = reader.Read(buffer, TimeSpan.FromMilliseconds(stop is null ? 20 : 200));
                    (int producer, long sequence) = TestMessages.Check(buffer.AsSpan(0, length));
                    if (producer != 1 || (got.Count > 0 && sequence != got[^1] + 1))
                    {
                        Console.WriteLine($"BAD: after {string.Join(",", got.TakeLast(3))} came {producer}/{sequence}");
                        return 1;
                    }

                    got.Add(sequence);
                }
                catch (TimeoutException)
                {
                }
            }

            if (stop is { } pending)
            {
                bool complete = pending.Last < pending.First || (got.Count > 0 && got[^1] >= pending.Last);
                if (!complete)
                {
                    continue;
                }

                long expectedFirst = pending.First;
                if (pending.Last >= pending.First && (got.Count == 0 || got[0] != expectedFirst))
                {
                    Console.WriteLine($"BAD: membership {joins} should start at {expectedFirst}, got {(got.Count == 0 ? "nothing" : got[0])}");
                    return 1;
                }

                reader!.Dispose();
                reader = null;
                stop = null;
                Console.WriteLine($"LEFT {joins}");
            }

            if (!commands.TryTake(out string? command, reader is null ? 50 : 0))
            {
                if (commands.IsCompleted && reader is null)
                {
                    return 1; // stdin closed without EXIT
                }

                continue;
            }

            string[] words = command.Split(' ');
            switch (words[0])
            {
                case "JOIN":
                    reader = channel.OpenReader();
                    got.Clear();
                    Console.WriteLine($"JOINED {++joins}");
                    break;
                case "STOP":
                    stop = (long.Parse(words[1], System.Globalization.CultureInfo.InvariantCulture), long.Parse(words[2], System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case "EXIT":
                    return reader is null ? RemoteExecutor.SuccessExitCode : 2;
            }
        }
    }
}
