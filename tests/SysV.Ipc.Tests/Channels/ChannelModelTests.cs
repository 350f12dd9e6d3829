using CsCheck;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Channels;

/// <summary>
/// Model-based property tests (CsCheck): random sequences of writes and reads of random sizes, wrapping
/// around small rings many times, checked against an in-memory queue: nothing lost, duplicated,
/// reordered or corrupted. One form runs in this process (thousands of sequences); the other puts the
/// writer in a child process. SYSVIPC_STRESS=1 runs many more.
/// </summary>
public sealed class ChannelModelTests : IpcLeakGuard
{
    private static readonly Gen<(bool Write, int Size, bool ZeroCopy)> s_operation =
        Gen.Select(Gen.Int[0, 99], Gen.Int[0, 1016], Gen.Bool, (w, s, z) => (w < 55, s, z));

    [Theory]
    [InlineData(ChannelMode.SingleProducer)]
    [InlineData(ChannelMode.MultiProducer)]
    public void RandomOperations_MatchAQueue(ChannelMode mode)
    {
        Gen.Select(Gen.Int[10, 12], s_operation.Array[1, 400])
            .Sample(
                (capacityLog, operations) =>
                {
                    using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1L << capacityLog, new() { Mode = mode, RemoveOnDispose = true });
                    using SharedMemoryChannelWriter writer = channel.OpenWriter();
                    using SharedMemoryChannelReader reader = channel.OpenReader();
                    var model = new Queue<byte[]>();
                    bool lastReadFoundNothing = true;
                    bool lastReadGotMessage = false;
                    int counter = 0;
                    foreach ((bool write, int rawSize, bool zeroCopy) in operations)
                    {
                        if (write)
                        {
                            int size = Math.Min(rawSize, channel.MaxMessageSize);
                            byte[] message = Content(counter, size);
                            bool written;
                            if (zeroCopy)
                            {
                                written = writer.TryClaim(size, out Span<byte> claimed);
                                if (written)
                                {
                                    message.CopyTo(claimed);
                                    writer.Commit();
                                }
                            }
                            else
                            {
                                written = writer.TryWrite(message);
                            }

                            if (written)
                            {
                                model.Enqueue(message);
                                counter++;
                            }
                            else
                            {
                                // Full: only possible when unread messages or unreturned space exist.
                                Assert.False(lastReadFoundNothing && model.Count == 0, "an empty, fully returned ring refused a write");
                                Assert.True(model.Count > 0 || lastReadGotMessage, "a write was refused with nothing in the ring");
                            }
                        }
                        else
                        {
                            bool read;
                            byte[]? got = null;
                            if (zeroCopy)
                            {
                                read = reader.TryPeek(out ReadOnlySpan<byte> peeked);
                                if (read)
                                {
                                    got = peeked.ToArray();
                                    reader.Advance();
                                }
                            }
                            else
                            {
                                read = reader.TryRead(out got);
                            }

                            Assert.Equal(model.Count > 0, read);
                            if (read)
                            {
                                Assert.Equal(model.Dequeue(), got);
                            }

                            lastReadFoundNothing = !read;
                            lastReadGotMessage = read;
                        }

                        if (write && lastReadFoundNothing)
                        {
                            lastReadFoundNothing = model.Count == 0;
                        }
                    }

                    while (model.Count > 0)
                    {
                        Assert.True(reader.TryRead(out byte[]? rest));
                        Assert.Equal(model.Dequeue(), rest);
                    }

                    Assert.False(reader.TryRead(out _));
                },
                iter: TestMessages.Stress ? 20_000 : 400,
                threads: 1);
    }

    [Fact]
    public void RandomSequences_FromAWriterProcess_ArriveExactly()
    {
        Gen.Select(Gen.Int[10, 14], Gen.Int[1, 3000], Gen.Int[0, 4000], Gen.Int[0, 2], Gen.Long)
            .Sample(
                (capacityLog, count, maxSize, modeIndex, seed) =>
                {
                    ChannelMode mode = modeIndex == 0 ? ChannelMode.MultiProducer : ChannelMode.SingleProducer;
                    using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1L << capacityLog, new() { Mode = mode, RemoveOnDispose = true });
                    int max = Math.Min(maxSize, channel.MaxMessageSize);
                    using SharedMemoryChannelReader reader = channel.OpenReader();
                    using RemoteProcess child = RemoteExecutor.Start(WriteSequence, TestMessages.Arg(channel.Id), TestMessages.Arg(count), TestMessages.Arg(max), TestMessages.Arg(seed));

                    var random = new Random(unchecked((int)seed));
                    var plan = new Random(unchecked((int)(seed >> 32)));
                    var buffer = new byte[channel.MaxMessageSize];
                    for (int i = 0; i < count; i++)
                    {
                        byte[] expected = Content(i, random.Next(0, max + 1));
                        switch (plan.Next(4))
                        {
                            case 0:
                                int length = reader.Read(buffer, TimeSpan.FromSeconds(30));
                                Assert.Equal(expected, buffer[..length]);
                                break;
                            case 1:
                                Assert.True(reader.WaitToRead(TimeSpan.FromSeconds(30)));
                                Assert.True(reader.TryPeek(out ReadOnlySpan<byte> peeked));
                                Assert.True(peeked.SequenceEqual(expected), $"message {i} differs");
                                reader.Advance();
                                break;
                            case 2:
                                Assert.Equal(expected, reader.Read(TimeSpan.FromSeconds(30), CancellationToken.None));
                                break;
                            default:
                                if (plan.Next(20) == 0)
                                {
                                    Thread.Sleep(1); // let the ring fill up
                                }

                                Assert.Equal(expected, reader.ReadAsync().AsTask().GetAwaiter().GetResult());
                                break;
                        }
                    }

                    Assert.False(reader.WaitToRead(TimeSpan.FromSeconds(30))); // the writer completed
                    child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(30));
                },
                iter: TestMessages.Stress ? 200 : 6,
                threads: 1);
    }

    /// <summary>Child: writes the planned sequence (sizes and contents from the seed) with random forms and pauses, then completes.</summary>
    public static int WriteSequence(string segmentId, string count, string maxSize, string seed)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenById(TestMessages.Int(segmentId));
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        long s = TestMessages.Long(seed);
        var random = new Random(unchecked((int)s));
        var plan = new Random(unchecked((int)(s >> 32)) ^ 0x5bd1e995);
        int max = TestMessages.Int(maxSize);
        for (int i = 0, n = TestMessages.Int(count); i < n; i++)
        {
            byte[] message = Content(i, random.Next(0, max + 1));
            switch (plan.Next(3))
            {
                case 0:
                    writer.Write(message, TimeSpan.FromSeconds(30));
                    break;
                case 1:
                    Span<byte> claimed;
                    while (!writer.TryClaim(message.Length, out claimed))
                    {
                        writer.WaitToWrite(message.Length, TimeSpan.FromSeconds(30));
                    }

                    message.CopyTo(claimed);
                    writer.Commit();
                    break;
                default:
                    writer.WriteAsync(message).AsTask().GetAwaiter().GetResult();
                    break;
            }

            if (plan.Next(50) == 0)
            {
                Thread.Sleep(1); // let the reader go to sleep
            }
        }

        writer.Complete();
        return RemoteExecutor.SuccessExitCode;
    }

    private static byte[] Content(int index, int size)
    {
        var bytes = new byte[size];
        new Random(index * 7919 + size).NextBytes(bytes);
        return bytes;
    }
}
