namespace SysV.Ipc.Interop;

/// <summary>unistd.h: the few process calls the library needs.</summary>
internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "geteuid")]
    internal static partial uint geteuid();

    [LibraryImport(Name, EntryPoint = "getpid")]
    internal static partial int getpid();

    [LibraryImport(Name, EntryPoint = "getpagesize")]
    internal static partial int getpagesize();
}
