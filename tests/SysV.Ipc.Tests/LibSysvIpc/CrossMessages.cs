using System.Buffers.Binary;
using SysV.Ipc.Tests.Channels;

namespace SysV.Ipc.Tests.LibSysvIpc;

/// <summary>
/// The messages the C peer (native/tests/testutil.h, msg_fill/msg_check) writes and checks: producer (4),
/// sequence (8), length (4), bytes of splitmix64 seeded by (producer &lt;&lt; 40) ^ sequence, then the
/// checksum of everything before it (TestMessages.Checksum). Both languages build and verify every byte.
/// </summary>
internal static class CrossMessages
{
    public const int MinLength = 24;

    public static byte[] Make(int producer, long sequence, int length)
    {
        var message = new byte[Math.Max(length, MinLength)];
        Fill(message, producer, sequence);
        return message;
    }

    public static void Fill(Span<byte> m, int producer, long sequence)
    {
        BinaryPrimitives.WriteInt32LittleEndian(m, producer);
        BinaryPrimitives.WriteInt64LittleEndian(m[4..], sequence);
        BinaryPrimitives.WriteInt32LittleEndian(m[12..], m.Length);
        ulong state = ((ulong)(uint)producer << 40) ^ (ulong)sequence;
        Span<byte> word = stackalloc byte[8];
        for (int i = 16; i < m.Length - 8; i += 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(word, SplitMix64(ref state));
            int k = Math.Min(8, m.Length - 8 - i);
            word[..k].CopyTo(m[i..]);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(m[^8..], TestMessages.Checksum(m[..^8]));
    }

    /// <summary>Checks every byte; returns (producer, sequence) or throws saying what is wrong.</summary>
    public static (int Producer, long Sequence) Check(ReadOnlySpan<byte> m)
    {
        if (m.Length < MinLength)
        {
            throw new InvalidDataException($"a {m.Length}-byte message is shorter than any test message");
        }

        if (BinaryPrimitives.ReadInt32LittleEndian(m[12..]) != m.Length || TestMessages.Checksum(m[..^8]) != BinaryPrimitives.ReadUInt64LittleEndian(m[^8..]))
        {
            throw new InvalidDataException($"a {m.Length}-byte message fails its length or checksum");
        }

        int producer = BinaryPrimitives.ReadInt32LittleEndian(m);
        long sequence = BinaryPrimitives.ReadInt64LittleEndian(m[4..]);
        var expected = new byte[m.Length];
        Fill(expected, producer, sequence);
        if (!m.SequenceEqual(expected))
        {
            throw new InvalidDataException($"message {producer}/{sequence} ({m.Length} bytes) has the right checksum but the wrong contents");
        }

        return (producer, sequence);
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
