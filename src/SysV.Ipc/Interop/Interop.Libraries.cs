namespace SysV.Ipc.Interop;

internal static partial class Libc
{
    /// <summary>glibc (or any libc that exports the System V IPC calls under their POSIX names).</summary>
    internal const string Name = "libc";
}
