using System.Diagnostics;
using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Semaphores;

/// <summary>
/// Permissions as the kernel enforces them, seen from a child process running as another user (nobody,
/// through util-linux's setpriv): read permission lets it read values, only write (alter) lets it operate,
/// and only the owner or creator may change or remove the set. Needs root to switch users.
/// </summary>
[Trait("Category", CrossUser.Trait)]
public sealed class SemaphorePermissionTests : IpcLeakGuard
{
    private const string Nobody = "65534";

    [RequiresRootFact]
    public void OtherUser_ReadOnlyAccess_CanReadButNotOperateChangeOrRemove()
    {
        IpcKey key = TestKeys.Unique();
        using var set = SemaphoreSet.Create(key, 1, [4],
            new() { Permissions = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead, RemoveOnDispose = true });
        string output = RunAsNobody(nameof(TryEverythingAsAnotherUser), key.Value.ToString(CultureInfo.InvariantCulture));

        Assert.Contains("value: 4", output, StringComparison.Ordinal);
        Assert.Contains($"Release: IpcPermissionDeniedException: Permission denied on semaphore set with id {set.Id}", output, StringComparison.Ordinal);
        Assert.Contains($"SetPermissions: IpcPermissionDeniedException: Operation not permitted on semaphore set with key {key} (id {set.Id})", output, StringComparison.Ordinal);
        Assert.Contains("Remove: IpcPermissionDeniedException: Operation not permitted", output, StringComparison.Ordinal);
        Assert.Equal(4, set.GetValue(0));

        set.SetPermissions(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        output = RunAsNobody(nameof(TryEverythingAsAnotherUser), key.Value.ToString(CultureInfo.InvariantCulture));
        Assert.Contains($"Open: IpcPermissionDeniedException: Permission denied on semaphore set with id {set.Id}", output, StringComparison.Ordinal);
        Assert.Contains("ipcs -s -i ID", output, StringComparison.Ordinal);
    }

    private static int TryEverythingAsAnotherUser(string keyText)
    {
        var key = new IpcKey(int.Parse(keyText, CultureInfo.InvariantCulture));
        SemaphoreSet set;
        try
        {
            set = SemaphoreSet.Open(key);
        }
        catch (IpcException e)
        {
            Console.WriteLine($"Open: {e.GetType().Name}: {e.Message}");
            return RemoteExecutor.SuccessExitCode;
        }

        using (set)
        {
            Console.WriteLine("value: " + set.GetValue(0));
            Try("Release", () => set.Release(0));
            Try("SetPermissions", () => set.SetPermissions(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite));
            Try("Remove", set.Remove);
        }

        return RemoteExecutor.SuccessExitCode;

        static void Try(string what, Action action)
        {
            try
            {
                action();
                Console.WriteLine($"{what}: succeeded");
            }
            catch (IpcException e)
            {
                Console.WriteLine($"{what}: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    private static string RunAsNobody(string method, params string[] args)
    {
        ProcessStartInfo psi = CrossUser.RemoteStartInfo(IsolatedChild.NobodyId, typeof(SemaphorePermissionTests), method, args);
        using RemoteProcess child = RemoteProcess.Start(psi, method + " as nobody");
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));
        return child.StandardOutput;
    }
}
