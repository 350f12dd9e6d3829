using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Channels;

/// <summary>
/// Random bytes and interesting values written over a broadcast channel's header, gate, reader blocks and
/// records, with readers open or opened afterwards: opening, reading (zero-copy and copying), writing,
/// the participant table and the status either work or throw <see cref="ChannelCorruptedException"/> (or
/// tell a reader it lost its place, when what was scribbled says the writer overtook it); never anything
/// else, never a crash. Runs in a child process, so an access violation shows as a failed child.
/// </summary>
public sealed class BroadcastCorruptionFuzzTests : IpcLeakGuard
{
    [Fact]
    public void RandomBytesAnywhere_GiveValidMessagesOrChannelCorruptedException()
    {
        int trials = TestMessages.Stress ? 20_000 : 1_000;
        using RemoteProcess child = RemoteExecutor.Start(Fuzz, TestMessages.Arg(trials), TestMessages.Arg(Random.Shared.Next()));
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromMinutes(TestMessages.Stress ? 30 : 3));
        string summary = child.StandardOutput;
        Assert.Contains("corrupted=", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("corrupted=0 ", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("clean=0 ", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("messages=0 ", summary, StringComparison.Ordinal);
    }

    public static unsafe int Fuzz(string trials, string seed)
    {
        var random = new Random(TestMessages.Int(seed));
        int corrupted = 0, clean = 0, dropped = 0, readMessages = 0;
        for (int trial = 0, n = TestMessages.Int(trials); trial < n; trial++)
        {
            SlowReaderPolicy policy = random.Next(2) == 0 ? SlowReaderPolicy.Block : SlowReaderPolicy.DropAfter(TimeSpan.FromMilliseconds(1));
            using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1024 << random.Next(3), new() { Mode = ChannelMode.Broadcast, MaxReaders = 3, SlowReaderPolicy = policy, RemoveOnDispose = true });
            using var segment = SharedMemorySegment.OpenById(channel.Id);
            using SharedMemoryAttachment raw = segment.Attach();
            long ringOffset = raw.Length - channel.Capacity;
            bool corruptWhileOpen = random.Next(2) == 0;
            var open = new List<SharedMemoryChannelReader>();
            try
            {
                // Traffic first, so the tail, the gate, the cursors and the records are not all at zero.
                using (SharedMemoryChannelWriter writer = channel.OpenWriter())
                {
                    using SharedMemoryChannelReader first = channel.OpenReader();
                    for (int i = 0, count = random.Next(0, 60); i < count; i++)
                    {
                        writer.TryWrite(TestMessages.Make(1, i, random.Next(24, 300)));
                        if (random.Next(2) == 0)
                        {
                            first.TryRead(out _);
                        }
                    }

                    if (corruptWhileOpen)
                    {
                        open.Add(channel.OpenReader(random.Next(2) == 0 ? ReaderStart.Latest : ReaderStart.Oldest));
                        open.Add(channel.OpenReader(ReaderStart.Oldest));
                    }
                }

                Scribble(raw, ringOffset, random);
                using SharedMemoryChannel reopened = SharedMemoryChannel.OpenById(channel.Id);
                _ = reopened.GetStatus();
                _ = reopened.GetParticipants();
                if (open.Count == 0)
                {
                    open.Add(reopened.OpenReader(random.Next(2) == 0 ? ReaderStart.Latest : ReaderStart.Oldest));
                }

                using SharedMemoryChannelWriter again = reopened.OpenWriter();
                for (int i = 0; i < 5 && reopened.MaxMessageSize >= TestMessages.MinLength; i++)
                {
                    again.TryWrite(TestMessages.Make(2, i, random.Next(0, Math.Min(200, reopened.MaxMessageSize + 1))));
                }

                foreach (SharedMemoryChannelReader reader in open)
                {
                    readMessages += ReadAll(reader, random, trial);
                }

                clean++;
            }
            catch (ChannelCorruptedException)
            {
                corrupted++;
            }
            catch (ChannelReaderDroppedException)
            {
                dropped++; // a scribbled gate, state or sequence says the writer overtook the reader: it is told, as it should be
            }
            catch (InvalidOperationException e) when (e.Message.Contains("already has", StringComparison.Ordinal) || e.Message.Contains("are held", StringComparison.Ordinal))
            {
                clean++; // a scribbled owner word that names a live process (this one): refused, as it should be
            }
            catch (System.Threading.Channels.ChannelClosedException)
            {
                clean++; // the completion flag was scribbled on: a valid state
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"trial {trial} ({policy}, corrupt while open: {corruptWhileOpen}) ended with an unexpected {e}");
                return 1;
            }
            finally
            {
                open.ForEach(r => r.Dispose());
            }
        }

        Console.WriteLine($"corrupted={corrupted} clean={clean} dropped={dropped} messages={readMessages} ");
        return RemoteExecutor.SuccessExitCode;
    }

    private static int ReadAll(SharedMemoryChannelReader reader, Random random, int trial)
    {
        int read = 0;
        int limit = (int)(reader.Channel.Capacity / 16) + 8; // each read moves at least 16 bytes: this bounds a pass over the ring
        var buffer = new byte[reader.Channel.MaxMessageSize];
        for (int i = 0; i < limit; i++)
        {
            if (random.Next(2) == 0)
            {
                if (!reader.TryPeek(out ReadOnlySpan<byte> message))
                {
                    break;
                }

                if (message.Length > reader.Channel.MaxMessageSize)
                {
                    throw new InvalidOperationException($"trial {trial}: a {message.Length}-byte message exceeds the maximum");
                }

                _ = message.ToArray(); // touch every byte: an out-of-range span would fault here
                reader.Advance();
            }
            else if (!reader.TryRead(buffer, out _))
            {
                break;
            }

            read++;
        }

        return read;
    }

    /// <summary>Writes random bytes or interesting values at random places: header, tail and gate, wake words, the table and reader blocks, the records.</summary>
    private static void Scribble(SharedMemoryAttachment raw, long ringOffset, Random random)
    {
        long capacity = raw.Length - ringOffset;
        long tail = raw.Read<long>(128);
        for (int hits = random.Next(1, 4); hits > 0; hits--)
        {
            long offset = random.Next(5) switch
            {
                0 => random.Next(0, 80),                                 // header fields, the broadcast ones included
                1 => 128 * random.Next(1, 6) + random.Next(0, 16),       // tail, gate, wake words
                2 => 1024 + (128 * random.Next(0, 3)) + random.Next(0, 48), // reader blocks: owner, state, cursor, drop record
                3 => random.Next(768, (int)ringOffset),                  // the whole table
                _ => ringOffset + random.Next(0, (int)capacity),         // records
            };
            if (random.Next(2) == 0)
            {
                long[] interesting = [0, 1, -1, 2, 16, -16, capacity, capacity - 16, capacity + 16, capacity / 2, tail, tail + 1, tail - 16, tail + 16, tail - capacity,
                    tail + capacity + 1, int.MaxValue, int.MinValue, long.MaxValue, long.MinValue, 0x4D534701, 0x4D534702, 1L << 22, 1L << 62];
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
