using System.Globalization;

namespace SysV.Ipc;

/// <summary>
/// MSGMAX, the largest message body the kernel accepts (/proc/sys/kernel/msgmax, 8192 by default: the
/// tutorial's "8K bytes" per message). Sends compare against a cached copy (one load and compare on the
/// hot path) and re-read the file only when a body looks too large or the kernel disagrees, so a limit an
/// administrator raised or lowered while the process runs is honoured.
/// </summary>
internal static class MessageSizeLimit
{
    /// <summary>The last value read; cheap (the caching rule of <see cref="KernelTunables"/>).</summary>
    internal static int Cached => Clamp(KernelTunables.Cached(KernelTunable.MsgMax));

    /// <summary>Reads the limit now and refreshes the cache.</summary>
    internal static int ReadCurrent() => Clamp(KernelTunables.Read(KernelTunable.MsgMax));

    /// <summary>Throws the limit error when <paramref name="bodyLength"/> exceeds MSGMAX as it is now (re-read, not cached).</summary>
    internal static void ThrowIfTooLarge(int bodyLength, IpcKey key, int id)
    {
        int limit = ReadCurrent();
        if (bodyLength > limit)
        {
            throw TooLarge(bodyLength, limit, key, id);
        }
    }

    internal static IpcLimitExceededException TooLarge(int bodyLength, int limit, IpcKey key, int id) => new(
        $"Cannot send a message of {bodyLength.ToString(CultureInfo.InvariantCulture)} bytes to {IpcErrors.Describe(IpcObjectKind.MessageQueue, key, id)}: the limit MSGMAX is {limit.ToString(CultureInfo.InvariantCulture)} bytes per message ({KernelTunables.Where(KernelTunable.MsgMax)}). Split the message, raise the limit, or move large data through shared memory.",
        0, IpcObjectKind.MessageQueue, key, id);

    private static int Clamp(ulong value) => (int)Math.Min(value, int.MaxValue);
}
