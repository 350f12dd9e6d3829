using System.Runtime.InteropServices;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Channels;

/// <summary>
/// Broadcast readers killed with SIGKILL at random moments while the writer streams, repeated: the writer
/// never hangs on a dead reader and the surviving readers lose nothing; and, under the drop-after policy, a
/// SIGSTOPped reader is dropped, the writer and the other reader go on, and the stopped one, continued, is
/// told. SYSVIPC_STRESS=1 streams and kills many times more.
/// </summary>
public sealed partial class BroadcastCrashTests : IpcLeakGuard
{
    private const int SIGCONT = 18;
    private const int SIGSTOP = 19;
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(60);

    [Fact]
    public void ReadersKilledAtRandom_NeverHoldTheWriter_AndSurvivorsLoseNothing()
    {
        int messages = TestMessages.Stress ? 200_000 : 12_000;
        int kills = TestMessages.Stress ? 40 : 4;
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 8192, new() { Mode = ChannelMode.Broadcast, MaxReaders = 4, RemoveOnDispose = true });
        using SharedMemoryChannelWriter writer = channel.OpenWriter(new ChannelWaitStrategy { SleepSlice = TimeSpan.FromMilliseconds(20) });
        var random = new Random(Random.Shared.Next());
        using RemoteProcess survivor = StartReader(channel, "0");
        var victims = new List<RemoteProcess> { StartReader(channel, "0"), StartReader(channel, "0") };
        try
        {
            int killAt = messages / (kills + 1);
            for (int i = 0; i < messages; i++)
            {
                writer.Write(TestMessages.Make(1, i, random.Next(TestMessages.MinLength, 1500)), s_long);
                if (i % killAt == killAt - 1 && victims.Count > 0)
                {
                    // Kill one at a random moment of its reading (possibly holding the writer back), and let a new one join.
                    int v = random.Next(victims.Count);
                    victims[v].Kill();
                    victims[v].Dispose();
                    victims[v] = StartReader(channel, "0");
                }
            }

            writer.Complete();
            survivor.AssertExit(RemoteExecutor.SuccessExitCode, s_long);
            Assert.Contains($"READ {messages} ", survivor.StandardOutput, StringComparison.Ordinal);
            foreach (RemoteProcess victim in victims)
            {
                victim.AssertExit(RemoteExecutor.SuccessExitCode, s_long); // the last replacements read on to the end
            }
        }
        finally
        {
            victims.ForEach(v => v.Dispose());
        }
    }

    [Fact]
    public void DropAfter_ASigstoppedReaderIsDropped_TheOthersGoOn_AndItIsToldWhenContinued()
    {
        int messages = TestMessages.Stress ? 100_000 : 5_000;
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 8192, new()
        {
            Mode = ChannelMode.Broadcast,
            MaxReaders = 4,
            // Long enough that a steady reader starved by a loaded machine is not dropped too (100 ms was not, at load 30).
            SlowReaderPolicy = SlowReaderPolicy.DropAfter(TimeSpan.FromSeconds(3)),
            RemoveOnDispose = true,
        });
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using RemoteProcess steady = StartReader(channel, "0");
        using RemoteProcess stopped = StartReader(channel, "1");
        Assert.Equal(0, kill(stopped.Id, SIGSTOP));
        try
        {
            var random = new Random(3);
            for (int i = 0; i < messages; i++)
            {
                writer.Write(TestMessages.Make(1, i, random.Next(TestMessages.MinLength, 600)), s_long);
            }

            Assert.Contains(channel.GetParticipants(), p => p.ProcessId == stopped.Id && p.IsDropped);
            Assert.DoesNotContain(channel.GetParticipants(), p => p.ProcessId == steady.Id && p.IsDropped);
        }
        finally
        {
            _ = kill(stopped.Id, SIGCONT);
        }

        writer.Complete();
        steady.AssertExit(RemoteExecutor.SuccessExitCode, s_long);
        Assert.Contains($"READ {messages} ", steady.StandardOutput, StringComparison.Ordinal);
        stopped.AssertExit(RemoteExecutor.SuccessExitCode, s_long);
        Assert.Contains("DROPPED behind=", stopped.StandardOutput, StringComparison.Ordinal);
    }

    private static RemoteProcess StartReader(SharedMemoryChannel channel, string dropsAllowed)
    {
        RemoteProcess child = RemoteExecutor.Start(ReadToEnd, TestMessages.Arg(channel.Id), dropsAllowed);
        child.WaitForOutput("JOINED", s_long);
        return child;
    }

    /// <summary>Child: reads until the channel is completed; messages must be intact and contiguous (across a drop, when allowed, from where it resumed).</summary>
    public static int ReadToEnd(string segmentId, string dropsAllowed)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenById(TestMessages.Int(segmentId));
        using SharedMemoryChannelReader reader = channel.OpenReader();
        Console.WriteLine("JOINED");
        var buffer = new byte[channel.MaxMessageSize];
        long previous = -1;
        long count = 0;
        while (true)
        {
            try
            {
                if (!reader.WaitToRead(s_long))
                {
                    break;
                }

                while (reader.TryRead(buffer, out int length))
                {
                    (int producer, long sequence) = TestMessages.Check(buffer.AsSpan(0, length));
                    if (producer != 1 || (previous >= 0 && sequence != previous + 1))
                    {
                        Console.Error.WriteLine($"after message {previous} came {producer}/{sequence}");
                        return 1;
                    }

                    previous = sequence;
                    count++;
                }
            }
            catch (ChannelReaderDroppedException e) when (dropsAllowed == "1")
            {
                Console.WriteLine($"DROPPED behind={e.BytesBehind}");
                previous = -1; // it reads on from the newest message
            }
        }

        Console.WriteLine($"READ {count} ");
        return RemoteExecutor.SuccessExitCode;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
