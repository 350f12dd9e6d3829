using System.Runtime.InteropServices;
using SysV.Ipc.Interop;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Core;

/// <summary>
/// The exception hierarchy and the errno mapping for the errors not produced by the shared-memory tests:
/// EIDRM from a real blocked call, ENOSPC from real limits (lowered in a child's own IPC namespace).
/// </summary>
public sealed unsafe class IpcExceptionTests : IpcLeakGuard
{
    [Fact]
    public void EveryExceptionIsAnIpcExceptionIsAnIOException()
    {
        Type[] types = [typeof(IpcObjectExistsException), typeof(IpcObjectNotFoundException), typeof(IpcObjectRemovedException), typeof(IpcPermissionDeniedException), typeof(IpcLimitExceededException)];
        foreach (Type type in types)
        {
            Assert.True(type.IsSubclassOf(typeof(IpcException)), type.Name);
        }

        Assert.True(typeof(IpcException).IsSubclassOf(typeof(IOException)));

        var inner = new InvalidOperationException("cause");
        var wrapped = new IpcException("what happened", inner);
        Assert.Same(inner, wrapped.InnerException);
        Assert.Equal(0, wrapped.ErrorNumber);
        Assert.Null(wrapped.Kind);
        Assert.Null(wrapped.Key);
        Assert.Null(wrapped.Id);
        Assert.Equal("plain", new IpcException("plain").Message);

        var full = new IpcObjectRemovedException("gone", Errno.EIDRM, IpcObjectKind.MessageQueue, new IpcKey(5), 7);
        Assert.Equal(Errno.EIDRM, full.ErrorNumber);
        Assert.Equal(Errno.EIDRM, full.HResult);
        Assert.Equal(IpcObjectKind.MessageQueue, full.Kind);
        Assert.Equal(new IpcKey(5), full.Key);
        Assert.Equal(7, full.Id);
    }

    [Fact]
    public void AnObjectRemovedUnderABlockedCall_IsIpcObjectRemovedException()
    {
        // Shared memory has no blocking call, so EIDRM is produced where the kernel really gives it: a
        // msgrcv blocked on a queue that is removed. Its errno goes through the one mapping.
        for (int attempt = 1; ; attempt++)
        {
            int id = Libc.msgget(Libc.IPC_PRIVATE, Libc.IPC_CREAT | 0x180);
            Assert.True(id >= 0);
            int errno = 0;
            var receiver = new Thread(() => errno = ReceiveOnce(id));
            receiver.Start();
            Thread.Sleep(100 * attempt); // let it block
            Assert.Equal(0, Libc.msgctl(id, Libc.IPC_RMID, null));
            Assert.True(receiver.Join(TimeSpan.FromSeconds(10)));
            if (errno == Errno.EINVAL && attempt < 5)
            {
                continue; // the queue was gone before msgrcv started: try again with more time
            }

            Assert.Equal(Errno.EIDRM, errno);
            IpcException e = IpcErrors.Create(errno, "msgrcv", IpcObjectKind.MessageQueue, null, id);
            var removed = Assert.IsType<IpcObjectRemovedException>(e);
            Assert.Equal(id, removed.Id);
            Assert.Equal($"Message queue with id {id} was removed while this process was using it (msgrcv: Identifier removed); another process called IPC_RMID or ran ipcrm. Recreate it if the work must go on.", e.Message);
            return;
        }
    }

    [RequiresRootFact]
    public void SystemLimits_AreIpcLimitExceededException_NamingTheLimit()
    {
        // SHMMNI and SHMALL belong to the IPC namespace: lower them only in a child's private namespace.
        using RemoteProcess child = IsolatedChild.StartInNewIpcNamespace(HitLimitsInChild);
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(30));
        Dictionary<string, ChildReport.Outcome> report = ChildReport.Parse(child.StandardOutput);

        foreach (string step in new[] { "shmmni", "shmall" })
        {
            ChildReport.Outcome outcome = report[step];
            Assert.True(outcome.ExceptionType == nameof(IpcLimitExceededException), $"{step}: {outcome}");
            Assert.Equal(Errno.ENOSPC, outcome.ErrorNumber);
            Assert.Contains("Cannot create shared memory segment with key 0x00001235: a system limit is reached (shmget: No space left on device)", outcome.Message, StringComparison.Ordinal);
            Assert.Contains("raise /proc/sys/kernel/shmmni (number of segments) or shmall (total pages)", outcome.Message, StringComparison.Ordinal);
        }
    }

    private static int ReceiveOnce(int id)
    {
        long* message = stackalloc long[2];
        nint received = Libc.msgrcv(id, message, sizeof(long), 0, 0);
        return received < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    private static int HitLimitsInChild()
    {
        File.WriteAllText("/proc/sys/kernel/shmmni", "1");
        using (var only = SharedMemorySegment.Create(new IpcKey(0x1234), 64, options: new() { RemoveOnDispose = true }))
        {
            ChildReport.Step("shmmni", () => SharedMemorySegment.Create(new IpcKey(0x1235), 64).Remove());
        }

        File.WriteAllText("/proc/sys/kernel/shmmni", "4096");
        File.WriteAllText("/proc/sys/kernel/shmall", "1");
        ChildReport.Step("shmall", () => SharedMemorySegment.Create(new IpcKey(0x1235), 2 * Environment.SystemPageSize).Remove());
        return IpcSystem.ListSharedMemory().Count == 0 ? RemoteExecutor.SuccessExitCode : 1;
    }
}
