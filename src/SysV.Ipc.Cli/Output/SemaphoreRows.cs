namespace SysV.Ipc.Cli.Output;

/// <summary>Reads each semaphore of a set (value, waiters, last pid) through the library's SemaphoreSet.</summary>
internal static class SemaphoreRows
{
    /// <summary>One row per semaphore, as ipcs -s -i lists them. Needs read permission on the set, as ipcs does.</summary>
    public static IReadOnlyList<SemaphoreRow> Read(SemaphoreSetInfo info)
    {
        // By id and without waiting for initialization: sets made by ipcmk are never "initialized" (sem_otime stays 0).
        using SemaphoreSet set = SemaphoreSet.OpenById(info.Id);
        int[] values = set.GetValues();
        var rows = new SemaphoreRow[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            rows[i] = new SemaphoreRow(values[i], set.GetWaitingCount(i), set.GetZeroWaitingCount(i), set.GetLastProcessId(i));
        }

        return rows;
    }
}
