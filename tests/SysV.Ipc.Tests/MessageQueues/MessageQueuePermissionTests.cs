using System.Diagnostics;
using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.MessageQueues;

/// <summary>
/// Permissions as the kernel enforces them on a queue, seen from a child process running as another user
/// (nobody, through util-linux's setpriv): read permission lets it receive, only write lets it send, and
/// only the owner or creator may change or remove the queue. Needs root to switch users.
/// </summary>
[Trait("Category", CrossUser.Trait)]
public sealed class MessageQueuePermissionTests : IpcLeakGuard
{
    private const string Nobody = "65534";

    [RequiresRootFact]
    public void OtherUser_ReadOnlyAccess_CanReceiveButNotSendChangeOrRemove()
    {
        IpcKey key = TestKeys.Unique();
        using var queue = MessageQueue.Create(key, new() { Permissions = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead });
        queue.RemoveOnDispose = true;
        queue.Send(8, Queues.Text("for anyone who may read"));
        string output = RunAsNobody(key);

        Assert.Contains("Receive: type 8 'for anyone who may read'", output, StringComparison.Ordinal);
        Assert.Contains($"Send: IpcPermissionDeniedException: Permission denied on message queue with key {key} (id {queue.Id}) (msgsnd:", output, StringComparison.Ordinal);
        Assert.Contains("(euid 65534)", output, StringComparison.Ordinal);
        Assert.Contains($"SetPermissions: IpcPermissionDeniedException: Operation not permitted on message queue with key {key} (id {queue.Id})", output, StringComparison.Ordinal);
        Assert.Contains("SetMaxBytes: IpcPermissionDeniedException: Operation not permitted", output, StringComparison.Ordinal);
        Assert.Contains("Remove: IpcPermissionDeniedException: Operation not permitted", output, StringComparison.Ordinal);
        Assert.Equal(0, queue.GetInfo().MessageCount);

        queue.SetPermissions(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        queue.Send(9, Queues.Text("private"));
        output = RunAsNobody(key);

        // msgget without flags asks for no access, so opening works; the first receive is refused.
        Assert.Contains($"Receive: IpcPermissionDeniedException: Permission denied on message queue with key {key} (id {queue.Id}) (msgrcv:", output, StringComparison.Ordinal);
        Assert.Contains("ipcs -q -i ID", output, StringComparison.Ordinal);
        Assert.Equal(1, queue.GetInfo().MessageCount);
    }

    private static int TryEverythingAsAnotherUser(string keyText)
    {
        var key = new IpcKey(int.Parse(keyText, CultureInfo.InvariantCulture));
        MessageQueue queue;
        try
        {
            queue = MessageQueue.Open(key);
        }
        catch (IpcException e)
        {
            Console.WriteLine($"Open: {e.GetType().Name}: {e.Message}");
            return RemoteExecutor.SuccessExitCode;
        }

        using (queue)
        {
            Try("Receive", () =>
            {
                var buffer = new byte[64];
                int length = queue.Receive(buffer, out long type);
                return $"type {type} '{Queues.Text(buffer.AsSpan(0, length))}'";
            });
            Try("Send", () => { queue.Send(1, Queues.Text("x")); return "sent"; });
            Try("SetPermissions", () => { queue.SetPermissions(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite); return "changed"; });
            Try("SetMaxBytes", () => { queue.SetMaxBytes(100); return "changed"; });
            Try("Remove", () => { queue.Remove(); return "removed"; });
        }

        return RemoteExecutor.SuccessExitCode;

        static void Try(string what, Func<string> action)
        {
            try
            {
                Console.WriteLine($"{what}: {action()}");
            }
            catch (IpcException e)
            {
                Console.WriteLine($"{what}: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    private static string RunAsNobody(IpcKey key)
    {
        ProcessStartInfo psi = CrossUser.RemoteStartInfo(IsolatedChild.NobodyId, typeof(MessageQueuePermissionTests), nameof(TryEverythingAsAnotherUser), [key.Value.ToString(CultureInfo.InvariantCulture)]);
        using RemoteProcess child = RemoteProcess.Start(psi, "queue access as nobody");
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));
        return child.StandardOutput;
    }
}
