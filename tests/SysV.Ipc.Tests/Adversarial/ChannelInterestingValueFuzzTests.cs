using System.Globalization;
using System.Threading.Channels;
using SysV.Ipc.Tests.Channels;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Adversarial;

/// <summary>
/// Every field of a channel segment (docs/channel-format.md: header, cursors and futex words, the reader's
/// and the writers' participant slots, and the frame and tag of every record in the ring, padding and skip
/// records included, and the empty header after the tail) set, one at a time, to every interesting value:
/// 0, 1, -1, the ring capacity and capacity ± 8, half of it, the maximum message and one past it,
/// int/long min and max, 2^62, the field's own value one record and one lap ahead and behind, the three
/// record tags (so a record gets a tag its length does not fit, and a length that its tag does not
/// fit), our own, a dead and the "released" participant identity. Each is tried twice: on a channel
/// opened after the corruption (the open-time checks) and under a reader and a writer that were open
/// before it (the checks made while running). Then the channel is used: status, participants, every
/// message that can be read, writes, a timed read, a timed write. Each use must end normally or with a
/// documented exception.
/// The fuzz runs in a child process, so a crash fails the test; a watchdog in the child fails it, naming
/// the mutation, when one trial takes more than a few seconds, so a hang fails it too; a canary segment
/// attached in the child is checked after every trial, so a write outside the segment fails it too.
/// The enumeration is deterministic; SYSVIPC_STRESS=1 adds random pairs of mutations, many rounds.
/// </summary>
public sealed class ChannelInterestingValueFuzzTests : IpcLeakGuard
{
    private const byte CanaryByte = 0x5A;
    private const long Capacity = 4096;

