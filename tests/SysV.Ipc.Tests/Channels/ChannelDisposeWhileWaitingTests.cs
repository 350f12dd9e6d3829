using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Channels;

/// <summary>
/// Disposing a reader or writer (and the channel) from another thread while a thread waits in it, the
/// usual way to stop a blocked consumer at shutdown: the waiter ends with ObjectDisposedException promptly,
/// never with an access violation on memory unmapped under it. Each case runs in a child process, so a
/// crash is an exit code the test reports rather than the end of the test run.
/// </summary>
public sealed class ChannelDisposeWhileWaitingTests : IpcLeakGuard
{
    [Theory]
    [InlineData("reader-sync")]
    [InlineData("reader-async")]
    [InlineData("writer-sync")]
    [InlineData("writer-async")]
    public void DisposingWhileAnotherThreadWaits_EndsTheWaitWithObjectDisposed_AndUnmapsAfterIt(string which)
    {
        using RemoteProcess child = RemoteExecutor.Start(DisposeUnderAWaiter, which);
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));
        Assert.Contains("waiter ended with ObjectDisposedException", child.StandardOutput, StringComparison.Ordinal);
    }

    private static int DisposeUnderAWaiter(string which)
    {
        // A long sleep slice: the waiter must be woken by the disposal, not by its own next look.
        var wait = new ChannelWaitStrategy { SpinCount = 0, YieldCount = 0, SleepSlice = TimeSpan.FromSeconds(10) };
        // Only the side under test is open, so disposing it and the channel drops the last reference to the mapping.
        var channel = SharedMemoryChannel.Create(IpcKey.Private, 4096, new() { RemoveOnDispose = true });
        bool readerSide = which.StartsWith("reader", StringComparison.Ordinal);
        SharedMemoryChannelReader? reader = readerSide ? channel.OpenReader(wait) : null;
        SharedMemoryChannelWriter? writer = readerSide ? null : channel.OpenWriter(wait);
        var message = new byte[1000];
        while (writer is not null && writer.TryWrite(message))
        {
        }

        Task waiter = which switch
        {
            "reader-sync" => Task.Factory.StartNew(() => reader!.Read(new byte[4096]), TaskCreationOptions.LongRunning),
            "reader-async" => reader!.ReadAsync().AsTask(),
            "writer-sync" => Task.Factory.StartNew(() => writer!.Write(message), TaskCreationOptions.LongRunning),
            _ => writer!.WriteAsync(message).AsTask(),
        };

        Thread.Sleep(300); // the waiter is asleep on the futex by now
        if (waiter.IsCompleted)
        {
            Console.WriteLine($"the waiter did not wait: {waiter.Status}");
            return 1;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        ((IDisposable?)reader ?? writer!).Dispose();
        channel.Dispose();
        try
        {
            if (!waiter.Wait(TimeSpan.FromSeconds(5)))
            {
                Console.WriteLine("the waiter was still waiting 5 s after the disposal");
                return 1;
            }

            Console.WriteLine($"the waiter returned normally: {waiter.Status}");
            return 1;
        }
        catch (AggregateException e) when (e.InnerException is ObjectDisposedException)
        {
            Console.WriteLine($"waiter ended with ObjectDisposedException after {clock.ElapsedMilliseconds.ToString(CultureInfo.InvariantCulture)} ms");
        }
        catch (AggregateException e)
        {
            Console.WriteLine($"the waiter failed otherwise: {e.InnerException}");
            return 1;
        }

        // The channel and its one reader or writer are disposed, and the waiter is done: the segment is unmapped and removed.
        return IpcSystem.ListAll().Any(o => o.Id == channel.Id && o.Kind == IpcObjectKind.SharedMemory) ? 1 : RemoteExecutor.SuccessExitCode;
    }
}
