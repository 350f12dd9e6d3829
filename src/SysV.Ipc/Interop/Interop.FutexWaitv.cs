using System.Runtime.InteropServices;

namespace SysV.Ipc.Interop;

/// <summary>The futex_waitv system call (Linux 5.16+, linux/futex.h) and the clock its timeout is read on.</summary>
internal static partial class Libc
{
    /// <summary>The 32-bit word size flag of a futex_waitv entry (FUTEX2_SIZE_U32 in newer headers).</summary>
    internal const int FUTEX_32 = 2;

    /// <summary>The most entries one futex_waitv call takes.</summary>
    internal const int FUTEX_WAITV_MAX = 128;

    internal const int CLOCK_MONOTONIC = 1;

    /// <summary>SYS_futex_waitv: 449 on x86_64 and aarch64 (the generic table); -1 where not described.</summary>
    internal static long SYS_futex_waitv { get; } = SysFutexWaitvFor(RuntimeInformation.ProcessArchitecture);

    /// <summary>SYS_futex_waitv of an architecture (-1 when not described); the layout test checks both against the headers.</summary>
    internal static long SysFutexWaitvFor(Architecture architecture) => architecture switch
    {
        Architecture.X64 or Architecture.Arm64 => 449,
        _ => -1,
    };

    /// <summary><c>futex_waitv(waiters, count, flags, timeout, clockid)</c>: the timeout is absolute on <paramref name="clockId"/>, null for none.</summary>
    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
    internal static unsafe partial long syscall(long number, FutexWaitv* waiters, uint count, uint flags, Timespec* timeout, int clockId);

    [LibraryImport(Name, EntryPoint = "clock_gettime", SetLastError = true)]
    internal static unsafe partial int clock_gettime(int clockId, Timespec* time);
}

/// <summary>struct futex_waitv (24 bytes): one word of a futex_waitv call.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FutexWaitv
{
    public ulong val;
    public ulong uaddr;
    public uint flags;
#pragma warning disable SA1310, IDE1006 // the C name
    public uint __reserved;
#pragma warning restore SA1310, IDE1006
}
