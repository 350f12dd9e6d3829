using System.Runtime.InteropServices;

namespace SysV.Ipc.Interop;

/// <summary>sys/mman.h: the two calls that swap an attachment for private memory at the same address (same values on x86_64 and aarch64).</summary>
internal static partial class Libc
{
    internal const int PROT_READ = 0x1;
    internal const int PROT_WRITE = 0x2;
    internal const int MAP_PRIVATE = 0x02;
    internal const int MAP_FIXED = 0x10;
    internal const int MAP_ANONYMOUS = 0x20;
    internal const int MAP_NORESERVE = 0x4000;

    [LibraryImport(Name, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport(Name, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int munmap(nint address, nuint length);
}
