using System.Text.RegularExpressions;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.SharedMemory;

/// <summary>What the create options ask the kernel for, seen in the shmget call itself (strace decodes its flags).</summary>
public sealed partial class SharedMemoryCreateFlagsTests : IpcLeakGuard
{
    [RequiresProgramFact("strace", "eng/install-prerequisites.sh installs it: apt-get install strace")]
    public void Create_WithNoReserve_PassesShmNoReserve_AndThePermissions_AndTheSegmentIsUsable()
    {
        string[] lines = Strace.RunRemote(typeof(SharedMemoryCreateFlagsTests), nameof(CreatePlainAndNoReserve), ["-e", "trace=shmget"], null);
        string[] creates = [.. lines.Where(l => ShmGetPrivate().IsMatch(l))];

        Assert.Equal(2, creates.Length);
        Assert.DoesNotContain("SHM_NORESERVE", creates[0], StringComparison.Ordinal); // the plain one: the flag comes from the option only
        Assert.Contains("SHM_NORESERVE", creates[1], StringComparison.Ordinal);
        Assert.Contains("IPC_CREAT|IPC_EXCL", creates[1], StringComparison.Ordinal);
        Assert.Contains("0640", creates[1], StringComparison.Ordinal); // Permissions from the same options object
    }

    private static int CreatePlainAndNoReserve()
    {
        using (SharedMemorySegment.Create(IpcKey.Private, 8192, new() { RemoveOnDispose = true }))
        {
        }

        using var segment = SharedMemorySegment.Create(IpcKey.Private, 8192, new()
        {
            NoReserve = true,
            Permissions = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
            RemoveOnDispose = true,
        });
        using SharedMemoryAttachment attachment = segment.Attach();
        attachment.Write(8184, 0x0102030405060708L);
        return attachment.Read<long>(8184) == 0x0102030405060708L ? RemoteExecutor.SuccessExitCode : 1;
    }

    [GeneratedRegex(@"shmget\(IPC_PRIVATE, 8192, [^)]*\)\s*=\s*\d+")]
    private static partial Regex ShmGetPrivate();
}
