using System.Globalization;
using SysV.Ipc.Interop;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Core;

/// <summary>
/// EACCES and EPERM for real: the segment belongs to root, and a child runs as user nobody (setpriv, no
/// capabilities), so the kernel's permission checks apply to it.
/// </summary>
[Trait("Category", CrossUser.Trait)]
public sealed class PermissionTests : IpcLeakGuard
{
    private static readonly string s_nobody = IsolatedChild.NobodyId.ToString(CultureInfo.InvariantCulture);

    [RequiresRootFact]
    public void AnotherUser_WithoutReadPermission_CannotOpen()
    {
        IpcKey key = TestKeys.Unique();
        using var segment = SharedMemorySegment.Create(key, 64, new() { Permissions = UnixFileMode.UserRead | UnixFileMode.UserWrite, RemoveOnDispose = true });
        Dictionary<string, ChildReport.Outcome> report = RunAsNobody(TryAsNobody, key, segment.Id);

        ChildReport.Outcome open = report["open"];
        Assert.Equal(nameof(IpcPermissionDeniedException), open.ExceptionType);
        Assert.Equal(Errno.EACCES, open.ErrorNumber);
        Assert.Equal($"Permission denied on shared memory segment with key {key} (id {segment.Id}) (shmctl(IPC_STAT): Permission denied): its mode does not grant this user (euid {s_nobody}) the requested access. Check owner and mode with 'ipcs -m -i ID', and have its owner widen them (SetPermissions) if this is intended.", open.Message);
        Assert.Equal(nameof(IpcPermissionDeniedException), report["openById"].ExceptionType);
        Assert.Equal(Errno.EACCES, report["openById"].ErrorNumber);
    }

    [RequiresRootFact]
    public void AnotherUser_WithReadOnlyPermission_CanAttachReadOnly_ButNotReadWrite()
    {
        IpcKey key = TestKeys.Unique();
        const UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead;
        using var segment = SharedMemorySegment.Create(key, 64, new() { Permissions = mode, RemoveOnDispose = true });
        using (SharedMemoryAttachment attachment = segment.Attach())
        {
            attachment.Write(0, 0x600DL);
        }

        Dictionary<string, ChildReport.Outcome> report = RunAsNobody(TryAsNobody, key, segment.Id);
        Assert.True(report["open"].Succeeded, report["open"].Message);
        Assert.True(report["attachReadOnly"].Succeeded, report["attachReadOnly"].Message);

        ChildReport.Outcome attach = report["attach"];
        Assert.Equal(nameof(IpcPermissionDeniedException), attach.ExceptionType);
        Assert.Equal(Errno.EACCES, attach.ErrorNumber);
        Assert.StartsWith($"Permission denied on shared memory segment with key {key} (id {segment.Id}) (shmat: Permission denied)", attach.Message, StringComparison.Ordinal);
    }

    [RequiresRootFact]
    public void AnotherUser_EvenWithReadWritePermission_MayNotRemoveChangeOrLock()
    {
        IpcKey key = TestKeys.Unique();
        const UnixFileMode all = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        using var segment = SharedMemorySegment.Create(key, 64, new() { Permissions = all, RemoveOnDispose = true });
        Dictionary<string, ChildReport.Outcome> report = RunAsNobody(TryAsNobody, key, segment.Id);

        Assert.True(report["attach"].Succeeded, report["attach"].Message);
        foreach (string step in new[] { "remove", "tryRemove", "setPermissions", "setOwner", "lock" })
        {
            ChildReport.Outcome outcome = report[step];
            Assert.True(outcome.ExceptionType == nameof(IpcPermissionDeniedException), $"{step}: {outcome}");
            Assert.Equal(Errno.EPERM, outcome.ErrorNumber);
            string target = step == "tryRemove" ? $"with id {segment.Id}" : $"with key {key} (id {segment.Id})"; // TryRemove knows only the id
            Assert.Contains($"Operation not permitted on shared memory segment {target}", outcome.Message, StringComparison.Ordinal);
            Assert.Contains("only its owner, its creator or a process with the needed capability", outcome.Message, StringComparison.Ordinal);
        }

        Assert.Contains("RLIMIT_MEMLOCK", report["lock"].Message, StringComparison.Ordinal);
        SharedMemoryInfo info = segment.GetInfo();
        Assert.Equal(all, info.Permissions);
        Assert.Equal(0u, info.OwnerUserId);
        Assert.False(info.IsLocked);
    }

