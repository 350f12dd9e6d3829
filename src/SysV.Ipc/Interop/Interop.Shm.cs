using System.Runtime.InteropServices;

namespace SysV.Ipc.Interop;

/// <summary>sys/shm.h.</summary>
internal static partial class Libc
{
    internal const int SHM_HUGETLB = 0x800;     // 04000
    internal const int SHM_NORESERVE = 0x1000;  // 010000
    internal const int SHM_RDONLY = 0x1000;     // 010000
    internal const int SHM_RND = 0x2000;        // 020000
    internal const int SHM_REMAP = 0x4000;      // 040000
    internal const int SHM_EXEC = 0x8000;       // 0100000

    internal const int SHM_LOCK = 11;
    internal const int SHM_UNLOCK = 12;
    internal const int SHM_STAT = 13;
    internal const int SHM_INFO = 14;
    internal const int SHM_STAT_ANY = 15;

    internal const int SHM_DEST = 0x200;    // 01000, a mode bit
    internal const int SHM_LOCKED = 0x400;  // 02000, a mode bit

    [LibraryImport(Name, EntryPoint = "shmget", SetLastError = true)]
    internal static partial int shmget(int key, nuint size, int flags);

    [LibraryImport(Name, EntryPoint = "shmat", SetLastError = true)]
    internal static partial nint shmat(int id, nint address, int flags);

    [LibraryImport(Name, EntryPoint = "shmdt", SetLastError = true)]
    internal static partial int shmdt(nint address);

    [LibraryImport(Name, EntryPoint = "shmctl", SetLastError = true)]
    internal static unsafe partial int shmctl(int id, int command, void* buffer);
}
