namespace SysV.Ipc.Cli.Output;

/// <summary>Reads each semaphore of a set (value, waiters, last pid) through the library's SemaphoreSet.</summary>
internal static class SemaphoreRows
{
    public static IReadOnlyList<SemaphoreRow> Read(SemaphoreSetInfo set)
        => throw new NotSupportedException("Semaphore values need SemaphoreSet (branch sem), not merged yet.");
}