    [RequiresRootFact]
    public void SetOwner_HandsControlToTheNewOwner()
    {
        IpcKey key = TestKeys.Unique();
        using var segment = SharedMemorySegment.Create(key, 64, options: new() { RemoveOnDispose = true });
        segment.SetOwner(IsolatedChild.NobodyId, IsolatedChild.NobodyId);

        // Owner bits now apply to nobody: it may read, write, change the mode and remove.
        Dictionary<string, ChildReport.Outcome> report = RunAsNobody(TryAsNobody, key, segment.Id);
        Assert.True(report["attach"].Succeeded, report["attach"].Message);
        Assert.True(report["setPermissions"].Succeeded, report["setPermissions"].Message);
        Assert.True(report["remove"].Succeeded, report["remove"].Message);
        Assert.Throws<IpcObjectNotFoundException>(segment.GetInfo);
    }

    [RequiresRootFact]
    public void FromFile_OnAPathThisUserCannotSearch_ThrowsUnauthorizedAccess()
    {
        string directory = Directory.CreateTempSubdirectory("sysvipc-private-").FullName;
        try
        {
            Shell.Check("chmod", "0700", directory);
            string path = Path.Combine(directory, "key-file");
            File.WriteAllText(path, string.Empty);

            using RemoteProcess child = IsolatedChild.StartAsUser(IsolatedChild.NobodyId, KeyFromFileAsNobody, path);
            child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(30));
            ChildReport.Outcome outcome = ChildReport.Parse(child.StandardOutput)["ftok"];
            Assert.Equal(nameof(UnauthorizedAccessException), outcome.ExceptionType);
            Assert.Equal($"Cannot derive an IPC key from '{path}': a directory on the path does not let this user (euid {s_nobody}) search it (Permission denied).", outcome.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static Dictionary<string, ChildReport.Outcome> RunAsNobody(Func<string, string, int> method, IpcKey key, int id)
    {
        using RemoteProcess child = IsolatedChild.StartAsUser(IsolatedChild.NobodyId, method, key.ToString(), id.ToString(CultureInfo.InvariantCulture));
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(30));
        return ChildReport.Parse(child.StandardOutput);
    }

    private static int TryAsNobody(string keyText, string idText)
    {
        IpcKey key = IpcKey.Parse(keyText);
        int id = int.Parse(idText, CultureInfo.InvariantCulture);
        if (Libc.geteuid() != IsolatedChild.NobodyId)
        {
            return 3;
        }

        ChildReport.Step("openById", () => SharedMemorySegment.OpenById(id).Dispose());
        SharedMemorySegment? segment = null;
        ChildReport.Step("open", () => segment = SharedMemorySegment.Open(key));
        if (segment is null)
        {
            return RemoteExecutor.SuccessExitCode;
        }

        ChildReport.Step("attachReadOnly", () => segment.Attach(SharedMemoryAccess.ReadOnly).Dispose());
        ChildReport.Step("attach", () => segment.Attach().Dispose());
        ChildReport.Step("lock", segment.Lock);
        ChildReport.Step("setOwner", () => segment.SetOwner(IsolatedChild.NobodyId, IsolatedChild.NobodyId));
        ChildReport.Step("setPermissions", () => segment.SetPermissions(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        ChildReport.Step("remove", segment.Remove);
        ChildReport.Step("tryRemove", () => SharedMemorySegment.TryRemove(id));
        return RemoteExecutor.SuccessExitCode;
    }

    private static int KeyFromFileAsNobody(string path)
    {
        ChildReport.Step("ftok", () => IpcKey.FromFile(path));
        return RemoteExecutor.SuccessExitCode;
    }
}
