using System.Buffers.Binary;
using SysV.Ipc.Tests.Channels;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SysV.Ipc.Tests.Adversarial;

/// <summary>
/// A SIGKILL storm over a multi-producer channel whose writer table is full: every writer place is held by
/// a writer process, and killing one and starting its next incarnation reuses the place (once the reader
/// has passed the dead writer's last claim). The reader process is killed too, now and then, and a new one
/// resumes. Messages run from 1 byte to 64 KiB. Every process keeps its progress in a separate log segment
/// (a writer: the last message its Write returned for; the reader: the last one it saw, stored before it
/// consumes it), so at the end the test knows that nothing committed was lost, that nothing arrived
/// corrupt or out of a writer's order, and that every wait ended (each child has a deadline). Duplicates
/// are allowed where the format allows them: a message a killed writer may have committed is sent again by
/// its next incarnation, and a new reader delivers again what the killed one read after its last publish.
/// SYSVIPC_STRESS=1 makes it hundreds of kills.
/// </summary>
public sealed class ChannelKillStormTests(ITestOutputHelper output) : IpcLeakGuard
{
    private const int Producers = 4;
    private const int LogWriters = 0;      // per writer: the last sequence its Write returned for (8 bytes each)
    private const int LogLastSeen = 256;   // per writer: the last sequence the reader saw
    private const int LogReceived = 512;   // messages the readers saw, duplicates included
    private const int LogDuplicates = 520;
    private const int LogViolations = 528; // corrupt, out of order, or a gap of a lost message
    private const int LogTiny = 536;       // messages under 24 bytes (they carry no sequence number)
    private const int LogViolationText = 1024;

