using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Channels;

/// <summary>
/// Dispose racing every public call of a reader, a writer and the channel, at a random moment, many
/// rounds: the call ends normally or with <see cref="ObjectDisposedException"/>, never with an access
/// violation (once: disposing a reader while another thread entered TryRead or the synchronous first try
/// of Read/ReadAsync unmapped the memory under it), and the channel stays usable: a new reader or writer
/// opens in the freed place and a message sent afterwards arrives. Each operation runs in a child
/// process, so a crash is a failed exit code. SYSVIPC_STRESS=1 runs many more rounds.
/// </summary>
public sealed class ChannelDisposeRaceTests : IpcLeakGuard
{
    [Theory]
    [InlineData("try-read", "single")]
    [InlineData("try-peek", "single")]
    [InlineData("read", "single")]
    [InlineData("read-async", "single")]
    [InlineData("try-write", "single")]
    [InlineData("claim-commit", "single")]
    [InlineData("write", "single")]
    [InlineData("write-async", "single")]
    [InlineData("try-read", "multi")]
    [InlineData("try-write", "multi")]
    [InlineData("claim-commit", "multi")]
    [InlineData("channel", "single")]
    public void DisposeRacingACall_EndsItNormallyOrWithObjectDisposed_AndTheChannelGoesOn(string operation, string mode)
    {
        int rounds = TestMessages.Stress ? 5_000 : 150;
        using RemoteProcess child = RemoteExecutor.Start(Race, operation, mode, TestMessages.Arg(rounds), TestMessages.Arg(Random.Shared.Next()));
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromMinutes(TestMessages.Stress ? 30 : 2));
        Assert.Contains("rounds=", child.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>Child: the rounds; prints how the racing calls ended; exits 42 unless a call ended otherwise or the channel broke.</summary>
    public static int Race(string operation, string modeText, string roundsText, string seedText)
    {
        var random = new Random(TestMessages.Int(seedText));
        ChannelMode mode = modeText == "multi" ? ChannelMode.MultiProducer : ChannelMode.SingleProducer;
        bool readerSide = operation.StartsWith("try-read", StringComparison.Ordinal) || operation.StartsWith("try-peek", StringComparison.Ordinal) || operation.StartsWith("read", StringComparison.Ordinal);
        int disposedEnds = 0, normalEnds = 0, lastReference = 0;
        for (int round = 0, rounds = TestMessages.Int(roundsText); round < rounds; round++)
        {
            var channel = SharedMemoryChannel.Create(IpcKey.Private, 4096, new() { Mode = mode, MaxProducers = 4, RemoveOnDispose = true });
            SharedMemoryChannelWriter writer = channel.OpenWriter(ChannelWaitStrategy.Blocking);
            SharedMemoryChannelReader reader = channel.OpenReader(ChannelWaitStrategy.Blocking);
            for (int i = 0; i < 10; i++)
            {
                writer.TryWrite(TestMessages.Make(1, i, 100));
            }

            // Half the rounds drop every reference (the mapping goes, as when a process shuts the channel down);
            // the others keep the channel and check that it goes on with a new reader or writer.
            bool dropEverything = random.Next(2) == 0;
            using var started = new ManualResetEventSlim();
            Exception? ending = null;
            var racer = new Thread(() =>
            {
                started.Set();
                try
                {
                    Loop(operation, channel, reader, writer);
                }
                catch (Exception e)
                {
                    ending = e;
                }
            });
            racer.Start();
            started.Wait();
            for (int spin = random.Next(0, 20_000); spin > 0; spin--)
            {
                Thread.SpinWait(1);
            }

            if (operation == "channel")
            {
                reader.Dispose();
                writer.Dispose();
                channel.Dispose();
            }
            else if (readerSide)
            {
                if (dropEverything)
                {
                    writer.Dispose();
                    channel.Dispose();
                }

                reader.Dispose();
            }
            else
            {
                if (dropEverything)
                {
                    reader.Dispose();
                    channel.Dispose();
                }

                writer.Dispose();
            }

            if (!racer.Join(TimeSpan.FromSeconds(20)))
            {
                Console.WriteLine($"round {round}: the racing {operation} did not end 20 s after the disposal");
                return 1;
            }

            switch (ending)
            {
                case ObjectDisposedException:
                    disposedEnds++;
                    break;
                case null:
                    normalEnds++;
                    break;
                default:
                    Console.WriteLine($"round {round}: the racing {operation} ended with {ending}");
                    return 1;
            }

            if (dropEverything || operation == "channel")
            {
                lastReference++;
                continue;
            }

            // The channel goes on: the disposed side's place is free, and a message sent now arrives.
            try
            {
                if (!GoesOn(channel, readerSide ? null : reader, readerSide ? writer : null, round))
                {
                    return 1;
                }
            }
            finally
            {
                reader.Dispose();
                writer.Dispose();
                channel.Dispose();
            }
        }

        Console.WriteLine($"rounds={(disposedEnds + normalEnds).ToString(CultureInfo.InvariantCulture)} disposed={disposedEnds.ToString(CultureInfo.InvariantCulture)} normal={normalEnds.ToString(CultureInfo.InvariantCulture)} last-reference={lastReference.ToString(CultureInfo.InvariantCulture)}");
        return RemoteExecutor.SuccessExitCode;
    }

    /// <summary>Calls the operation until the disposal ends it (with ObjectDisposedException: the loop has no other way out, but a return is counted as normal).</summary>
    private static void Loop(string operation, SharedMemoryChannel channel, SharedMemoryChannelReader reader, SharedMemoryChannelWriter writer)
    {
        var buffer = new byte[4096];
        byte[] message = TestMessages.Make(2, 0, 100);
        for (long sequence = 0; ; sequence++)
        {
            switch (operation)
            {
                case "try-read":
                    _ = reader.TryRead(buffer, out _);
                    _ = reader.TryRead(out _);
                    break;
                case "try-peek":
                    if (reader.TryPeek(out ReadOnlySpan<byte> span))
                    {
                        long sum = 0;
                        foreach (byte b in span)
                        {
                            sum += b; // every byte touched while the disposal may be replacing the memory
                        }

                        GC.KeepAlive(sum);
                        reader.Advance();
                    }

                    break;
                case "read":
                    try
                    {
                        _ = reader.Read(buffer, TimeSpan.FromMilliseconds(1));
                    }
                    catch (TimeoutException)
                    {
                    }

                    break;
                case "read-async":
                    try
                    {
                        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(1));
                        _ = reader.ReadAsync(cancel.Token).AsTask().GetAwaiter().GetResult();
                    }
                    catch (OperationCanceledException)
                    {
                    }

                    break;
                case "try-write":
                    TestMessages.Fill(message, 2, sequence);
                    if (!writer.TryWrite(message))
                    {
                        _ = reader.TryRead(buffer, out _); // reader on this thread too, so the ring keeps moving
                    }

                    break;
                case "claim-commit":
                    if (writer.TryClaim(100, out Span<byte> claimed))
                    {
                        TestMessages.Fill(claimed, 2, sequence);
                        writer.Commit();
                    }
                    else
                    {
                        _ = reader.TryRead(buffer, out _);
                    }

                    break;
                case "write":
                    try
                    {
                        writer.Write(message, TimeSpan.FromMilliseconds(1));
                    }
                    catch (TimeoutException)
                    {
                    }

                    break;
                case "write-async":
                    try
                    {
                        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(1));
                        writer.WriteAsync(message, cancel.Token).AsTask().GetAwaiter().GetResult();
                    }
                    catch (OperationCanceledException)
                    {
                    }

                    break;
                default:
                    _ = channel.IsCompleted;
                    _ = channel.GetParticipants();
                    break;
            }
        }
    }

    /// <summary>After a race that left the channel alive: a new reader (or writer) takes the disposed one's place, and a sentinel sent now arrives.</summary>
    private static bool GoesOn(SharedMemoryChannel channel, SharedMemoryChannelReader? reader, SharedMemoryChannelWriter? writer, int round)
    {
        SharedMemoryChannelReader? ownReader = null;
        SharedMemoryChannelWriter? ownWriter = null;
        try
        {
            ownReader = reader is null ? channel.OpenReader(ChannelWaitStrategy.Blocking) : null;
            ownWriter = writer is null ? channel.OpenWriter(ChannelWaitStrategy.Blocking) : null;
            SharedMemoryChannelReader r = reader ?? ownReader!;
            SharedMemoryChannelWriter w = writer ?? ownWriter!;
            byte[] sentinel = TestMessages.Make(9, round, 64);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            bool sent = false;
            while (DateTime.UtcNow < deadline)
            {
                sent = sent || w.TryWrite(sentinel);
                byte[] received;
                try
                {
                    // A waiting read, not TryRead: a claim the racing call made and never wrote is skipped by the
                    // reader's dead-claim recovery, which runs while it waits.
                    received = r.Read(TimeSpan.FromMilliseconds(300), CancellationToken.None);
                }
                catch (TimeoutException)
                {
                    continue;
                }

                if (TestMessages.Check(received).Producer == 9)
                {
                    return true;
                }
            }

            Console.WriteLine($"round {round}: after the race, a sentinel {(sent ? "written" : "never written: the ring stayed full")} did not arrive within 10 s");
            return false;
        }
        catch (Exception e)
        {
            Console.WriteLine($"round {round}: the channel did not go on after the race: {e}");
            return false;
        }
        finally
        {
            ownReader?.Dispose();
            ownWriter?.Dispose();
        }
    }
}
