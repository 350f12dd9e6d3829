using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Foundation;

public sealed class SharedMemorySmokeTests : IpcLeakGuard
{
    [Fact]
    public void ChildWrites_ParentReads_AfterChildExited()
    {
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 3333, options: new() { RemoveOnDispose = true });
        RemoteExecutor.Run(WriteGreeting, segment.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var attachment = segment.Attach(readOnly: true);
        Assert.Equal(0x5eed_cafe_f00d_beefUL, attachment.Read<ulong>(3333 - 8));
    }

    private static int WriteGreeting(string id)
    {
        using var segment = SharedMemorySegment.OpenById(int.Parse(id, System.Globalization.CultureInfo.InvariantCulture));
        using var attachment = segment.Attach();
        attachment.Write(3333 - 8, 0x5eed_cafe_f00d_beefUL);
        return RemoteExecutor.SuccessExitCode;
    }
}
