using System.IO.Hashing;

namespace SysV.Ipc.Nats;

/// <summary>A message copied from a queue with MSG_COPY (still in the queue), with the hash its state records.</summary>
internal readonly record struct PeekedMessage(long Type, byte[] Body, ulong Hash)
{
    public static PeekedMessage Create(long type, ReadOnlySpan<byte> body) => new(type, body.ToArray(), HashOf(type, body));

    public static ulong HashOf(long type, ReadOnlySpan<byte> body)
    {
        var hash = new XxHash64((long)type);
        hash.Append(body);
        return hash.GetCurrentHashAsUInt64();
    }
}
