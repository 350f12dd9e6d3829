namespace SysV.Ipc.Cli.Parsing;

/// <summary>Parses ids, keys, sizes, modes and project ids, with the error texts of ipcrm and ipcmk.</summary>
internal static class ArgumentParsers
{
    private const string RangeError = "Numerical result out of range";

    /// <summary>An id as ipcrm reads it (strtos32_or_err): decimal, may be negative (the kernel then says "invalid id").</summary>
    public static bool TryParseId(string text, out int id, out string error)
    {
        id = 0;
        error = string.Empty;
        string trimmed = text.TrimStart();
        if (long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
        {
            if (value is >= int.MinValue and <= int.MaxValue)
            {
                id = (int)value;
                return true;
            }

            error = $"failed to parse argument: '{text}': {RangeError}";
            return false;
        }

        error = IsSignedDigits(trimmed)
            ? $"failed to parse argument: '{text}': {RangeError}"
            : $"failed to parse argument: '{text}'";
        return false;
    }

    /// <summary>A key: 0x and up to 8 hex digits, or a decimal number (signed as /proc prints it, or unsigned); never truncated.</summary>
    public static bool TryParseKey(string text, out IpcKey key, out string error)
    {
        error = string.Empty;
        if (IpcKey.TryParse(text, out key))
        {
            return true;
        }

        bool looksNumeric = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? text.Length > 2 && text[2..].All(char.IsAsciiHexDigit)
            : IsSignedDigits(text.Trim());
        error = looksNumeric
            ? $"failed to parse argument: '{text}': {RangeError} (a key has 32 bits)"
            : $"failed to parse argument: '{text}'";
        return false;
    }

    public static IpcKey ParseKey(string text)
        => TryParseKey(text, out IpcKey key, out string error) ? key : throw new CliUsageException(error);

    /// <summary>A size in bytes: a number with an optional K, M, G, T, P or E suffix (powers of 1024, "iB" optional; "KB", "MB"... are powers of 1000).</summary>
    public static long ParseSize(string text)
    {
        string t = text.Trim();
        int digits = 0;
        while (digits < t.Length && char.IsAsciiDigit(t[digits]))
        {
            digits++;
        }

        if (digits == 0 || !ulong.TryParse(t.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out ulong number))
        {
            throw new CliUsageException($"failed to parse size: '{text}': expected a number of bytes, optionally followed by K, M, G or T (e.g. 64K, 1M)");
        }

        string suffix = t[digits..];
        ulong multiplier;
        if (suffix.Length == 0 || suffix == "B")
        {
            multiplier = 1;
        }
        else
        {
            int power = "KMGTPE".IndexOf(char.ToUpperInvariant(suffix[0]));
            string rest = suffix[1..];
            ulong baseValue = rest switch
            {
                "" or "iB" => 1024,
                "B" => 1000,
                _ => 0,
            };
            if (power < 0 || baseValue == 0)
            {
                throw new CliUsageException($"failed to parse size: '{text}': unknown suffix '{suffix}' (use K, M, G, T, P or E, optionally followed by iB; KB, MB... mean powers of 1000)");
            }

            multiplier = 1;
            for (int i = 0; i <= power; i++)
            {
                multiplier *= baseValue;
            }
        }

        ulong bytes;
        try
        {
            bytes = checked(number * multiplier);
        }
        catch (OverflowException)
        {
            throw new CliUsageException($"failed to parse size: '{text}': {RangeError}");
        }

        if (bytes == 0)
        {
            throw new CliUsageException($"invalid size '{text}': a segment needs at least 1 byte");
        }

        if (bytes > long.MaxValue)
        {
            throw new CliUsageException($"failed to parse size: '{text}': {RangeError}");
        }

        return (long)bytes;
    }

    /// <summary>Permission bits in octal, like chmod: 600, 0640. Only the nine rwx bits apply to IPC objects.</summary>
    public static UnixFileMode ParseMode(string text)
    {
        string t = text.Trim();
        if (t.Length == 0 || t.Length > 4 || !t.All(c => c is >= '0' and <= '7'))
        {
            throw new CliUsageException($"invalid mode '{text}': expected octal permission bits such as 0600 or 0644 (at most 0777)");
        }

        int mode = Convert.ToInt32(t, 8);
        return mode <= 0x1FF
            ? (UnixFileMode)mode
            : throw new CliUsageException($"invalid mode '{text}': only the nine rwx bits (at most 0777) apply to IPC objects");
    }

    /// <summary>An ftok project id: 0 to 255 (decimal or 0x hex), or one character as C programs often write it ('A').</summary>
    public static byte ParseProjectId(string text)
    {
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && byte.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte hex))
        {
            return hex;
        }

        if (byte.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out byte value))
        {
            return value;
        }

        if (text.Length == 1 && text[0] <= 0xFF && !char.IsAsciiDigit(text[0]))
        {
            return (byte)text[0];
        }

        throw new CliUsageException($"invalid project id '{text}': ftok uses 8 bits, so give 0 to 255 or a single character such as A");
    }

    /// <summary>A semaphore count for mk -S.</summary>
    public static int ParseCount(string text)
    {
        if (TryParseId(text, out int count, out string error))
        {
            return count > 0
                ? count
                : throw new CliUsageException($"invalid number of semaphores '{text}': a set needs at least 1");
        }

        throw new CliUsageException(error.Replace("failed to parse argument", "failed to parse elements", StringComparison.Ordinal));
    }

    private static bool IsSignedDigits(string text)
    {
        ReadOnlySpan<char> span = text.AsSpan();
        if (span.Length > 0 && span[0] is '-' or '+')
        {
            span = span[1..];
        }

        return span.Length > 0 && span.ContainsAnyExceptInRange('0', '9') == false;
    }
}
