using System.Globalization;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// The machine's System V IPC objects and limits, in this process's IPC namespace: the one place that parses
/// /proc/sysvipc (the limits come from the core's tunables reader). The command-line tool and the tests use
/// it; the primitives never do.
/// </summary>
public static partial class IpcSystem
{
    private const string ProcSysVipc = "/proc/sysvipc/";

    /// <summary>Every shared memory segment (/proc/sysvipc/shm), in the kernel's order.</summary>
    /// <returns>One record per segment, including resident and swapped bytes.</returns>
    public static IReadOnlyList<SharedMemoryInfo> ListSharedMemory() =>
        ParseTable("shm", row => new SharedMemoryInfo
        {
            Key = new IpcKey(row.Int("key")),
            Id = row.Int("shmid"),
            Mode = row.Octal("perms"),
            Size = row.Long("size"),
            CreatorProcessId = row.Int("cpid"),
            LastProcessId = row.Int("lpid"),
            AttachCount = row.Long("nattch"),
            OwnerUserId = row.UInt("uid"),
            OwnerGroupId = row.UInt("gid"),
            CreatorUserId = row.UInt("cuid"),
            CreatorGroupId = row.UInt("cgid"),
            LastAttachTime = IpcTime.FromSeconds(row.Long("atime")),
            LastDetachTime = IpcTime.FromSeconds(row.Long("dtime")),
            LastChangeTime = IpcTime.FromSeconds(row.Long("ctime")),
            ResidentBytes = row.OptionalLong("rss"),
            SwappedBytes = row.OptionalLong("swap"),
        });

    /// <summary>Every message queue (/proc/sysvipc/msg; the queue's byte limit from IPC_STAT where readable).</summary>
    /// <returns>One record per queue.</returns>
    public static IReadOnlyList<MessageQueueInfo> ListMessageQueues() =>
        ParseTable("msg", row =>
        {
            int id = row.Int("msqid");
            return new MessageQueueInfo
            {
                Key = new IpcKey(row.Int("key")),
                Id = id,
                Mode = row.Octal("perms"),
                BytesUsed = row.Long("cbytes"),
                MessageCount = row.Long("qnum"),
                LastSendProcessId = row.Int("lspid"),
                LastReceiveProcessId = row.Int("lrpid"),
                OwnerUserId = row.UInt("uid"),
                OwnerGroupId = row.UInt("gid"),
                CreatorUserId = row.UInt("cuid"),
                CreatorGroupId = row.UInt("cgid"),
                LastSendTime = IpcTime.FromSeconds(row.Long("stime")),
                LastReceiveTime = IpcTime.FromSeconds(row.Long("rtime")),
                LastChangeTime = IpcTime.FromSeconds(row.Long("ctime")),
                MaxBytes = TryReadQueueBytes(id),
            };
        });

    /// <summary>Every semaphore set (/proc/sysvipc/sem).</summary>
    /// <returns>One record per set.</returns>
    public static IReadOnlyList<SemaphoreSetInfo> ListSemaphoreSets() =>
        ParseTable("sem", row => new SemaphoreSetInfo
        {
            Key = new IpcKey(row.Int("key")),
            Id = row.Int("semid"),
            Mode = row.Octal("perms"),
            Count = row.Int("nsems"),
            OwnerUserId = row.UInt("uid"),
            OwnerGroupId = row.UInt("gid"),
            CreatorUserId = row.UInt("cuid"),
            CreatorGroupId = row.UInt("cgid"),
            LastOperationTime = IpcTime.FromSeconds(row.Long("otime")),
            LastChangeTime = IpcTime.FromSeconds(row.Long("ctime")),
        });

    /// <summary>Every object of every kind: segments, then queues, then semaphore sets.</summary>
    /// <returns>The objects.</returns>
    public static IReadOnlyList<IpcObjectInfo> ListAll() =>
        [.. ListSharedMemory(), .. ListMessageQueues(), .. ListSemaphoreSets()];

    /// <summary>The system limits (what <c>ipcs -l</c> prints), read now.</summary>
    /// <returns>The limits in force now.</returns>
    public static unsafe IpcLimits GetLimits()
    {
        PlatformGuard.ThrowIfUnsupported();

        // SEMVMX and SHMMIN are no tunables; IPC_INFO reports them.
        ShmInfoLimits shm;
        SemInfo sem;
        if (Libc.shmctl(0, Libc.IPC_INFO, &shm) < 0)
        {
            throw IpcErrors.FromLastError("shmctl(IPC_INFO)", IpcObjectKind.SharedMemory);
        }

        if (Libc.semctl(0, 0, Libc.IPC_INFO, (nint)(&sem)) < 0)
        {
            throw IpcErrors.FromLastError("semctl(IPC_INFO)", IpcObjectKind.SemaphoreSet);
        }

        return new IpcLimits
        {
            MaxSegmentSize = KernelTunables.Read(KernelTunable.ShmMax),
            MinSegmentSize = shm.shmmin,
            MaxSegments = KernelTunables.Read(KernelTunable.ShmMni),
            MaxTotalSharedMemoryPages = KernelTunables.Read(KernelTunable.ShmAll),
            PageSize = Libc.getpagesize(),
            MaxMessageSize = ToInt(KernelTunables.Read(KernelTunable.MsgMax)),
            MaxQueueBytes = ToInt(KernelTunables.Read(KernelTunable.MsgMnb)),
            MaxQueues = ToInt(KernelTunables.Read(KernelTunable.MsgMni)),
            MaxSemaphoresPerSet = ToInt(KernelTunables.Read(KernelTunable.SemMsl)),
            MaxSemaphoresSystemWide = ToInt(KernelTunables.Read(KernelTunable.SemMns)),
            MaxOperationsPerCall = ToInt(KernelTunables.Read(KernelTunable.SemOpm)),
            MaxSemaphoreSets = ToInt(KernelTunables.Read(KernelTunable.SemMni)),
            MaxSemaphoreValue = sem.semvmx,
        };
    }

