using System.Runtime.InteropServices;

namespace SysV.Ipc.Interop;

/// <summary>sys/ipc.h: keys, flags and commands shared by the three IPC kinds.</summary>
internal static partial class Libc
{
    internal const int IPC_PRIVATE = 0;
    internal const int IPC_CREAT = 0x200;   // 01000
    internal const int IPC_EXCL = 0x400;    // 02000
    internal const int IPC_NOWAIT = 0x800;  // 04000

    internal const int IPC_RMID = 0;
    internal const int IPC_SET = 1;
    internal const int IPC_STAT = 2;
    internal const int IPC_INFO = 3;

    [LibraryImport(Name, EntryPoint = "ftok", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ftok(string path, int projectId);
}
