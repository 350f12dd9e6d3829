using System.Text;

namespace SysV.Ipc.Cli.Output;

/// <summary>
/// hexdump -C's layout: offset, 16 bytes in two groups of 8, the printable ASCII between bars, a line
/// repeating the one before it folded into one "*", and the end offset last.
/// </summary>
internal static class Hexdump
{
    public static string Format(ReadOnlySpan<byte> bytes, long startOffset)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        Write(text, bytes, startOffset);
        return text.ToString();
    }

    public static void Write(TextWriter output, ReadOnlySpan<byte> bytes, long startOffset)
    {
        var line = new StringBuilder(80);
        bool folding = false;
        for (int at = 0; at < bytes.Length; at += 16)
        {
            ReadOnlySpan<byte> chunk = bytes.Slice(at, Math.Min(16, bytes.Length - at));
            if (at >= 16 && chunk.Length == 16 && chunk.SequenceEqual(bytes.Slice(at - 16, 16)))
            {
                if (!folding)
                {
                    output.Write("*\n");
                    folding = true;
                }

                continue;
            }

            folding = false;
            line.Clear();
            line.Append((startOffset + at).ToString("x8", CultureInfo.InvariantCulture)).Append("  ");
            for (int i = 0; i < 16; i++)
            {
                line.Append(i < chunk.Length ? chunk[i].ToString("x2", CultureInfo.InvariantCulture) + " " : "   ");
                if (i == 7)
                {
                    line.Append(' ');
                }
            }

            line.Append(" |");
            foreach (byte b in chunk)
            {
                line.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
            }

            output.Write(line.Append("|\n").ToString());
        }

        output.Write((startOffset + bytes.Length).ToString("x8", CultureInfo.InvariantCulture) + "\n");
    }
}
