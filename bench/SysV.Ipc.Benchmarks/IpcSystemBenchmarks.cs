using BenchmarkDotNet.Attributes;

namespace SysV.Ipc.Benchmarks;

/// <summary>
/// <see cref="IpcSystem.ListAll"/> (read and parse /proc/sysvipc/shm, msg and sem into records) against
/// only reading the three files, with two objects of each kind present. Run it in a private IPC namespace
/// (<c>unshare --ipc</c>) so the files hold only these six objects.
/// </summary>
[MemoryDiagnoser]
public class IpcSystemBenchmarks
{
    private const int ObjectsPerKind = 2;

    private static readonly string[] s_procFiles = ["/proc/sysvipc/shm", "/proc/sysvipc/msg", "/proc/sysvipc/sem"];

    private readonly List<SharedMemorySegment> _segments = [];
    private readonly List<MessageQueue> _queues = [];
    private readonly List<SemaphoreSet> _sets = [];

    [GlobalSetup]
    public void GlobalSetup() => KernelObjectSetup.Run(() =>
    {
        for (int i = 0; i < ObjectsPerKind; i++)
        {
            _segments.Add(SharedMemorySegment.Create(IpcKey.Private, 4096));
            _queues.Add(MessageQueue.Create(IpcKey.Private));
            _sets.Add(SemaphoreSet.Create(IpcKey.Private, 2, [0, 0]));
        }
    }, GlobalCleanup);

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        foreach (SharedMemorySegment segment in _segments)
        {
            segment.Remove();
            segment.Dispose();
        }

        foreach (MessageQueue queue in _queues)
        {
            queue.Remove();
            queue.Dispose();
        }

        foreach (SemaphoreSet set in _sets)
        {
            set.Remove();
            set.Dispose();
        }

        _segments.Clear();
        _queues.Clear();
        _sets.Clear();
    }

    [Benchmark(Baseline = true)]
    public long ReadProcFiles()
    {
        long bytes = 0;
        foreach (string file in s_procFiles)
        {
            bytes += File.ReadAllBytes(file).Length;
        }

        return bytes;
    }

    [Benchmark]
    public int ListAll() => IpcSystem.ListAll().Count;
}
