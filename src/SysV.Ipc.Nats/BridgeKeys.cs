using System.IO.Hashing;
using System.Text;

namespace SysV.Ipc.Nats;

/// <summary>
/// The keys of a bridge's own System V objects, derived from the bridged queue's or channel's key and the
/// direction: a semaphore set (the one-bridge-at-a-time lock) and a small shared memory segment (the
/// bridge's state), both in the same IPC namespace as the bridged object, so they belong to that "host" and
/// die with it. A queue and a channel may have the same key (they are different kinds of object): their
/// bridges' keys differ.
/// </summary>
internal static class BridgeKeys
{
    /// <summary>0x5b in the top byte marks the bridges' objects in ipcs.</summary>
    private const int Prefix = 0x5b000000;

    public static IpcKey For(BridgeDirection direction, BridgedObject target)
    {
        Span<byte> input = stackalloc byte[5];
        input[0] = (byte)((int)direction | (target.Kind == BridgedObjectKind.Channel ? 0x10 : 0));
        BitConverter.TryWriteBytes(input[1..], target.Key.Value);
        uint hash = XxHash32.HashToUInt32(input, seed: 0x5b5b);
        int low = (int)(hash & 0x00ffffff);
        return new IpcKey(Prefix | (low == 0 ? 1 : low));
    }

    public static string Describe(IpcKey key) => "0x" + ((uint)key.Value).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    public static ulong HashName(string name) => XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(name));
}
