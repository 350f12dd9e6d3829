namespace SysV.Ipc.Interop;

/// <summary>signal.h: kill with signal 0, to ask whether a process exists.</summary>
internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "kill", SetLastError = true)]
    internal static partial int kill(int pid, int signal);
}
