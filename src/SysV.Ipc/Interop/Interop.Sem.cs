using System.Runtime.InteropServices;

namespace SysV.Ipc.Interop;

/// <summary>sys/sem.h.</summary>
internal static partial class Libc
{
    internal const short SEM_UNDO = 0x1000;  // 010000

    internal const int GETPID = 11;
    internal const int GETVAL = 12;
    internal const int GETALL = 13;
    internal const int GETNCNT = 14;
    internal const int GETZCNT = 15;
    internal const int SETVAL = 16;
    internal const int SETALL = 17;
    internal const int SEM_STAT = 18;
    internal const int SEM_INFO = 19;
    internal const int SEM_STAT_ANY = 20;

    [LibraryImport(Name, EntryPoint = "semget", SetLastError = true)]
    internal static partial int semget(int key, int count, int flags);

    [LibraryImport(Name, EntryPoint = "semop", SetLastError = true)]
    internal static unsafe partial int semop(int id, Sembuf* operations, nuint count);

    [LibraryImport(Name, EntryPoint = "semtimedop", SetLastError = true)]
    internal static unsafe partial int semtimedop(int id, Sembuf* operations, nuint count, Timespec* timeout);

    /// <summary>
    /// semctl is variadic with a caller-defined <c>union semun</c>; on Linux x64 and arm64 the fourth
    /// argument travels in a register like a fixed pointer-sized argument, so it is declared as one.
    /// </summary>
    [LibraryImport(Name, EntryPoint = "semctl", SetLastError = true)]
    internal static partial int semctl(int id, int semaphoreIndex, int command, nint argument);

    /// <summary>
    /// Room for either architecture's semid_ds (a union, so no C struct of its own: nested here, outside the
    /// layout test's list); both begin with ipc_perm, so the permission fields are at the same place.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 104)]
    internal struct SemidDsBuffer
    {
        [FieldOffset(0)] public SemidDsX64 X64;
        [FieldOffset(0)] public SemidDsArm64 Arm64;
    }
}