    [Fact]
    public void KillingWritersOfAFullTableAndTheReader_OverAndOver_LosesNothing_CorruptsNothing()
    {
        int kills = Adversity.Stress ? 600 : 12;
        long perWriter = Adversity.Stress ? 40_000 : 10_000; // enough traffic for the kills to land before the writers are through, on a quiet machine too
        using var channel = SharedMemoryChannel.Create(IpcKey.Private, 256 * 1024, new() { Mode = ChannelMode.MultiProducer, MaxProducers = Producers, MaxMessageSize = 64 * 1024, RemoveOnDispose = true });
        using var logSegment = SharedMemorySegment.Create(IpcKey.Private, 4096, options: new() { RemoveOnDispose = true });
        using SharedMemoryAttachment log = logSegment.Attach();
        string channelId = TestMessages.Arg(channel.Id), logId = TestMessages.Arg(logSegment.Id), count = TestMessages.Arg(perWriter);

        var writers = new RemoteProcess?[Producers];
        RemoteProcess? reader = null;
        var random = new Random(20261202);
        int writerKills = 0, readerKills = 0, incarnations = 0;
        try
        {
            RemoteProcess StartWriter(int w)
            {
                incarnations++;
                return RemoteExecutor.Start(WriterInChild, channelId, logId, TestMessages.Arg(w), count);
            }

            reader = RemoteExecutor.Start(ReaderInChild, channelId, logId, count);
            for (int w = 0; w < Producers; w++)
            {
                writers[w] = StartWriter(w);
            }

            // A kill lands only on a process that has shown progress since it started (a process killed
            // while the runtime starts up tests nothing), at a random moment of its traffic.
            var progressAtStart = new long[Producers];
            long readerProgressAtStart = 0;
            DateTime stormEnd = DateTime.UtcNow.AddMinutes(Adversity.Stress ? 30 : 2);
            while (writerKills + readerKills < kills && DateTime.UtcNow < stormEnd)
            {
                Thread.Sleep(random.Next(5, 60));
                if (Enumerable.Range(0, Producers).All(w => log.Read<long>(LogWriters + (w * 8)) >= perWriter))
                {
                    break; // every writer is through: nothing is left to kill
                }

                if (random.Next(6) == 0)
                {
                    if (log.Read<long>(LogReceived) > readerProgressAtStart)
                    {
                        reader.Kill();
                        reader.Dispose();
                        readerKills++;
                        readerProgressAtStart = log.Read<long>(LogReceived);
                        reader = RemoteExecutor.Start(ReaderInChild, channelId, logId, count);
                    }

                    continue;
                }

                int victim = random.Next(Producers);
                RemoteProcess current = writers[victim]!;
                long progress = log.Read<long>(LogWriters + (victim * 8));
                if (current.Process.HasExited)
                {
                    AssertWriterEnded(current, victim);
                    if (progress >= perWriter)
                    {
                        continue;
                    }
                }
                else if (progress > progressAtStart[victim])
                {
                    current.Kill();
                    writerKills++;
                }
                else
                {
                    continue;
                }

                current.Dispose();
                progressAtStart[victim] = log.Read<long>(LogWriters + (victim * 8));
                writers[victim] = StartWriter(victim);
            }

            for (int w = 0; w < Producers; w++)
            {
                // The last incarnations write to the end.
                while (true)
                {
                    RemoteProcess current = writers[w]!;
                    Assert.True(current.WaitForExit(TimeSpan.FromMinutes(Adversity.Stress ? 20 : 3)) >= 0, $"writer {w} did not finish");
                    AssertWriterEnded(current, w);
                    if (log.Read<long>(LogWriters + (w * 8)) >= perWriter)
                    {
                        break;
                    }

                    current.Dispose();
                    writers[w] = StartWriter(w);
                }
            }

            reader.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromMinutes(Adversity.Stress ? 20 : 3));
            long violations = log.Read<long>(LogViolations);
            string text = System.Text.Encoding.UTF8.GetString(log.GetReadOnlySpan(LogViolationText, 1024)).TrimEnd('\0');
            output.WriteLine($"writer kills {writerKills}, reader kills {readerKills}, writer incarnations {incarnations}, messages received {log.Read<long>(LogReceived)} " +
                $"(duplicates {log.Read<long>(LogDuplicates)}, under 24 bytes {log.Read<long>(LogTiny)}), committed {Producers * perWriter}, violations {violations}");
            Assert.True(violations == 0, $"{violations} violations, the first: {text}");
            for (int w = 0; w < Producers; w++)
            {
                Assert.Equal(perWriter, log.Read<long>(LogLastSeen + (w * 8)));
            }

            Assert.True(writerKills >= 4, $"only {writerKills} writers were killed in their traffic: the storm did not reach what it claims to");
        }
        finally
        {
            reader?.Dispose();
            foreach (RemoteProcess? writer in writers)
            {
                writer?.Dispose();
            }
        }
    }

    private static void AssertWriterEnded(RemoteProcess writer, int w) =>
        Assert.True(writer.Process.ExitCode == RemoteExecutor.SuccessExitCode, $"writer {w} exited with {writer.Process.ExitCode}: {writer.StandardOutput} {writer.StandardError}");

    /// <summary>The length of writer w's message s: from 1 byte to 64 KiB, most of them small, a few at the extremes.</summary>
    internal static int LengthOf(int w, long s)
    {
        ulong h = TestMessages.Checksum(BitConverter.GetBytes((s * 8) + w));
        return (h % 16) switch
        {
            0 => 1,
            1 => 64 * 1024,
            2 => (int)(1 + (h >> 8) % 23), // 1 to 23 bytes: no room for a sequence number
            _ => (int)(24 + (((h >> 8) % 1000) * ((h >> 20) % 64) + ((h >> 40) % 64))), // 24 B to ~64 KiB, weighted to the small end
        };
    }

    /// <summary>A message no test message can be confused with: writer, sequence and a checksum when there is room, a pattern otherwise.</summary>
    internal static byte[] Make(int w, long s)
    {
        int length = Math.Min(LengthOf(w, s), 64 * 1024);
        var message = new byte[length];
        if (length >= TestMessages.MinLength)
        {
            TestMessages.Fill(message, w, s);
        }
        else
        {
            for (int i = 0; i < length; i++)
            {
                message[i] = (byte)(length + i);
            }
        }

        return message;
    }

    /// <summary>Child: writer w from where its last incarnation's log says, to the end; retries while the table is full or the reader is dead.</summary>
    public static int WriterInChild(string channelIdText, string logIdText, string producerText, string countText)
    {
        int w = TestMessages.Int(producerText);
        long count = TestMessages.Long(countText);
        using SharedMemoryAttachment log = SharedMemorySegment.OpenById(TestMessages.Int(logIdText)).Attach();
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenById(TestMessages.Int(channelIdText));
        DateTime deadline = DateTime.UtcNow.AddMinutes(Adversity.Stress ? 20 : 3);
        SharedMemoryChannelWriter? writer = null;
        while (writer is null)
        {
            try
            {
                writer = channel.OpenWriter();
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(5); // the killed incarnation's place is free once the reader has passed its last claim
            }
        }

        using (writer)
        {
            for (long s = log.Read<long>(LogWriters + (w * 8)) + 1; s <= count; s++)
            {
                byte[] message = Make(w, s);
                while (true)
                {
                    try
                    {
                        writer.Write(message, TimeSpan.FromSeconds(1));
                        break;
                    }
                    catch (Exception e) when (e is ChannelPeerDiedException or TimeoutException && DateTime.UtcNow < deadline)
                    {
                        // The reader was killed: its next incarnation comes.
                    }
                }

                log.Write(LogWriters + (w * 8), s);
            }
        }

        return RemoteExecutor.SuccessExitCode;
    }

    /// <summary>Child: reads, checks and logs every message until every writer's last one arrived; a resumed reader continues the log.</summary>
    public static int ReaderInChild(string channelIdText, string logIdText, string countText)
    {
        long count = TestMessages.Long(countText);
        using SharedMemoryAttachment log = SharedMemorySegment.OpenById(TestMessages.Int(logIdText)).Attach();
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenById(TestMessages.Int(channelIdText));
        DateTime deadline = DateTime.UtcNow.AddMinutes(Adversity.Stress ? 20 : 3);
        SharedMemoryChannelReader? reader = null;
        while (reader is null)
        {
            try
            {
                reader = channel.OpenReader();
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(5); // the killed reader's process is not gone yet
            }
        }

        using (reader)
        {
            while (Enumerable.Range(0, Producers).Any(w => log.Read<long>(LogLastSeen + (w * 8)) < count))
            {
                if (DateTime.UtcNow > deadline)
                {
                    Violation(log, "the reader's deadline passed before every message arrived");
                    return 1;
                }

                try
                {
                    if (!reader.WaitToRead(TimeSpan.FromSeconds(1)) || !reader.TryPeek(out ReadOnlySpan<byte> message))
                    {
                        continue;
                    }

                    Account(log, message);
                    reader.Advance(); // only after the log has it: a reader killed in between delivers it again, it is not lost
                }
                catch (ChannelPeerDiedException)
                {
                    // Every writer is dead this moment: their next incarnations come.
                }
            }
        }

        return RemoteExecutor.SuccessExitCode;
    }

    private static void Account(SharedMemoryAttachment log, ReadOnlySpan<byte> message)
    {
        log.Write(LogReceived, log.Read<long>(LogReceived) + 1);
        if (message.Length < TestMessages.MinLength)
        {
            for (int i = 0; i < message.Length; i++)
            {
                if (message[i] != (byte)(message.Length + i))
                {
                    Violation(log, $"a {message.Length}-byte message is corrupt at byte {i}");
                    return;
                }
            }

            log.Write(LogTiny, log.Read<long>(LogTiny) + 1);
            return;
        }

        int w;
        long s;
        try
        {
            (w, s) = TestMessages.Check(message);
        }
        catch (InvalidDataException e)
        {
            Violation(log, e.Message);
            return;
        }

        if ((uint)w >= Producers || message.Length != LengthOf(w, s))
        {
            Violation(log, $"a message claims writer {w}, sequence {s}, with {message.Length} bytes");
            return;
        }

        long last = log.Read<long>(LogLastSeen + (w * 8));
        if (s <= last)
        {
            log.Write(LogDuplicates, log.Read<long>(LogDuplicates) + 1);
            return;
        }

        for (long between = last + 1; between < s; between++)
        {
            if (LengthOf(w, between) >= TestMessages.MinLength)
            {
                Violation(log, $"writer {w}'s message {between} was lost: {last} came, then {s}");
                return;
            }
        }

        log.Write(LogLastSeen + (w * 8), s);
    }

    private static void Violation(SharedMemoryAttachment log, string what)
    {
        if (log.Read<long>(LogViolations) == 0)
        {
            byte[] text = System.Text.Encoding.UTF8.GetBytes(what.Length > 1000 ? what[..1000] : what);
            log.GetSpan(LogViolationText, 1024).Clear();
            text.CopyTo(log.GetSpan(LogViolationText, text.Length));
        }

        log.Write(LogViolations, log.Read<long>(LogViolations) + 1);
    }
}
