namespace SysV.Ipc.Interop;

/// <summary>The errno values System V IPC calls return (asm-generic numbering: same on x64 and arm64).</summary>
internal static class Errno
{
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int ESRCH = 3;
    internal const int EINTR = 4;
    internal const int E2BIG = 7;
    internal const int EAGAIN = 11;
    internal const int ENOMEM = 12;
    internal const int EACCES = 13;
    internal const int EFAULT = 14;
    internal const int EEXIST = 17;
    internal const int EINVAL = 22;
    internal const int EFBIG = 27;
    internal const int ENOSPC = 28;
    internal const int ERANGE = 34;
    internal const int ENOSYS = 38;
    internal const int ENOMSG = 42;
    internal const int EIDRM = 43;
    internal const int ETIMEDOUT = 110;
}
