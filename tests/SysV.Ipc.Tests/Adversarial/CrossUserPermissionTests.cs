using System.Globalization;
using SysV.Ipc.Interop;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Adversarial;

/// <summary>
/// The higher layers as another user sees them (a child as nobody, through setpriv): a SharedStruct area,
/// an IpcMutex and a channel made by root with mode 0600 (nobody may do nothing) and 0644 (nobody may read,
/// not write or operate). Every refusal is the documented permission error, and nothing is changed.
/// </summary>
[Trait("Category", CrossUser.Trait)]
public sealed class CrossUserPermissionTests : IpcLeakGuard
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Readable = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public struct Counter
    {
        public long Value;
    }

    [RequiresRootFact]
    public void AnAreaAMutexAndAChannel_At0600_RefuseAnotherUser_AndAt0644_LetItOnlyRead()
    {
        foreach (UnixFileMode mode in new[] { Private, Readable })
        {
            using var area = SharedStruct<Counter>.Create(IpcKey.Private, (ref Counter c) => c.Value = 41, new() { Permissions = mode, RemoveOnDispose = true });
            using var mutex = IpcMutex.Create(IpcKey.Private, new() { Permissions = mode, RemoveOnDispose = true });
            using var channel = SharedMemoryChannel.Create(IpcKey.Private, 64 * 1024, new() { RemoveOnDispose = true, Permissions = mode });
            using SharedMemoryChannelWriter writer = channel.OpenWriter();
            writer.Write("for the reader"u8, TimeSpan.FromSeconds(10));

            using RemoteProcess child = IsolatedChild.StartAsUser(IsolatedChild.NobodyId, TryAsNobody,
                area.Id.ToString(CultureInfo.InvariantCulture), mutex.Semaphores.Id.ToString(CultureInfo.InvariantCulture), channel.Id.ToString(CultureInfo.InvariantCulture));
            child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));
            Dictionary<string, ChildReport.Outcome> report = ChildReport.Parse(child.StandardOutput);
            string modeText = Convert.ToString((int)mode, 8);

            AssertDenied(report, "areaReadWrite", modeText);
            AssertDenied(report, "mutexAcquire", modeText);
            AssertDenied(report, "channelReader", modeText);
            AssertDenied(report, "channelWriter", modeText);
            if (mode == Private)
            {
                AssertDenied(report, "areaReadOnly", modeText);
            }
            else
            {
                Assert.True(report["areaReadOnly"].Succeeded, $"0{modeText}: {report["areaReadOnly"].Message}");
            }

            // Nothing the refused calls did changed anything.
            Assert.Equal(41, area.Value.Value);
            Assert.True(mutex.TryAcquire(TimeSpan.Zero, out IpcMutexScope scope), $"0{modeText}: the mutex was left taken");
            Assert.False(scope.WasAbandoned);
            scope.Dispose();
            using SharedMemoryChannelReader reader = channel.OpenReader();
            Assert.Equal("for the reader"u8.ToArray(), reader.Read(TimeSpan.FromSeconds(10), CancellationToken.None));
        }
    }

    private static void AssertDenied(Dictionary<string, ChildReport.Outcome> report, string step, string mode)
    {
        ChildReport.Outcome outcome = report[step];
        Assert.True(outcome.ExceptionType == nameof(IpcPermissionDeniedException), $"0{mode} {step}: {outcome.ExceptionType}: {outcome.Message}");
        Assert.Contains("euid 65534", outcome.Message, StringComparison.Ordinal);
    }

    private static int TryAsNobody(string areaId, string mutexId, string channelId)
    {
        if (Libc.geteuid() != IsolatedChild.NobodyId)
        {
            return 3;
        }

        int area = int.Parse(areaId, CultureInfo.InvariantCulture);
        var quick = new SharedStructOptions { InitializationTimeout = TimeSpan.FromSeconds(5) };
        ChildReport.Step("areaReadWrite", () => SharedStruct<Counter>.OpenById(area, SharedMemoryAccess.ReadWrite, quick).Dispose());
        ChildReport.Step("areaReadOnly", () =>
        {
            using var opened = SharedStruct<Counter>.OpenById(area, SharedMemoryAccess.ReadOnly, quick);
            if (opened.ReadOnlyValue.Value != 41)
            {
                throw new InvalidOperationException($"read {opened.ReadOnlyValue.Value}, not 41");
            }
        });
        ChildReport.Step("mutexAcquire", () =>
        {
            using var mutex = IpcMutex.OpenById(int.Parse(mutexId, CultureInfo.InvariantCulture));
            using IpcMutexScope scope = mutex.Acquire(TimeSpan.FromSeconds(5));
        });
        int channel = int.Parse(channelId, CultureInfo.InvariantCulture);
        ChildReport.Step("channelReader", () =>
        {
            using SharedMemoryChannel opened = SharedMemoryChannel.OpenById(channel);
            opened.OpenReader().Dispose();
        });
        ChildReport.Step("channelWriter", () =>
        {
            using SharedMemoryChannel opened = SharedMemoryChannel.OpenById(channel);
            opened.OpenWriter().Dispose();
        });
        return RemoteExecutor.SuccessExitCode;
    }
}
