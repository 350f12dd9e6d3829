using System.Globalization;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// MSGMAX, the largest message body the kernel accepts (/proc/sys/kernel/msgmax, 8192 by default: the
/// tutorial's "8K bytes" per message). Sends compare against a cached copy (one load and compare on the
/// hot path) and re-read the file only when a body looks too large or the kernel disagrees, so a limit an
/// administrator raised or lowered while the process runs is honoured.
/// </summary>
internal static class MessageSizeLimit
{
    private const string ProcFile = "/proc/sys/kernel/msgmax";
    private static int s_cached = ReadCurrent();

    /// <summary>The last value read; cheap.</summary>
    internal static int Cached => s_cached;

    /// <summary>Reads the limit now and refreshes the cache.</summary>
    internal static unsafe int ReadCurrent()
    {
        ulong? value = IpcSystem.ReadKernelULong("msgmax");
        if (value is null)
        {
            MsgInfo info;
            value = Libc.msgctl(0, Libc.IPC_INFO, &info) >= 0 ? (ulong)info.msgmax : 8192;
        }

        int current = (int)Math.Min(value.Value, int.MaxValue);
        s_cached = current;
        return current;
    }

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
        $"Cannot send a message of {bodyLength.ToString(CultureInfo.InvariantCulture)} bytes to {IpcErrors.Describe(IpcObjectKind.MessageQueue, key, id)}: the limit MSGMAX is {limit.ToString(CultureInfo.InvariantCulture)} bytes per message (set in {ProcFile}, or kernel.msgmax with sysctl). Split the message, raise the limit, or move large data through shared memory.",
        0, IpcObjectKind.MessageQueue, key, id);
}
