using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SysV.Ipc.Nats.Tests;

/// <summary>
/// The four bridges as a program uses them: hosted services of one generic host (Host.CreateApplicationBuilder,
/// AddHostedService), in this test process's IPC namespace, through a real nats-server. A queue's messages go
/// out and come back into a second queue; a channel's go out and come back into a second channel. Then the
/// host is stopped as SIGTERM stops it (IHostApplicationLifetime.StopApplication): every bridge ends without
/// a fault and removes its lock and state.
/// </summary>
public sealed class GenericHostTests
{
    private const int Count = 300;

    [BridgeFact]
    public async Task The_bridges_run_as_hosted_services_and_stop_cleanly_with_the_host()
    {
        using var server = NatsServer.Start();
        string tag = Guid.NewGuid().ToString("N")[..8];
        IpcKey sourceQueue = RandomKey(0x3a), targetQueue = RandomKey(0x3a), sourceChannel = RandomKey(0x3b), targetChannel = RandomKey(0x3b);
        using MessageQueue source = MessageQueue.Create(sourceQueue);
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(sourceChannel, 1 << 16);
        try
        {
            HostApplicationBuilder builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(2));
            builder.Services.AddSingleton(new QueueBridgeOutOptions { Url = server.Url, QueueKey = sourceQueue, Subject = $"q{tag}.{{type}}", Stream = "Q" + tag, HostId = "h" });
            builder.Services.AddSingleton(new QueueBridgeInOptions { Url = server.Url, QueueKey = targetQueue, Subject = $"q{tag}.*", CreateQueue = true, HostId = "h" });
            builder.Services.AddSingleton(new ChannelBridgeOutOptions { Url = server.Url, ChannelKey = sourceChannel, Subject = $"c{tag}", Stream = "C" + tag, HostId = "h" });
            builder.Services.AddSingleton(new ChannelBridgeInOptions { Url = server.Url, ChannelKey = targetChannel, Subject = $"c{tag}", CreateChannel = true, ChannelCapacity = 1 << 16, HostId = "h" });
            builder.Services.AddHostedService<QueueBridgeOut>();
            builder.Services.AddHostedService<QueueBridgeIn>();
            builder.Services.AddHostedService<ChannelBridgeOut>();
            builder.Services.AddHostedService<ChannelBridgeIn>();
            using IHost host = builder.Build();

            // The host's meter factory carries the bridges' counters.
            long measured = 0;
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == BridgeMetrics.MeterName && instrument.Name == "sysvipc.bridge.messages")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref measured, value));
            listener.Start();

            Task running = host.RunAsync();
            NatsBridge[] bridges = [.. host.Services.GetServices<IHostedService>().OfType<NatsBridge>()];
            Assert.Equal(4, bridges.Length);
            await Task.WhenAll(bridges.Select(b => b.Ready)).WaitAsync(TimeSpan.FromMinutes(5));

            using SharedMemoryChannelWriter writer = channel.OpenWriter();
            for (int i = 0; i < Count; i++)
            {
                source.Send(1 + (i % 3), Body(i));
                writer.Write(Body(i), TimeSpan.FromMinutes(2));
            }

            using MessageQueue target = MessageQueue.Open(targetQueue);
            byte[] buffer = new byte[8192];
            for (int i = 0; i < Count; i++)
            {
                Assert.True(target.TryReceive(buffer, out long type, out int length, timeout: TimeSpan.FromMinutes(2)), $"queue message {i} did not arrive");
                Assert.Equal(1 + (i % 3), type);
                Assert.Equal(Body(i), buffer[..length]);
            }

            using (SharedMemoryChannel targetChannelObject = SharedMemoryChannel.Open(targetChannel))
            using (SharedMemoryChannelReader reader = targetChannelObject.OpenReader())
            {
                for (int i = 0; i < Count; i++)
                {
                    Assert.Equal(Body(i), reader.Read(TimeSpan.FromMinutes(2), CancellationToken.None));
                }
            }

            // As SIGTERM does under the console lifetime.
            host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            await running.WaitAsync(TimeSpan.FromMinutes(3));
            foreach (NatsBridge bridge in bridges)
            {
                Assert.NotNull(bridge.ExecuteTask);
                Assert.True(bridge.ExecuteTask!.IsCompletedSuccessfully, $"{bridge.GetType().Name} ended with {bridge.ExecuteTask.Status}: {bridge.ExecuteTask.Exception}");
                Assert.Equal(Count, bridge.Metrics.Messages);
            }

            listener.RecordObservableInstruments();
            Assert.Equal(4 * Count, Interlocked.Read(ref measured));

            // A clean stop leaves only the bridged objects: no lock, no state.
            foreach ((BridgeDirection direction, BridgedObject target2) in new[]
            {
                (BridgeDirection.Out, BridgedObject.Queue(sourceQueue)), (BridgeDirection.In, BridgedObject.Queue(targetQueue)),
                (BridgeDirection.Out, BridgedObject.Channel(sourceChannel)), (BridgeDirection.In, BridgedObject.Channel(targetChannel)),
            })
            {
                IpcKey own = BridgeKeys.For(direction, target2);
                Assert.False(KernelObjectExists("sem", own), $"the {direction} bridge of {target2} left its lock {own}");
                Assert.False(KernelObjectExists("shm", own), $"the {direction} bridge of {target2} left its state {own}");
            }
        }
        finally
        {
            source.Remove();
            channel.Remove();
            try
            {
                using MessageQueue q = MessageQueue.Open(targetQueue);
                q.Remove();
            }
            catch (IpcObjectNotFoundException)
            {
                // The in bridge did not get as far as creating it.
            }

            if (SharedMemoryChannel.TryOpen(targetChannel, out SharedMemoryChannel? c))
            {
                c.Remove();
                c.Dispose();
            }
        }
    }

    private static byte[] Body(int i) => [.. BitConverter.GetBytes(i), .. Enumerable.Range(0, 16 + (i * 37 % 3000)).Select(b => (byte)(b ^ i))];

    private static IpcKey RandomKey(int top) => new((top << 24) | Random.Shared.Next(1, 0x00ffffff));

    /// <summary>Whether /proc/sysvipc/{kind} lists an object with this key (first column, decimal).</summary>
    private static bool KernelObjectExists(string kind, IpcKey key) =>
        File.ReadLines("/proc/sysvipc/" + kind).Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0])
            .Any(k => int.Parse(k, CultureInfo.InvariantCulture) == key.Value);
}
