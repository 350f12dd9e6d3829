using System.Runtime.InteropServices;

namespace SysV.Ipc;

/// <summary>Fails clearly on platforms whose System V IPC ABI this library does not describe.</summary>
internal static class PlatformGuard
{
    // Not readonly only so that a test child process can play another platform and check every entry point.
    // The OS description (which reads /etc/os-release) is only computed for the message, on a platform refused.
    private static string? s_unsupportedReason =
        IsSupportedPlatform(OperatingSystem.IsLinux(), RuntimeInformation.ProcessArchitecture)
            ? null
            : UnsupportedReason(OperatingSystem.IsLinux(), RuntimeInformation.ProcessArchitecture, RuntimeInformation.OSDescription);

    internal static bool IsSupported => s_unsupportedReason is null;

    /// <summary>Called by every public entry point before its first native call, so that no libc import is even tried elsewhere.</summary>
    internal static void ThrowIfUnsupported()
    {
        if (s_unsupportedReason is not null)
        {
            throw new PlatformNotSupportedException(s_unsupportedReason);
        }
    }

    /// <summary>Why a platform is not supported, or null when it is. Separate from the current process so tests can check the message.</summary>
    internal static string? UnsupportedReason(bool isLinux, Architecture architecture, string osDescription) =>
        IsSupportedPlatform(isLinux, architecture)
            ? null
            : $"SysV.Ipc supports Linux on x64 and arm64; this process runs on {osDescription} ({architecture}). The System V structure layouts and constants of other platforms are not described yet, so no System V call is made here.";

    private static bool IsSupportedPlatform(bool isLinux, Architecture architecture) =>
        isLinux && architecture is Architecture.X64 or Architecture.Arm64;
}
