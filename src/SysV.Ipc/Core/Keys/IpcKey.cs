using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// A System V IPC key (C <c>key_t</c>, a signed 32-bit integer): the name under which unrelated processes
/// find the same shared memory segment, message queue or semaphore set.
/// </summary>
/// <remarks>
/// Keys usually come from <see cref="FromFile"/>, which computes exactly what glibc's <c>ftok</c> computes.
/// <see cref="Private"/> (<c>IPC_PRIVATE</c>) always creates a new object that can only be found by its id.
/// </remarks>
public readonly struct IpcKey : IEquatable<IpcKey>, ISpanFormattable
{
    /// <summary><c>IPC_PRIVATE</c>: every create with this key makes a new object, found only by its id.</summary>
    public static IpcKey Private => default;

    /// <summary>Wraps a raw <c>key_t</c> value.</summary>
    /// <param name="value">The key; 0 is <see cref="Private"/>.</param>
    public IpcKey(int value) => Value = value;

    /// <summary>The raw <c>key_t</c> value, as the kernel and C programs see it.</summary>
    public int Value { get; }

    /// <summary>Whether this is <c>IPC_PRIVATE</c> (0).</summary>
    public bool IsPrivate => Value == Libc.IPC_PRIVATE;

    /// <summary>
    /// Derives a key from an existing file and a project id, exactly as glibc's <c>ftok(path, projectId)</c>:
    /// <c>(st_ino &amp; 0xffff) | ((st_dev &amp; 0xff) &lt;&lt; 16) | (projectId &lt;&lt; 24)</c>.
    /// </summary>
    /// <param name="path">An existing file or directory that every party can see. Its inode and device pick the key.</param>
    /// <param name="projectId">Distinguishes several objects derived from one file (the tutorial's <c>PROJ</c>). Only 8 bits are used by ftok, which is why it is a byte.</param>
    /// <returns>The key.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist (ftok would silently return -1).</exception>
    /// <exception cref="UnauthorizedAccessException">A directory on the path may not be searched by this user.</exception>
    /// <exception cref="IOException">stat failed for another reason (a path component is not a directory, a loop of links...).</exception>
    /// <remarks>Distinct files can give the same key: ftok keeps only 16 bits of the inode number.</remarks>
    public static IpcKey FromFile(string path, byte projectId = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("The path contains a NUL character; C would see only the part before it.", nameof(path));
        }

        PlatformGuard.ThrowIfUnsupported();
        int key = Libc.ftok(path, projectId);
        int errno = Marshal.GetLastPInvokeError(); // cleared before the call by the generated stub
        if (key == -1 && errno != 0)
        {
            // -1 with errno 0 is a real key (inode low bits 0xffff, device 0xff, project 0xff).
            string reason = Marshal.GetPInvokeErrorMessage(errno);
            if (errno is Errno.ENOENT)
            {
                throw new FileNotFoundException(
                    $"Cannot derive an IPC key from '{path}': the file does not exist ({reason}). ftok needs an existing file that every party can see; create it first or use a numeric key.",
                    path);
            }

            if (errno is Errno.EACCES)
            {
                throw new UnauthorizedAccessException(
                    $"Cannot derive an IPC key from '{path}': a directory on the path does not let this user (euid {Libc.geteuid()}) search it ({reason}).");
            }

            throw new IOException($"Cannot derive an IPC key from '{path}': stat failed with errno {errno} ({reason}).");
        }

        return new IpcKey(key);
    }

    /// <summary>Parses "0x1a2b3c4d" (hexadecimal, as ipcs prints keys) or a decimal number, which may be negative.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The key.</returns>
    /// <exception cref="FormatException">The text is not a number, or does not fit the 32 bits of key_t.</exception>
    public static IpcKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out IpcKey key)
            ? key
            : throw new FormatException($"'{text}' is not an IPC key: expected 0x followed by at most 8 hexadecimal digits, or a decimal number from {int.MinValue} to {uint.MaxValue}.");
    }

    /// <summary>Parses like <see cref="Parse"/> without throwing.</summary>
    /// <param name="text">The text.</param>
    /// <param name="key">The key when the result is <see langword="true"/>.</param>
    /// <returns>Whether the text was a key that fits key_t.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, out IpcKey key)
    {
        key = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        ReadOnlySpan<char> span = text.AsSpan().Trim();
        if (span.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            if (uint.TryParse(span[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint hex) && span.Length > 2)
            {
                key = new IpcKey(unchecked((int)hex));
                return true;
            }

            return false;
        }

        // Decimal: signed as /proc/sysvipc prints it, or unsigned as some tools print it; never truncated.
        if (long.TryParse(span, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value)
            && value >= int.MinValue && value <= uint.MaxValue)
        {
            key = new IpcKey(unchecked((int)value));
            return true;
        }

        return false;
    }

    /// <summary>The key as ipcs prints it: "0x%08x".</summary>
    /// <returns>For example "0x0000162e".</returns>
    public override string ToString() => "0x" + unchecked((uint)Value).ToString("x8", CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
        => destination.TryWrite(CultureInfo.InvariantCulture, $"0x{unchecked((uint)Value):x8}", out charsWritten);

    /// <inheritdoc/>
    public bool Equals(IpcKey other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is IpcKey other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Value;

    /// <summary>Compares two keys.</summary>
    /// <param name="left">A key.</param>
    /// <param name="right">Another key.</param>
    /// <returns>Whether they are the same key_t.</returns>
    public static bool operator ==(IpcKey left, IpcKey right) => left.Equals(right);

    /// <summary>Compares two keys.</summary>
    /// <param name="left">A key.</param>
    /// <param name="right">Another key.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(IpcKey left, IpcKey right) => !left.Equals(right);
}