    /// <summary>
    /// Removes the object of this kind with this id (IPC_RMID), as <c>ipcrm -m/-q/-s ID</c> does.
    /// </summary>
    /// <param name="kind">Which kind of object the id names.</param>
    /// <param name="id">The shmid, msqid or semid.</param>
    /// <returns><see langword="true"/> when removed (a segment still attached is only marked); <see langword="false"/> when no object of that kind has the id.</returns>
    /// <exception cref="IpcPermissionDeniedException">The object exists but this process may not remove it.</exception>
    public static bool TryRemove(IpcObjectKind kind, int id) => IpcRemoval.TryRemove(kind, id);

    /// <summary>What is in use now (what <c>ipcs -u</c> prints).</summary>
    /// <returns>Counts of objects, pages, messages and semaphores.</returns>
    public static unsafe IpcUsage GetUsage()
    {
        PlatformGuard.ThrowIfUnsupported();
        ShmInfoUsage shm;
        MsgInfo msg;
        SemInfo sem;
        if (Libc.shmctl(0, Libc.SHM_INFO, &shm) < 0)
        {
            throw IpcErrors.FromLastError("shmctl(SHM_INFO)", IpcObjectKind.SharedMemory);
        }

        if (Libc.msgctl(0, Libc.MSG_INFO, &msg) < 0)
        {
            throw IpcErrors.FromLastError("msgctl(MSG_INFO)", IpcObjectKind.MessageQueue);
        }

        if (Libc.semctl(0, 0, Libc.SEM_INFO, (nint)(&sem)) < 0)
        {
            throw IpcErrors.FromLastError("semctl(SEM_INFO)", IpcObjectKind.SemaphoreSet);
        }

        // MSG_INFO and SEM_INFO reuse the limit structures with other meanings (see KERNEL-FACTS).
        return new IpcUsage
        {
            SegmentCount = shm.used_ids,
            SharedMemoryPages = shm.shm_tot,
            SharedMemoryResidentPages = shm.shm_rss,
            SharedMemorySwappedPages = shm.shm_swp,
            SwapAttempts = shm.swap_attempts,
            SwapSuccesses = shm.swap_successes,
            QueueCount = msg.msgpool,
            MessageCount = msg.msgmap,
            MessageBytes = msg.msgtql,
            SemaphoreSetCount = sem.semusz,
            SemaphoreCount = sem.semaem,
        };
    }

    private static int ToInt(ulong value) => (int)Math.Min(value, int.MaxValue);

    private static unsafe long? TryReadQueueBytes(int id)
    {
        MsqidDs ds;
        return Libc.msgctl(id, Libc.IPC_STAT, &ds) == 0 ? (long)ds.msg_qbytes : null;
    }

    private static List<T> ParseTable<T>(string file, Func<ProcRow, T> map)
    {
        PlatformGuard.ThrowIfUnsupported();
        string path = ProcSysVipc + file;
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (FileNotFoundException e)
        {
            throw new IpcException($"{path} does not exist: this kernel was built without System V IPC (CONFIG_SYSVIPC), or /proc is not mounted.", e);
        }

        var result = new List<T>();
        if (lines.Length == 0)
        {
            return result;
        }

        string[] header = lines[0].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        for (int i = 1; i < lines.Length; i++)
        {
            string[] fields = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
            {
                continue;
            }

            if (fields.Length < header.Length)
            {
                throw new IpcException($"Unexpected line {i + 1} in {path}: '{lines[i]}' has {fields.Length} fields, the header names {header.Length}.");
            }

            result.Add(map(new ProcRow(path, header, fields)));
        }

        return result;
    }

    /// <summary>One row of a /proc/sysvipc table, read by column name.</summary>
    private readonly struct ProcRow(string path, string[] header, string[] fields)
    {
        public int Int(string column) => (int)Parse(column, long.MinValue, long.MaxValue);

        public uint UInt(string column) => (uint)Parse(column, 0, uint.MaxValue);

        public long Long(string column) => Parse(column, long.MinValue, long.MaxValue);

        public long? OptionalLong(string column) => Array.IndexOf(header, column) >= 0 ? Long(column) : null;

        public int Octal(string column)
        {
            string text = Field(column);
            try
            {
                return Convert.ToInt32(text, 8);
            }
            catch (FormatException e)
            {
                throw new IpcException($"Unexpected value '{text}' in column '{column}' of {path}: expected an octal mode.", e);
            }
        }

        private long Parse(string column, long min, long max)
        {
            string text = Field(column);
            return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) && value >= min && value <= max
                ? value
                : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong big) && max == long.MaxValue
                    ? unchecked((long)big)
                    : throw new IpcException($"Unexpected value '{text}' in column '{column}' of {path}.");
        }

        private string Field(string column)
        {
            int index = Array.IndexOf(header, column);
            return index >= 0 ? fields[index] : throw new IpcException($"{path} has no column '{column}'; its header is: {string.Join(' ', header)}.");
        }
    }
}
