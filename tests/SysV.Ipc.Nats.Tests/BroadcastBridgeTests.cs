using Xunit.Abstractions;

namespace SysV.Ipc.Nats.Tests;

/// <summary>
/// A broadcast channel as the out bridge's source: the bridge takes one reader place among the channel's
/// readers. Host A is the test process's own namespace: the test writes the channel and reads it with a
/// reader of its own, 'sysvipc bridge out --channel' (another process) is a second reader, and 'sysvipc
/// bridge in --channel' fills a channel in host B, where a C program reads and checks every message.
/// </summary>
public sealed class BroadcastBridgeTests(ITestOutputHelper output)
{
    private const int MaxSize = 2048;

    /// <summary>How many messages the writer of the long run may be ahead of what host B received: 4,096 of at most 2 KiB, half the 16 MiB ring.</summary>
    private const int Lead = 4096;

    [BridgeFact]
    public void A_broadcast_channel_reaches_the_other_host_through_one_reader_place_and_its_other_readers_get_everything()
    {
        int count = Stress.Pick(4000, 20_000);
        int killsWanted = Stress.Pick(2, 10);
        var key = new IpcKey(0x3d000000 | Random.Shared.Next(1, 0x00ffffff));
        // 16 MiB: the writer stays at most Lead messages (8 MiB) ahead of host B, so the ring holds what a killed
        // bridge has not read however long its successor takes to start on a starved machine.
        using var channel = SharedMemoryChannel.Create(key, 16 << 20, new SharedMemoryChannelOptions { Mode = ChannelMode.Broadcast, MaxReaders = 4, RemoveOnDispose = true });
        using SharedMemoryChannelReader local = channel.OpenReader();
        IpcKey bridgeKey = BridgeKeys.For(BridgeDirection.Out, BridgedObject.Channel(key));
        try
        {
            Run(channel, local, key, count, killsWanted);
        }
        finally
        {
            // Host A is this process's namespace: a bridge that did not stop cleanly leaves its lock and state here.
            RemoveLeftovers(bridgeKey);
        }
    }

    [BridgeFact]
    public void What_the_writer_overwrote_while_no_bridge_ran_is_logged_as_lost_not_hidden()
    {
        var key = new IpcKey(0x3d000000 | Random.Shared.Next(1, 0x00ffffff));
        using var channel = SharedMemoryChannel.Create(key, 64 << 10, new SharedMemoryChannelOptions { Mode = ChannelMode.Broadcast, MaxReaders = 4, RemoveOnDispose = true });
        using SharedMemoryChannelReader local = channel.OpenReader();
        try
        {
            using var scenario = Scenario.Start(output, channel: true, hostA: IpcHost.Current("A"), sourceKey: key);
            using SharedMemoryChannelWriter writer = channel.OpenWriter();
            for (int i = 0; i < 10; i++)
            {
                writer.Write(BridgeMessage.Make(1000, 1, (ulong)i));
                local.Read(Receiver.NoProgressLimit, CancellationToken.None);
            }

            // JetStream acknowledged all ten once the bridge's record says so (the position after the tenth is where the local reader is).
            IpcKey bridgeKey = BridgeKeys.For(BridgeDirection.Out, BridgedObject.Channel(key));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (RecordedPosition(bridgeKey) != local.Position)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(5), $"the bridge did not publish the first messages (its record: {RecordedPosition(bridgeKey)}, the local reader at {local.Position}):\n" + scenario.Out.Log);
                Thread.Sleep(20);
            }

            scenario.Out.Kill();
            for (int i = 10; i < 200; i++) // 190 KB through a 64 KiB ring: the writer frees the dead bridge's place and overwrites
            {
                writer.Write(BridgeMessage.Make(1000, 1, (ulong)i));
                local.Read(Receiver.NoProgressLimit, CancellationToken.None);
            }

