using System.Runtime.InteropServices;

namespace SysV.Ipc;

/// <summary>Fails clearly on platforms whose System V IPC ABI this library does not describe.</summary>
internal static class PlatformGuard
{
    internal static bool IsSupported { get; } =
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    internal static void ThrowIfUnsupported()
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException(
                $"SysV.Ipc supports Linux on x64 and arm64; this process runs on {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture}). The System V structure layouts of other platforms are not described yet.");
        }
    }
}
