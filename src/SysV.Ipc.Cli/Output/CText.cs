namespace SysV.Ipc.Cli.Output;

/// <summary>The few printf and ctime conversions ipcs uses, reproduced exactly (C locale).</summary>
internal static class CText
{
    private static readonly string[] s_days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    private static readonly string[] s_months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>printf "%-W.Ps": at most <paramref name="precision"/> characters, left-aligned in <paramref name="width"/>.</summary>
    internal static string Left(string text, int width, int precision = int.MaxValue)
        => (text.Length > precision ? text[..precision] : text).PadRight(width);

    /// <summary>printf "%-Wd" / "%-Wu" / "%-Wlu".</summary>
    internal static string Left(long value, int width) => Left(value.ToString(CultureInfo.InvariantCulture), width);

    /// <summary>printf "%-Wju" for an unsigned 64-bit value.</summary>
    internal static string Left(ulong value, int width) => Left(value.ToString(CultureInfo.InvariantCulture), width);

    /// <summary>printf "%Wd": right-aligned.</summary>
    internal static string Right(string text, int width) => text.PadLeft(width);

    /// <summary>printf "%o".</summary>
    internal static string Octal(int value) => Convert.ToString(value, 8);

    /// <summary>printf "%#o": a leading 0 unless the value is 0.</summary>
    internal static string OctalAlternate(int value) => value == 0 ? "0" : "0" + Convert.ToString(value, 8);

    internal static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    internal static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>ctime(3) without its newline, in local time (the TZ variable or /etc/localtime): "Fri Nov 27 04:13:56 2026".</summary>
    internal static string CTime(DateTimeOffset time)
    {
        DateTimeOffset local = TimeZoneInfo.ConvertTime(time, TimeZoneInfo.Local);
        return string.Create(CultureInfo.InvariantCulture,
            $"{s_days[(int)local.DayOfWeek]} {s_months[local.Month - 1]} {local.Day,2} {local.Hour:00}:{local.Minute:00}:{local.Second:00} {local.Year}");
    }

    /// <summary>ipcs's "%-W.Ps" of ctime(t) + <paramref name="skip"/>, or of "Not set" when there is no time.</summary>
    internal static string Time(DateTimeOffset? time, int skip, int width, int precision)
        => Left(time is { } t ? CTime(t)[skip..] : "Not set", width, precision);

    /// <summary>
    /// util-linux's size_to_human_string with a one-letter suffix: binary units, one decimal rounded half
    /// up, a trailing ".0" dropped ("64K", "1.4M", "4.7G", "16E").
    /// </summary>
    internal static string HumanSize(ulong bytes)
    {
        const string letters = "BKMGTPE";
        int exp = 0;
        for (int shift = 10; shift <= 60; shift += 10)
        {
            if (bytes < 1UL << shift)
            {
                break;
            }

            exp = shift;
        }

        char suffix = letters[exp / 10];
        ulong dec = exp == 0 ? bytes : bytes >> exp;
        ulong frac = exp == 0 ? 0 : bytes & ((1UL << exp) - 1);
        if (frac != 0)
        {
            frac = frac >= ulong.MaxValue / 1000
                ? frac / 1024 * 1000 / (1UL << (exp - 10))
                : frac * 1000 / (1UL << exp);
            frac = (frac + 50) / 100 * 10;
            if (frac == 100)
            {
                dec++;
                frac = 0;
            }
        }

        if (frac == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{dec}{suffix}");
        }

        string digits = frac.ToString("00", CultureInfo.InvariantCulture);
        if (digits[^1] == '0')
        {
            digits = digits[..^1];
        }

        return string.Create(CultureInfo.InvariantCulture, $"{dec}.{digits}{suffix}");
    }

    /// <summary>
    /// util-linux's mbs_safe_encode, as lsipc applies it to every cell: each control character, invalid
    /// UTF-8 byte and the backslash of a literal "\x" becomes \xHH, so a value never breaks a row.
    /// </summary>
    internal static string SafeEncode(string text)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var builder = new System.Text.StringBuilder(text.Length);
        int i = 0;
        while (i < bytes.Length)
        {
            byte b = bytes[i];
            if (b == (byte)'\\' && i + 1 < bytes.Length && bytes[i + 1] == (byte)'x')
            {
                builder.Append(@"\x5c");
                i++;
                continue;
            }

            if (b < 0x80)
            {
                if (b < 0x20 || b == 0x7f)
                {
                    builder.Append(string.Create(CultureInfo.InvariantCulture, $"\\x{b:x2}"));
                }
                else
                {
                    builder.Append((char)b);
                }

                i++;
                continue;
            }

            int length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            string? decoded = null;
            if (length > 1 && i + length <= bytes.Length)
            {
                try
                {
                    decoded = new System.Text.UTF8Encoding(false, true).GetString(bytes, i, length);
                }
                catch (System.Text.DecoderFallbackException)
                {
                }
            }

            if (decoded is not null && !char.IsControl(decoded[0]))
            {
                builder.Append(decoded);
                i += length;
            }
            else
            {
                builder.Append(string.Create(CultureInfo.InvariantCulture, $"\\x{b:x2}"));
                i++;
            }
        }

        return builder.ToString();
    }
}
