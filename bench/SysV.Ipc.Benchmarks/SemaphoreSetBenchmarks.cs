using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using SysV.Ipc.Interop;

namespace SysV.Ipc.Benchmarks;

/// <summary>
/// A release (V) followed by a wait (P) on a semaphore at 0, in one process, so the wait never blocks:
/// <see cref="SemaphoreSet.Release"/> + <see cref="SemaphoreSet.Wait"/> against two raw semop calls.
/// </summary>
[MemoryDiagnoser]
public unsafe class SemaphoreSetBenchmarks
{
    private SemaphoreSet? _set;
    private int _id = -1;

    [GlobalSetup]
    public void GlobalSetup() => KernelObjectSetup.Run(() =>
    {
        _set = SemaphoreSet.Create(IpcKey.Private, 1, [0]);
        _id = _set.Id;
    }, GlobalCleanup);

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        _set?.Remove();
        _set?.Dispose();
        _set = null;
        _id = -1;
    }

    [Benchmark(Baseline = true)]
    public void RawSemop()
    {
        Sembuf release = new() { sem_num = 0, sem_op = 1, sem_flg = 0 };
        Sembuf wait = new() { sem_num = 0, sem_op = -1, sem_flg = 0 };
        if (Libc.semop(_id, &release, 1) != 0 || Libc.semop(_id, &wait, 1) != 0)
        {
            throw new InvalidOperationException($"semop failed with errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [Benchmark]
    public void ReleaseWait()
    {
        SemaphoreSet set = _set!;
        set.Release(0);
        set.Wait(0);
    }
}