    [Theory]
    [InlineData("single")]
    [InlineData("multi")]
    public void EveryField_AtEveryInterestingValue_GivesValidDataOrADocumentedException(string mode)
    {
        int randomPairs = Adversity.Stress ? 100_000 : 0;
        using RemoteProcess child = RemoteExecutor.Start(FuzzInChild, mode, TestMessages.Arg(randomPairs));
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromMinutes(Adversity.Stress ? 60 : 4));
        Assert.Contains("unexpected 0,", child.StandardOutput, StringComparison.Ordinal);
        // The fuzz must reach both kinds of outcome, or it is not testing what it claims to.
        Assert.Contains("ChannelCorruptedException", child.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("clean", child.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>A field of the segment: where, how wide, what it is called, and (for records) the ring room at it.</summary>
    private readonly record struct Field(long Offset, int Width, string Name, long Room = 0);

    /// <summary>Child: the enumeration; prints the figures; exits 42 unless a trial ended in a way the format does not allow.</summary>
    public static int FuzzInChild(string modeText, string randomPairsText)
    {
        ChannelMode mode = modeText == "multi" ? ChannelMode.MultiProducer : ChannelMode.SingleProducer;
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, Capacity, new() { Mode = mode, MaxProducers = mode == ChannelMode.MultiProducer ? 3 : 1, RemoveOnDispose = true });
        using var canarySegment = SharedMemorySegment.Create(IpcKey.Private, 64 * 1024, options: new() { RemoveOnDispose = true });
        using SharedMemoryAttachment canary = canarySegment.Attach();
        canary.Span.Fill(CanaryByte);
        using var rawSegment = SharedMemorySegment.OpenById(channel.Id);
        using SharedMemoryAttachment raw = rawSegment.Attach();
        MakeTraffic(channel);
        byte[] baseline = raw.ReadOnlySpan.ToArray();
        List<Field> fields = Fields(baseline, channel);
        var fuzz = new ChannelFuzz(channel.Id, raw, canary, baseline, channel.MaxMessageSize);
        using var watchdog = new Watchdog(TimeSpan.FromSeconds(Adversity.Stress ? 30 : 15));

        foreach (Field field in fields)
        {
            long current = Read(baseline, field);
            foreach (long value in Values(field, current, channel.MaxMessageSize))
            {
                foreach (bool whileOpen in new[] { false, true })
                {
                    if (!whileOpen && field.Name == "magic" && value == 0)
                    {
                        continue; // a zero magic at open is "the creator is still writing": a 2 s wait, tested on its own
                    }

                    string what = $"{field.Name} = {value} ({(whileOpen ? "while open" : "then opened")})";
                    watchdog.Begin(what);
                    fuzz.Trial(what, whileOpen, bytes => Write(bytes, field, value));
                    watchdog.End();
                    if (fuzz.CanaryChanged)
                    {
                        return Report(fuzz, fields.Count);
                    }
                }
            }
        }

        var random = new Random(20261202);
        for (int round = 0, rounds = TestMessages.Int(randomPairsText); round < rounds; round++)
        {
            Field first = fields[random.Next(fields.Count)], second = fields[random.Next(fields.Count)];
            long[] firstValues = Values(first, Read(baseline, first), channel.MaxMessageSize).ToArray();
            long[] secondValues = Values(second, Read(baseline, second), channel.MaxMessageSize).ToArray();
            long a = firstValues[random.Next(firstValues.Length)], b = secondValues[random.Next(secondValues.Length)];
            bool whileOpen = random.Next(2) == 0 || first.Name == "magic" || second.Name == "magic";
            string what = $"{first.Name} = {a} and {second.Name} = {b} ({(whileOpen ? "while open" : "then opened")})";
            watchdog.Begin(what);
            fuzz.Trial(what, whileOpen, bytes =>
            {
                Write(bytes, first, a);
                Write(bytes, second, b);
            });
            watchdog.End();
            if (fuzz.CanaryChanged)
            {
                break;
            }
        }

        return Report(fuzz, fields.Count);
    }

    private static int Report(ChannelFuzz fuzz, int fieldCount)
    {
        Console.WriteLine($"fields {fieldCount}, trials {fuzz.Trials}, unexpected {fuzz.Unexpected}, messages read {fuzz.MessagesRead}; "
            + string.Join(", ", fuzz.Outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value}")));
        return fuzz.Unexpected == 0 && !fuzz.CanaryChanged ? RemoteExecutor.SuccessExitCode : 1;
    }

    /// <summary>
    /// Leaves the ring with unread records of every kind, and positions past the first lap: a data record
    /// before the ring's end, a padding record up to it, two data records at the start of the next lap and
    /// (multi-producer) a skip record of an aborted claim. Every participant has left.
    /// </summary>
    private static void MakeTraffic(SharedMemoryChannel channel)
    {
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using (SharedMemoryChannelReader reader = channel.OpenReader())
        {
            for (int i = 0; i < 12; i++)
            {
                writer.Write(TestMessages.Make(1, i, 300));
                reader.Read();
            }
        }

        for (int i = 12; i < 15; i++)
        {
            writer.Write(TestMessages.Make(1, i, 300));
        }

        if (channel.Mode == ChannelMode.MultiProducer && writer.TryClaim(100, out Span<byte> claimed))
        {
            claimed.Clear();
            writer.Abort();
        }
    }

    /// <summary>Every field the format defines, at its offset in this segment, and the records found by walking the unread ring.</summary>
    private static List<Field> Fields(byte[] segment, SharedMemoryChannel channel)
    {
        var fields = new List<Field>
        {
            new(ChannelLayout.MagicField, 8, "magic"), new(ChannelLayout.VersionField, 4, "version"),
            new(ChannelLayout.RingOffsetField, 4, "ring_offset"), new(ChannelLayout.CapacityField, 8, "capacity"),
            new(ChannelLayout.MaxMessageSizeField, 4, "max_message"), new(ChannelLayout.ModeField, 4, "mode"),
            new(ChannelLayout.ProducerSlotsField, 4, "producer_slots"), new(ChannelLayout.CompletedField, 4, "completed"),
            new(ChannelLayout.CreationEpochField, 8, "creation_epoch"), new(ChannelLayout.CreatorPidField, 4, "creator_pid"),
            new(ChannelLayout.TailOffset, 8, "tail"), new(ChannelLayout.CachedHeadOffset, 8, "cached_head"),
            new(ChannelLayout.HeadOffset, 8, "head"), new(ChannelLayout.ConsumedOffset, 8, "consumed"),
            new(ChannelLayout.DataSequenceOffset, 4, "data_seq"), new(ChannelLayout.ConsumerSleepingOffset, 4, "reader_sleeping"),
            new(ChannelLayout.SpaceSequenceOffset, 4, "space_seq"), new(ChannelLayout.ProducersSleepingOffset, 4, "writers_sleeping"),
        };
        for (int slot = 0; slot <= Math.Min(channel.MaxProducers, 2); slot++)
        {
            long at = ChannelLayout.SlotsOffset + ((long)ChannelLayout.SlotSize * slot);
            fields.Add(new(at + ChannelLayout.SlotOwner, 8, $"slot{slot}.owner"));
            fields.Add(new(at + ChannelLayout.SlotRole, 4, $"slot{slot}.role"));
            fields.Add(new(at + ChannelLayout.SlotSleeping, 4, $"slot{slot}.sleeping"));
            fields.Add(new(at + ChannelLayout.SlotHeartbeat, 8, $"slot{slot}.heartbeat"));
            fields.Add(new(at + ChannelLayout.SlotClaimPosition, 8, $"slot{slot}.claim_position"));
            fields.Add(new(at + ChannelLayout.SlotClaimSize, 8, $"slot{slot}.claim_size"));
        }

        // The unread records, walked from head to tail with the trusted baseline's own values, and the
        // empty record header after the tail (where a dead writer's uncounted commit would be).
        long ringOffset = segment.Length - Capacity;
        long head = BitConverter.ToInt64(segment, ChannelLayout.HeadOffset);
        long tail = BitConverter.ToInt64(segment, ChannelLayout.TailOffset);
        int records = 0;
        for (long position = head; position <= tail && records < 16; records++)
        {
            long index = position & (Capacity - 1);
            int frame = BitConverter.ToInt32(segment, (int)(ringOffset + index));
            int tag = BitConverter.ToInt32(segment, (int)(ringOffset + index + 4));
            string kind = position == tail ? "after-tail" : tag switch
            {
                ChannelLayout.DataTag => "data",
                ChannelLayout.PaddingTag => "padding",
                ChannelLayout.SkipTag => "skip",
                _ => "unknown",
            };
            fields.Add(new(ringOffset + index, 4, $"record{records}({kind}@{index}).frame", Capacity - index));
            fields.Add(new(ringOffset + index + 4, 4, $"record{records}({kind}@{index}).tag", Capacity - index));
            if (position == tail)
            {
                break;
            }

            position += (frame + 7) & ~7;
        }

        return fields;
    }

    private static IEnumerable<long> Values(Field field, long current, int maxMessage)
    {
        long deadIdentity = ParticipantIdentity.Pack(ParticipantIdentity.MaxPid - 1, 12345);
        var values = new List<long>
        {
            0, 1, -1, 2, 8, -8, Capacity, Capacity - 8, Capacity + 8, Capacity / 2, Capacity / 2 - 8, Capacity / 2 + 8, -(Capacity / 2),
            maxMessage, maxMessage + 1, maxMessage + 8, maxMessage + 9, maxMessage + 16,
            int.MinValue, int.MaxValue, uint.MaxValue, long.MinValue, long.MaxValue, 1L << 62, (1L << 62) - 8, 1L << 40,
            current + 8, current - 8, current + Capacity, current - Capacity, current + (Capacity / 2), -current,
            ChannelLayout.DataTag, ChannelLayout.PaddingTag, ChannelLayout.SkipTag, ChannelLayout.Magic,
            ParticipantIdentity.Current, ParticipantIdentity.Released, deadIdentity,
            253402300799999 + 1, // one past the latest creation time the format allows
            ParticipantIdentity.MaxPid,
        };
        if (field.Room > 0)
        {
            // A record: lengths that end exactly at the ring's end, or one step off it, and negative claims of those sizes.
            values.AddRange([field.Room, field.Room - 8, field.Room + 8, field.Room - 1, -field.Room, -(field.Room - 8)]);
        }

        var seen = new HashSet<long>();
        foreach (long value in values)
        {
            long stored = field.Width == 8 ? value : unchecked((int)value);
            if (stored != current && seen.Add(stored))
            {
                yield return stored;
            }
        }
    }

    private static long Read(byte[] segment, Field field) =>
        field.Width == 8 ? BitConverter.ToInt64(segment, (int)field.Offset) : BitConverter.ToInt32(segment, (int)field.Offset);

    private static void Write(SharedMemoryAttachment segment, Field field, long value)
    {
        if (field.Width == 8)
        {
            segment.Write(field.Offset, value);
        }
        else
        {
            segment.Write(field.Offset, unchecked((int)value));
        }
    }

    /// <summary>Ends the process, naming the trial, when one trial runs longer than it may.</summary>
    private sealed class Watchdog : IDisposable
    {
        private readonly Thread _thread;
        private readonly TimeSpan _limit;
        private readonly object _gate = new();
        private string? _trial;
        private long _startedAt;
        private bool _stopped;

        public Watchdog(TimeSpan limit)
        {
            _limit = limit;
            _thread = new Thread(Watch) { IsBackground = true, Name = "fuzz watchdog" };
            _thread.Start();
        }

        public void Begin(string trial)
        {
            lock (_gate)
            {
                _trial = trial;
                _startedAt = Environment.TickCount64;
            }
        }

        public void End()
        {
            lock (_gate)
            {
                _trial = null;
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _stopped = true;
                Monitor.PulseAll(_gate);
            }

            _thread.Join();
        }

        private void Watch()
        {
            lock (_gate)
            {
                while (!_stopped)
                {
                    if (_trial is not null && Environment.TickCount64 - _startedAt > _limit.TotalMilliseconds)
                    {
                        Console.WriteLine($"HANG: the trial \"{_trial}\" ran longer than {_limit.TotalSeconds} s");
                        Console.Out.Flush();
                        Environment.Exit(3);
                    }

                    Monitor.Wait(_gate, 200);
                }
            }
        }
    }

    /// <summary>One trial: restore the baseline, corrupt it, use the channel every way, judge the outcomes.</summary>
    private sealed class ChannelFuzz(int segmentId, SharedMemoryAttachment raw, SharedMemoryAttachment canary, byte[] baseline, int maxMessage)
    {
        private static readonly ChannelWaitStrategy s_quick = new() { SpinCount = 0, YieldCount = 0, SleepSlice = TimeSpan.FromMilliseconds(1) };

        public Dictionary<string, int> Outcomes { get; } = new(StringComparer.Ordinal);

        public int Trials { get; private set; }

        public int Unexpected { get; private set; }

        public long MessagesRead { get; private set; }

        public bool CanaryChanged { get; private set; }

        public void Trial(string what, bool whileOpen, Action<SharedMemoryAttachment> corrupt)
        {
            Trials++;
            baseline.CopyTo(raw.Span);
            SharedMemoryChannel? channel = null;
            SharedMemoryChannelReader? reader = null;
            SharedMemoryChannelWriter? writer = null;
            try
            {
                if (whileOpen)
                {
                    channel = SharedMemoryChannel.OpenById(segmentId);
                    reader = channel.OpenReader(s_quick);
                    writer = channel.OpenWriter(s_quick);
                    corrupt(raw);
                }
                else
                {
                    corrupt(raw);
                    if (!Step(what, "open", () => channel = SharedMemoryChannel.OpenById(segmentId)))
                    {
                        return;
                    }

                    Step(what, "open a reader", () => reader = channel!.OpenReader(s_quick));
                    Step(what, "open a writer", () => writer = channel!.OpenWriter(s_quick));
                }

                Step(what, "status", () =>
                {
                    _ = channel!.GetStatus();
                    _ = channel.GetParticipants();
                    _ = channel.CreatedAt;
                    _ = channel.IsCompleted;
                });
                if (reader is not null)
                {
                    Step(what, "read what is there", () => ReadAll(reader));
                }

                if (writer is not null)
                {
                    int longest = Math.Min(200, writer.Channel.MaxMessageSize);
                    Step(what, "write", () =>
                    {
                        for (int i = 0; i < 3 && longest >= TestMessages.MinLength; i++)
                        {
                            writer.TryWrite(TestMessages.Make(2, i, longest - (i * 8)));
                        }
                    });
                    Step(what, "timed write", () => writer.Write(new byte[Math.Min(64, writer.Channel.MaxMessageSize)], TimeSpan.FromMilliseconds(1)));
                }

                if (reader is not null)
                {
                    Step(what, "read again", () => ReadAll(reader));
                    Step(what, "timed read", () => reader.Read(TimeSpan.FromMilliseconds(1), CancellationToken.None));
                    Step(what, "timed wait", () => reader.WaitToRead(TimeSpan.FromMilliseconds(1)));
                }
            }
            finally
            {
                Step(what, "dispose", () =>
                {
                    reader?.Dispose();
                    writer?.Dispose();
                    channel?.Dispose();
                });
                if (canary.ReadOnlySpan.IndexOfAnyExcept(CanaryByte) >= 0)
                {
                    Unexpected++;
                    CanaryChanged = true;
                    Console.WriteLine($"{what}: the canary segment changed: something wrote outside the channel's segment");
                }
            }
        }

        private void ReadAll(SharedMemoryChannelReader reader)
        {
            int limit = (int)(Capacity / 8) + 8; // each record is at least 8 bytes: more reads than that would be a runaway
            for (int i = 0; i < limit && reader.TryRead(out byte[]? message); i++)
            {
                if (message!.Length > reader.Channel.MaxMessageSize || message.Length > maxMessage)
                {
                    throw new InvalidDataException($"a {message.Length}-byte message exceeds the maximum of {reader.Channel.MaxMessageSize}");
                }

                MessagesRead++;
            }
        }

        /// <summary>Runs one use of the channel; true when it ended normally. A documented exception is counted, any other is a failure.</summary>
        private bool Step(string what, string step, Action action)
        {
            string outcome;
            bool normal = false;
            try
            {
                action();
                outcome = "clean";
                normal = true;
            }
            catch (Exception e) when (e is ChannelCorruptedException or TimeoutException or ChannelClosedException or ChannelPeerDiedException
                || (e is InvalidOperationException && (e.Message.Contains("already has", StringComparison.Ordinal) || e.Message.Contains("are taken", StringComparison.Ordinal))))
            {
                outcome = e.GetType().Name;
            }
            catch (Exception e)
            {
                outcome = "UNEXPECTED " + e.GetType().Name;
                Unexpected++;
                Console.WriteLine($"{what}, {step}: {e}");
            }

            Outcomes[outcome] = Outcomes.GetValueOrDefault(outcome) + 1;
            return normal;
        }
    }
}
