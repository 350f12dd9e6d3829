using System.Buffers.Binary;
using System.Globalization;

namespace SysV.Ipc.Tests.Channels;

/// <summary>Messages whose content proves where they came from: producer, sequence number, and a checksum of it all.</summary>
internal static class TestMessages
{
    /// <summary>Header: producer (4), sequence (8), length (4), then pseudo-random bytes; the last 8 bytes (when room) are a checksum of the rest.</summary>
    public const int MinLength = 24;

    public static byte[] Make(int producer, long sequence, int length)
    {
        length = Math.Max(length, MinLength);
        var message = new byte[length];
        Fill(message, producer, sequence);
        return message;
    }

    public static void Fill(Span<byte> message, int producer, long sequence)
    {
        BinaryPrimitives.WriteInt32LittleEndian(message, producer);
        BinaryPrimitives.WriteInt64LittleEndian(message[4..], sequence);
        BinaryPrimitives.WriteInt32LittleEndian(message[12..], message.Length);
        var random = new Random(unchecked((producer * 1_000_003) ^ (int)sequence ^ (int)(sequence >> 32)));
        random.NextBytes(message[16..^8]);
        BinaryPrimitives.WriteUInt64LittleEndian(message[^8..], Checksum(message[..^8]));
    }

    /// <summary>Checks a message; returns (producer, sequence) or throws with what is wrong.</summary>
    public static (int Producer, long Sequence) Check(ReadOnlySpan<byte> message)
    {
        if (message.Length < MinLength)
        {
            throw new InvalidDataException($"message of {message.Length} bytes is shorter than any test message");
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(message[12..]);
        if (length != message.Length || Checksum(message[..^8]) != BinaryPrimitives.ReadUInt64LittleEndian(message[^8..]))
        {
            throw new InvalidDataException($"message of {message.Length} bytes (header says {length}) fails its checksum");
        }

        return (BinaryPrimitives.ReadInt32LittleEndian(message), BinaryPrimitives.ReadInt64LittleEndian(message[4..]));
    }

    /// <summary>A 64-bit checksum stable across processes (HashCode is seeded per process): 8 bytes at a time, mixed.</summary>
    public static ulong Checksum(ReadOnlySpan<byte> data)
    {
        ulong hash = 0x9E3779B97F4A7C15UL ^ (ulong)data.Length;
        while (data.Length >= 8)
        {
            hash = (hash ^ BinaryPrimitives.ReadUInt64LittleEndian(data)) * 0xBF58476D1CE4E5B9UL;
            hash ^= hash >> 31;
            data = data[8..];
        }

        foreach (byte b in data)
        {
            hash = (hash ^ b) * 0x94D049BB133111EBUL;
        }

        return hash ^ (hash >> 29);
    }

    public static string Arg(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    public static long Long(string text) => long.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>SYSVIPC_STRESS=1 runs the stress, crash and fuzz tests many times longer.</summary>
    public static bool Stress => Environment.GetEnvironmentVariable("SYSVIPC_STRESS") == "1";
}
