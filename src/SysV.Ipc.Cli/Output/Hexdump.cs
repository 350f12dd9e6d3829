using System.Text;

namespace SysV.Ipc.Cli.Output;

/// <summary>hexdump -C's layout: offset, 16 bytes in two groups of 8, and the printable ASCII between bars.</summary>
internal static class Hexdump
{
    public static string Format(ReadOnlySpan<byte> bytes, long startOffset)
    {
        var text = new StringBuilder();
        for (int line = 0; line < bytes.Length; line += 16)
        {
            ReadOnlySpan<byte> chunk = bytes.Slice(line, Math.Min(16, bytes.Length - line));
            text.Append((startOffset + line).ToString("x8", System.Globalization.CultureInfo.InvariantCulture)).Append("  ");
            for (int i = 0; i < 16; i++)
            {
                text.Append(i < chunk.Length ? chunk[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + " " : "   ");
                if (i == 7)
                {
                    text.Append(' ');
                }
            }

            text.Append(" |");
            foreach (byte b in chunk)
            {
                text.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
            }

            text.Append("|\n");
        }

        text.Append((startOffset + bytes.Length).ToString("x8", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        return text.ToString();
    }
}
