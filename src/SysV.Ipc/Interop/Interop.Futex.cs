using System.Runtime.InteropServices;

namespace SysV.Ipc.Interop;

/// <summary>The futex system call, through libc's <c>syscall</c> (glibc has no futex wrapper).</summary>
internal static partial class Libc
{
    internal const int FUTEX_WAIT = 0;
    internal const int FUTEX_WAKE = 1;

    /// <summary>SYS_futex: 202 on x86_64, 98 on aarch64.</summary>
    internal static long SYS_futex { get; } = SysFutexFor(RuntimeInformation.ProcessArchitecture);

    /// <summary>SYS_futex of an architecture (-1 when not described); the layout test checks both against the headers.</summary>
    internal static long SysFutexFor(Architecture architecture) => architecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        _ => -1,
    };

    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
    internal static unsafe partial long syscall(long number, int* address, int operation, int value, Timespec* timeout, nint address2, int value3);
}