            scenario.KillAndRestartOut();
            output.WriteLine(scenario.Out.Log);
            Assert.Contains("overwritten by its writer before this bridge read them (no bridge was reading while the writer needed the room)", scenario.Out.Log, StringComparison.Ordinal);
            scenario.Out.Terminate();
            Assert.True(scenario.Out.WaitForExit(BridgeProcess.StopBound), "the out bridge did not stop on SIGTERM:\n" + scenario.Out.Log);
        }
        finally
        {
            RemoveLeftovers(BridgeKeys.For(BridgeDirection.Out, BridgedObject.Channel(key)));
        }
    }

    [BridgeFact]
    public void A_first_bridge_killed_before_JetStream_acknowledged_anything_leaves_its_join_position_and_its_successor_publishes_every_message_written_since()
    {
        const int count = 300;
        var key = new IpcKey(0x3d000000 | Random.Shared.Next(1, 0x00ffffff));
        // 4 MiB holds all 300 messages (up to 2 KiB each): nothing is overwritten, so every one must arrive.
        using var channel = SharedMemoryChannel.Create(key, 4 << 20, new SharedMemoryChannelOptions { Mode = ChannelMode.Broadcast, MaxReaders = 4, RemoveOnDispose = true });
        using SharedMemoryChannelReader local = channel.OpenReader();
        try
        {
            using var scenario = Scenario.Start(output, channel: true, hostA: IpcHost.Current("A"), sourceKey: key);
            Assert.Contains("Broadcast channel: a new reader", scenario.Out.Log, StringComparison.Ordinal);
            // Nothing was written yet: the bridge joined where the local reader is, and its record says so already.
            Assert.Equal(local.Position, RecordedPosition(BridgeKeys.For(BridgeDirection.Out, BridgedObject.Channel(key))));

            // JetStream goes away before the first message: the bridge peeks it and publishes it, and nothing is acknowledged.
            scenario.Server.Kill();
            using (SharedMemoryChannelWriter writer = channel.OpenWriter())
            {
                var random = new Random(count);
                for (int i = 0; i < count; i++)
                {
                    writer.Write(BridgeMessage.Make(random.Next(BridgeMessage.HeaderSize, MaxSize + 1), 1, (ulong)i));
                    Assert.Equal(i, BridgeMessage.Check(local.Read(Receiver.NoProgressLimit, CancellationToken.None), 1));
                }
            }

            // Its publication of the first message failed (so it had joined, and no acknowledgement can have come): SIGKILL it now.
            scenario.Out.WaitFor("Publishing to JetStream failed", TimeSpan.FromMinutes(3));
            scenario.Out.Kill();
            scenario.Server.Restart(TimeSpan.Zero);
            scenario.KillAndRestartOut();
            output.WriteLine("the successor's log:\n" + scenario.Out.Log);

            using Receiver receiver = Receiver.ForChannel(scenario.B, Scenario.TargetKey, count);
            ReceiveReport report = receiver.WaitForAll();
            output.WriteLine($"B: {receiver}");
            Assert.True(report.Unique == count, $"{report.Unique} of the {count} messages written after the first bridge joined reached host B; its successor's log:\n{scenario.Out.Log}");
            Assert.Equal(0, report.Duplicates); // none was acknowledged before the kill, so none is published twice
            Assert.Equal(0, report.OrderErrors);
            Assert.Equal(0, report.Corrupt);
            Assert.Contains("resuming after the previous bridge's last published message", scenario.Out.Log, StringComparison.Ordinal);
            Assert.DoesNotContain("overwritten by its writer", scenario.Out.Log, StringComparison.Ordinal);
            scenario.Out.Terminate();
            Assert.True(scenario.Out.WaitForExit(BridgeProcess.StopBound), "the out bridge did not stop on SIGTERM:\n" + scenario.Out.Log);
        }
        finally
        {
            RemoveLeftovers(BridgeKeys.For(BridgeDirection.Out, BridgedObject.Channel(key)));
        }
    }

    /// <summary>The position the broadcast out bridge's record holds (after the last acknowledged message, or where it joined), or long.MinValue when there is no record.</summary>
    private static long RecordedPosition(IpcKey bridgeKey)
    {
        if (!SharedMemorySegment.TryOpen(bridgeKey, out SharedMemorySegment? segment))
        {
            return long.MinValue;
        }

        using (segment)
        using (SharedMemoryAttachment record = segment.Attach(SharedMemoryAccess.ReadOnly))
        {
            return record.Read<long>(32); // BroadcastOutState: next position i64 @32
        }
    }

    private static void RemoveLeftovers(IpcKey bridgeKey)
    {
        if (SemaphoreSet.TryOpen(bridgeKey, out SemaphoreSet? set))
        {
            set.TryRemove();
            set.Dispose();
        }

        if (SharedMemorySegment.TryOpen(bridgeKey, out SharedMemorySegment? segment))
        {
            segment.TryRemove();
            segment.Dispose();
        }
    }

    private void Run(SharedMemoryChannel channel, SharedMemoryChannelReader local, IpcKey key, int count, int killsWanted)
    {
        using var scenario = Scenario.Start(output, channel: true, hostA: IpcHost.Current("A"), sourceKey: key);
        Assert.Contains("Broadcast channel: a new reader", scenario.Out.Log, StringComparison.Ordinal);

        using Receiver receiver = Receiver.ForChannel(scenario.B, Scenario.TargetKey, count);
        Task writing = Task.Run(() =>
        {
            using SharedMemoryChannelWriter writer = channel.OpenWriter();
            var random = new Random(count);
            for (int i = 0; i < count; i++)
            {
                // Paced by what B got, not by how fast a restart is: otherwise a starved machine lets the writer lap
                // the ring before the bridge is back, and the test would see the loss the contract allows then.
                while (i - receiver.Unique >= Lead && receiver.IsRunning)
                {
                    Thread.Sleep(5);
                }

                writer.Write(BridgeMessage.Make(random.Next(BridgeMessage.HeaderSize, MaxSize + 1), 1, (ulong)i));
                Thread.Sleep(1);
            }
        });
        Task<(int Received, int Errors)> localReading = Task.Run(() =>
        {
            int errors = 0;
            for (int i = 0; i < count; i++)
            {
                if (BridgeMessage.Check(local.Read(Receiver.NoProgressLimit, CancellationToken.None), 1) != i)
                {
                    errors++;
                }
            }

            return (count, errors);
        });

        int kills = 0;
        var pause = new Random();
        while (receiver.IsRunning && kills < killsWanted)
        {
            Thread.Sleep(pause.Next(300, 1500));
            scenario.KillAndRestartOut();
            kills++;
            scenario.Out.WaitFor("resuming after the previous bridge's last published message");
        }

        ReceiveReport report = receiver.WaitForAll();
        writing.Wait();
        (int localReceived, int localErrors) = localReading.Result;
        output.WriteLine($"kills of the out bridge: {kills}; B: {receiver}; local reader: {localReceived} read, {localErrors} wrong");
        output.WriteLine("out bridge log:\n" + scenario.Out.Log + "\nin bridge log:\n" + scenario.In.Log);
        Assert.Equal((count, 0), (localReceived, localErrors));
        Assert.Equal(count, report.Unique);
        Assert.Equal(0, report.OrderErrors);
        Assert.Equal(0, report.Corrupt);
        Assert.Equal(0, report.Duplicates); // a republished message has its old id: JetStream drops it
        Assert.True(kills >= 1, "the run finished before a kill");
        Assert.DoesNotContain("overwritten by its writer", scenario.Out.Log, StringComparison.Ordinal);

        // SIGTERM: the bridge leaves the broadcast, its reader place, lock and record.
        scenario.Out.Terminate();
        Assert.True(scenario.Out.WaitForExit(BridgeProcess.StopBound), "the out bridge did not stop on SIGTERM:\n" + scenario.Out.Log);
        Assert.True(scenario.Out.ExitCode == 0, $"exit code {scenario.Out.ExitCode}:\n{scenario.Out.Log}");
        IpcKey bridgeKey = BridgeKeys.For(BridgeDirection.Out, BridgedObject.Channel(key));
        Assert.False(SharedMemorySegment.TryOpen(bridgeKey, out _), "the stopped bridge left its record");
        Assert.Single(channel.GetParticipants(), p => p.Role == ChannelRole.Consumer && p.IsAlive); // only the local reader
    }
}
