using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Channels;

/// <summary>
/// Random bytes and interesting values written over a channel's header, counters, participant table and records: opening,
/// reading and writing either work (on well-formed records) or throw <see cref="ChannelCorruptedException"/>;
/// nothing else, and never a crash. Runs in a child process, so an access violation would show as a
/// failed child rather than take the test host down. SYSVIPC_STRESS=1 runs many more trials.
/// </summary>
public sealed class ChannelCorruptionFuzzTests : IpcLeakGuard
{
    [Fact]
    public void RandomBytesAnywhere_GiveValidMessagesOrChannelCorruptedException()
    {
        int trials = TestMessages.Stress ? 20_000 : 1_500;
        using RemoteProcess child = RemoteExecutor.Start(Fuzz, TestMessages.Arg(trials), TestMessages.Arg(Random.Shared.Next()));
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromMinutes(TestMessages.Stress ? 30 : 2));
        string summary = child.StandardOutput;
        Assert.Contains("corrupted=", summary, StringComparison.Ordinal);
        // Both outcomes must occur, or the fuzz is not reaching what it claims to.
        Assert.DoesNotContain("corrupted=0 ", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("clean=0 ", summary, StringComparison.Ordinal);
    }

    /// <summary>Child: runs the trials; prints how they ended; exits 42 unless something other than the allowed outcomes happened.</summary>
    public static unsafe int Fuzz(string trials, string seed)
    {
        var random = new Random(TestMessages.Int(seed));
        int corrupted = 0, clean = 0, readMessages = 0;
        for (int trial = 0, n = TestMessages.Int(trials); trial < n; trial++)
        {
            ChannelMode mode = random.Next(2) == 0 ? ChannelMode.SingleProducer : ChannelMode.MultiProducer;
            using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1024 << random.Next(3), new() { Mode = mode, MaxProducers = 2, RemoveOnDispose = true });
            using var segment = SharedMemorySegment.OpenById(channel.Id);
            using SharedMemoryAttachment raw = segment.Attach();
            long ringOffset = raw.Length - channel.Capacity;
            bool corruptWhileOpen = random.Next(2) == 0;
            try
            {
                // Some traffic first, so head, tail and records are not all at zero.
                using (SharedMemoryChannelWriter writer = channel.OpenWriter())
                using (SharedMemoryChannelReader reader = channel.OpenReader())
                {
                    for (int i = 0, count = random.Next(0, 40); i < count; i++)
                    {
                        writer.TryWrite(TestMessages.Make(1, i, random.Next(24, 300)));
                        if (random.Next(3) == 0)
                        {
                            reader.TryRead(out _);
                        }
                    }
                }

                SharedMemoryChannelReader? openReader = corruptWhileOpen ? channel.OpenReader() : null;
                try
                {
                    Scribble(raw, ringOffset, random);
                    using SharedMemoryChannel reopened = SharedMemoryChannel.OpenById(channel.Id);
                    SharedMemoryChannelReader reader = openReader ?? reopened.OpenReader();
                    try
                    {
                        int limit = (int)(channel.Capacity / 8) + 8; // each read moves at least 8 bytes: this bounds a pass over the ring
                        for (int i = 0; i < limit && reader.TryPeek(out ReadOnlySpan<byte> message); i++)
                        {
                            if (message.Length > reader.Channel.MaxMessageSize) // the reader's own copy of the configuration (a reader opened before the scribble keeps it)
                            {
                                Console.Error.WriteLine($"trial {trial}: a {message.Length}-byte message exceeds the maximum");
                                return 1;
                            }

                            _ = message.ToArray(); // touch every byte: an out-of-range span would fault here
                            reader.Advance();
                            readMessages++;
                        }

                        using SharedMemoryChannelWriter writer = reopened.OpenWriter();
                        for (int i = 0; i < 5 && reopened.MaxMessageSize >= TestMessages.MinLength; i++)
                        {
                            // Within the reopened header's maximum: a scribble may have made it small, which is a valid configuration.
                            writer.TryWrite(TestMessages.Make(2, i, random.Next(0, Math.Min(200, reopened.MaxMessageSize + 1))));
                        }
                    }
                    finally
                    {
                        if (openReader is null)
                        {
                            reader.Dispose();
                        }
                    }
                }
                finally
                {
                    openReader?.Dispose();
                }

                clean++;
            }
            catch (ChannelCorruptedException)
            {
                corrupted++;
            }
            catch (InvalidOperationException e) when (e.Message.Contains("already has", StringComparison.Ordinal) || e.Message.Contains("are taken", StringComparison.Ordinal))
            {
                clean++; // a scribbled owner word that names a live process (this one): refused, as it should be
            }
            catch (System.Threading.Channels.ChannelClosedException)
            {
                clean++; // the completion flag was scribbled on: a valid state
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"trial {trial} ({mode}, corrupt while open: {corruptWhileOpen}) ended with an unexpected {e}");
                return 1;
            }
        }

        Console.WriteLine($"corrupted={corrupted} clean={clean} messages={readMessages} ");
        return RemoteExecutor.SuccessExitCode;
    }

    /// <summary>Writes 1 to 16 random bytes at random places: the header and counters, the participant table, or the ring.</summary>
    private static void Scribble(SharedMemoryAttachment raw, long ringOffset, Random random)
    {
        for (int hits = random.Next(1, 4); hits > 0; hits--)
        {
            long offset = random.Next(4) switch
            {
                0 => random.Next(0, 64),                                // header fields
                1 => 128 * random.Next(1, 6) + random.Next(0, 16),      // tail, cached head, head/consumed, wake words
                2 => random.Next(768, (int)ringOffset),                 // participant table
                _ => ringOffset + random.Next(0, (int)(raw.Length - ringOffset)), // records
            };
            if (random.Next(2) == 0)
            {
                // An interesting value instead of random bytes, as a 4- or 8-byte field at an aligned offset.
                long capacity = raw.Length - ringOffset;
                long[] interesting = [0, 1, -1, 8, -8, capacity, capacity - 8, capacity + 8, capacity / 2, capacity / 2 - 8, capacity / 2 + 8,
                    int.MaxValue, int.MinValue, long.MaxValue, long.MinValue, 0x4D534701, 0x4D534702, 0x4D534703, 1L << 22, 1L << 62];
                long value = interesting[random.Next(interesting.Length)];
                if (value == 0 && offset < 8)
                {
                    value = -1; // a zero magic is the "creator still writing the header" state: opening waits for it (tested on its own)
                }

                if (random.Next(2) == 0 && offset + 8 <= raw.Length)
                {
                    raw.Write(offset & ~7L, value);
                }
                else
                {
                    raw.Write(Math.Min(offset & ~3L, raw.Length - 4), unchecked((int)value));
                }

                continue;
            }

            int length = (int)Math.Min(random.Next(1, 17), raw.Length - offset);
            random.NextBytes(raw.GetSpan(offset, length));
        }
    }
}
