namespace SysV.Ipc;

/// <summary>Kernel times are seconds since the epoch, 0 meaning "Not set".</summary>
internal static class IpcTime
{
    internal static DateTimeOffset? FromSeconds(long seconds) =>
        seconds == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(seconds);
}
