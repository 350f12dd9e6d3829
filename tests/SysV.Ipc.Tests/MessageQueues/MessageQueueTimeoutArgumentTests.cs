using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.MessageQueues;

public sealed class MessageQueueTimeoutArgumentTests : IpcLeakGuard
{
    [Fact]
    public void ASubMillisecondNegativeTimeoutIsAnArgumentErrorAndNothingIsSentOrTaken()
    {
        using var queue = MessageQueue.Create(IpcKey.Private);
        queue.RemoveOnDispose = true;
        TimeSpan negative = TimeSpan.FromTicks(-5000); // -0.5 ms: not Timeout.InfiniteTimeSpan, not zero

        Assert.Throws<ArgumentOutOfRangeException>(() => queue.TrySend(1, "x"u8, negative));
        Assert.Equal(0, queue.GetInfo().MessageCount);

        queue.Send(1, "y"u8);
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.TryReceive(new byte[16], out _, out _, timeout: negative));
        Assert.Equal(1, queue.GetInfo().MessageCount);
    }
}
