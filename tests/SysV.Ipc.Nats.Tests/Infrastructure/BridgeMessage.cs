using System.Buffers.Binary;

namespace SysV.Ipc.Nats.Tests.Infrastructure;

/// <summary>The test messages of Native/bridge_msg.h, made and checked in .NET (the same bytes as bridge_make).</summary>
public static class BridgeMessage
{
    public const int HeaderSize = 16;

    public static byte[] Make(int length, long type, ulong sequence)
    {
        var body = new byte[length];
        Fill(body.AsSpan(HeaderSize), type, sequence);
        BinaryPrimitives.WriteUInt64LittleEndian(body, sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(8), (uint)length);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(12), Fnv(body.AsSpan(HeaderSize)));
        return body;
    }

    /// <summary>The sequence number of an intact message, or -1 (wrong length, checksum or bytes).</summary>
    public static long Check(ReadOnlySpan<byte> body, long type)
    {
        if (body.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(body[8..]) != (uint)body.Length
            || Fnv(body[HeaderSize..]) != BinaryPrimitives.ReadUInt32LittleEndian(body[12..]))
        {
            return -1;
        }

        ulong sequence = BinaryPrimitives.ReadUInt64LittleEndian(body);
        var expected = new byte[body.Length - HeaderSize];
        Fill(expected, type, sequence);
        return body[HeaderSize..].SequenceEqual(expected) ? (long)sequence : -1;
    }

    private static uint Fnv(ReadOnlySpan<byte> bytes)
    {
        uint h = 2166136261u;
        foreach (byte b in bytes)
        {
            h ^= b;
            h *= 16777619u;
        }

        return h;
    }

    private static void Fill(Span<byte> bytes, long type, ulong sequence)
    {
        ulong x = ((ulong)type * 0x9E3779B97F4A7C15ul) ^ ((sequence + 1) * 0xBF58476D1CE4E5B9ul);
        for (int i = 0; i < bytes.Length; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            bytes[i] = (byte)x;
        }
    }
}
