using System.Runtime.InteropServices;

namespace SysV.Ipc.Interop;

// Kernel/glibc structures for linux-x64 and linux-arm64 (LP64). Offsets are checked against the C
// headers by StructLayoutTests, which compiles _Static_assert(offsetof(...)) with gcc.

/// <summary>struct ipc_perm (48 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 48)]
internal struct IpcPerm
{
    [FieldOffset(0)] public int __key;
    [FieldOffset(4)] public uint uid;
    [FieldOffset(8)] public uint gid;
    [FieldOffset(12)] public uint cuid;
    [FieldOffset(16)] public uint cgid;
    [FieldOffset(20)] public uint mode;
    [FieldOffset(24)] public ushort __seq;
}

/// <summary>struct shmid_ds (112 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 112)]
internal struct ShmidDs
{
    [FieldOffset(0)] public IpcPerm shm_perm;
    [FieldOffset(48)] public nuint shm_segsz;
    [FieldOffset(56)] public long shm_atime;
    [FieldOffset(64)] public long shm_dtime;
    [FieldOffset(72)] public long shm_ctime;
    [FieldOffset(80)] public int shm_cpid;
    [FieldOffset(84)] public int shm_lpid;
    [FieldOffset(88)] public ulong shm_nattch;
}

/// <summary>struct msqid_ds (120 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 120)]
internal struct MsqidDs
{
    [FieldOffset(0)] public IpcPerm msg_perm;
    [FieldOffset(48)] public long msg_stime;
    [FieldOffset(56)] public long msg_rtime;
    [FieldOffset(64)] public long msg_ctime;
    [FieldOffset(72)] public ulong __msg_cbytes;
    [FieldOffset(80)] public ulong msg_qnum;
    [FieldOffset(88)] public ulong msg_qbytes;
    [FieldOffset(96)] public int msg_lspid;
    [FieldOffset(100)] public int msg_lrpid;
}

/// <summary>struct semid_ds on x86_64 (104 bytes): each time is followed by a reserved word.</summary>
[StructLayout(LayoutKind.Explicit, Size = 104)]
internal struct SemidDsX64
{
    [FieldOffset(0)] public IpcPerm sem_perm;
    [FieldOffset(48)] public long sem_otime;
    [FieldOffset(64)] public long sem_ctime;
    [FieldOffset(80)] public ulong sem_nsems;
}

/// <summary>struct semid_ds on aarch64 (88 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 88)]
internal struct SemidDsArm64
{
    [FieldOffset(0)] public IpcPerm sem_perm;
    [FieldOffset(48)] public long sem_otime;
    [FieldOffset(56)] public long sem_ctime;
    [FieldOffset(64)] public ulong sem_nsems;
}

/// <summary>struct sembuf (6 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Sembuf
{
    public ushort sem_num;
    public short sem_op;
    public short sem_flg;
}

/// <summary>struct timespec.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Timespec
{
    public long tv_sec;
    public long tv_nsec;
}

/// <summary>struct shminfo (IPC_INFO on shmctl, 72 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 72)]
internal struct ShmInfoLimits
{
    [FieldOffset(0)] public ulong shmmax;
    [FieldOffset(8)] public ulong shmmin;
    [FieldOffset(16)] public ulong shmmni;
    [FieldOffset(24)] public ulong shmseg;
    [FieldOffset(32)] public ulong shmall;
}

/// <summary>struct shm_info (SHM_INFO, 48 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 48)]
internal struct ShmInfoUsage
{
    [FieldOffset(0)] public int used_ids;
    [FieldOffset(8)] public ulong shm_tot;
    [FieldOffset(16)] public ulong shm_rss;
    [FieldOffset(24)] public ulong shm_swp;
    [FieldOffset(32)] public ulong swap_attempts;
    [FieldOffset(40)] public ulong swap_successes;
}

/// <summary>struct msginfo (IPC_INFO and MSG_INFO on msgctl, 32 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal struct MsgInfo
{
    [FieldOffset(0)] public int msgpool;
    [FieldOffset(4)] public int msgmap;
    [FieldOffset(8)] public int msgmax;
    [FieldOffset(12)] public int msgmnb;
    [FieldOffset(16)] public int msgmni;
    [FieldOffset(20)] public int msgssz;
    [FieldOffset(24)] public int msgtql;
    [FieldOffset(28)] public ushort msgseg;
}

/// <summary>struct seminfo (IPC_INFO and SEM_INFO on semctl, 40 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal struct SemInfo
{
    [FieldOffset(0)] public int semmap;
    [FieldOffset(4)] public int semmni;
    [FieldOffset(8)] public int semmns;
    [FieldOffset(12)] public int semmnu;
    [FieldOffset(16)] public int semmsl;
    [FieldOffset(20)] public int semopm;
    [FieldOffset(24)] public int semume;
    [FieldOffset(28)] public int semusz;
    [FieldOffset(32)] public int semvmx;
    [FieldOffset(36)] public int semaem;
}
