using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Adversarial;

/// <summary>
/// An object whose id the kernel gave to a new object of the same kind: /proc/sys/kernel/*_next_id (writable
/// by root in a private IPC namespace) makes the next create take the removed object's id. A stale object
/// must never trust what it cached for memory safety: it either works on the new object within the new
/// object's real size, or fails with an IpcException; it never writes or reads past a buffer, and never
/// crashes. Each case runs in a child in a fresh IPC namespace, so a crash fails the test and the forced id
/// cannot be taken by a parallel test.
/// </summary>
[Collection(nameof(StaleIdTests))]
public sealed class StaleIdTests : IpcLeakGuard
{
    [RequiresRootFact]
    public void AStaleSegment_OverASmallerOneWithItsId_NeverAccessesPastTheNewSegment() => Run(nameof(StaleSegment));

    [RequiresRootFact]
    public void AStaleSemaphoreSet_OverALargerOneWithItsId_NeverWritesOrReadsPastTheCallersSpan() => Run(nameof(StaleSemaphoreSet));

    [RequiresRootFact]
    public void AStaleQueue_OverANewOneWithItsId_FailsClearlyOrWorksOnTheNewQueue_NeverCrashes() => Run(nameof(StaleQueue));

    private static void Run(string method)
    {
        using RemoteProcess child = IsolatedChild.StartInNewIpcNamespace(
            (Func<int>)(method switch { nameof(StaleSegment) => StaleSegment, nameof(StaleSemaphoreSet) => StaleSemaphoreSet, _ => StaleQueue }));
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));
    }

    private static void ForceNextId(string kind, int id) =>
        File.WriteAllText($"/proc/sys/kernel/{kind}_next_id", id.ToString(CultureInfo.InvariantCulture));

    private static int StaleSegment()
    {
        using var big = SharedMemorySegment.Create(IpcKey.Private, 1 << 20);
        using var stale = SharedMemorySegment.OpenById(big.Id);
        big.Remove();
        ForceNextId("shm", big.Id);
        using var small = SharedMemorySegment.Create(IpcKey.Private, 4096, options: new() { RemoveOnDispose = true });
        Check(small.Id == big.Id, $"the kernel gave id {small.Id}, not {big.Id}");

        try
        {
            using SharedMemoryAttachment attachment = stale.Attach();
            Check(attachment.Length <= 4096, $"the stale attachment reports {attachment.Length} bytes over a 4096-byte segment");
            attachment.Write(attachment.Length - 8, 42L); // the last bytes of the real segment
            Expect<ArgumentException>(() => attachment.Read<long>((1 << 20) - 8)); // past it: refused, not a SIGSEGV
        }
        catch (IpcException)
        {
            // A clear error (the id now names another segment) is as good.
        }

        return RemoteExecutor.SuccessExitCode;
    }

    private static int StaleSemaphoreSet()
    {
        using var two = SemaphoreSet.Create(IpcKey.Private, 2, [1, 2]);
        using var stale = SemaphoreSet.OpenById(two.Id);
        two.Remove();
        ForceNextId("sem", two.Id);
        int[] hundred = Enumerable.Range(0, 100).Select(i => (i + 10)).ToArray();
        using var large = SemaphoreSet.Create(IpcKey.Private, 100, hundred, options: new() { RemoveOnDispose = true });
        Check(large.Id == two.Id, $"the kernel gave id {large.Id}, not {two.Id}");

        // The caller's span holds 2 values; what follows it must stay untouched.
        int[] buffer = new int[2 + 98];
        Array.Fill(buffer, 0x5A5A);
        try
        {
            stale.GetValues(buffer.AsSpan(0, stale.Count));
        }
        catch (IpcException)
        {
        }

        Check(buffer.AsSpan(2).IndexOfAnyExcept(0x5A5A) < 0, "GetValues wrote past the caller's span");

        // SetValues with 2 values must not make the kernel read 100 (98 from past the span).
        try
        {
            stale.SetValues([7, 7]);
            int[] after = new int[100];
            large.GetValues(after);
            Check(after.AsSpan(2).SequenceEqual(hundred.AsSpan(2)), "SetValues changed semaphores past the 2 it was given");
        }
        catch (IpcException)
        {
        }

        return RemoteExecutor.SuccessExitCode;
    }

    private static int StaleQueue()
    {
        using var first = MessageQueue.Create(IpcKey.Private);
        using var stale = MessageQueue.OpenById(first.Id);
        first.Remove();
        ForceNextId("msg", first.Id);
        using var second = MessageQueue.Create(IpcKey.Private);
        second.RemoveOnDispose = true;
        Check(second.Id == first.Id, $"the kernel gave id {second.Id}, not {first.Id}");
        try
        {
            stale.Send(1, "to whichever queue has the id"u8);
            var buffer = new byte[64];
            stale.TryReceive(buffer, out _, out _, default, default, TimeSpan.Zero);
        }
        catch (IpcException)
        {
        }

        return RemoteExecutor.SuccessExitCode;
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException(what);
        }
    }

    private static void Expect<T>(Action action)
        where T : Exception
    {
        try
        {
            action();
        }
        catch (T)
        {
            return;
        }

        throw new InvalidOperationException($"expected {typeof(T).Name}");
    }
}
