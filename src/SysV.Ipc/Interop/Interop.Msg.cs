using System.Runtime.InteropServices;

namespace SysV.Ipc.Interop;

/// <summary>sys/msg.h.</summary>
internal static partial class Libc
{
    internal const int MSG_NOERROR = 0x1000;  // 010000
    internal const int MSG_EXCEPT = 0x2000;   // 020000
    internal const int MSG_COPY = 0x4000;     // 040000

    internal const int MSG_STAT = 11;
    internal const int MSG_INFO = 12;
    internal const int MSG_STAT_ANY = 13;

    [LibraryImport(Name, EntryPoint = "msgget", SetLastError = true)]
    internal static partial int msgget(int key, int flags);

    // message: a struct msgbuf (a C long type, then the body); bodySize does not count the type.
    [LibraryImport(Name, EntryPoint = "msgsnd", SetLastError = true)]
    internal static unsafe partial int msgsnd(int id, void* message, nuint bodySize, int flags);

    [LibraryImport(Name, EntryPoint = "msgrcv", SetLastError = true)]
    internal static unsafe partial nint msgrcv(int id, void* message, nuint bodySize, nint type, int flags);

    [LibraryImport(Name, EntryPoint = "msgctl", SetLastError = true)]
    internal static unsafe partial int msgctl(int id, int command, void* buffer);
}
