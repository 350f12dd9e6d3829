using System.Runtime.InteropServices;

namespace SysV.Ipc.Interop;

/// <summary>The membarrier system call (linux/membarrier.h), through libc's <c>syscall</c>.</summary>
internal static partial class Libc
{
    internal const int MEMBARRIER_CMD_QUERY = 0;
    internal const int MEMBARRIER_CMD_GLOBAL_EXPEDITED = 1 << 1;
    internal const int MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 1 << 2;

    /// <summary>SYS_membarrier: 324 on x86_64, 283 on aarch64.</summary>
    internal static long SYS_membarrier { get; } = SysMembarrierFor(RuntimeInformation.ProcessArchitecture);

    /// <summary>SYS_membarrier of an architecture (-1 when not described); the layout test checks both against the headers.</summary>
    internal static long SysMembarrierFor(Architecture architecture) => architecture switch
    {
        Architecture.X64 => 324,
        Architecture.Arm64 => 283,
        _ => -1,
    };

    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long syscall(long number, int command, uint flags, int cpuId);
}
