using System.Runtime.InteropServices;
using System.Text;

namespace SysV.Ipc.Cli.Output;

/// <summary>
/// The tool's standard output and error writers. Where <see cref="Console"/> would write UTF-8 (no locale
/// variable names another character set), they are writers of their own that pass every write to file
/// descriptor 1 or 2 at once, as <see cref="Console.Out"/> does, and treat a closed pipe and a non-blocking
/// descriptor as it does; elsewhere they are <see cref="Console.Out"/> and <see cref="Console.Error"/>.
/// </summary>
/// <remarks>
/// Why not always Console: its first use looks the encoding up, probes the terminal and starts a
/// signal-handling thread, about 5% of the native tool's start-up in a CPU profile (docs/cli.md, "Start-up"). Console's
/// own features (colours, cursor, Ctrl+C) still work: it is set up when a verb first uses them.
/// </remarks>
internal static partial class StandardStreams
{
    /// <summary>Standard output.</summary>
    public static TextWriter Out { get; } = Create(1) ?? Console.Out;

    /// <summary>Standard error.</summary>
    public static TextWriter Error { get; } = Create(2) ?? Console.Error;

    /// <summary>
    /// Whether Console would write UTF-8: each of the variables that can name the character set (LC_ALL,
    /// LC_CTYPE, LC_MESSAGES, LANG) is unset, names none (<c>C</c>, <c>POSIX</c>, <c>en_US</c>) or names UTF-8.
    /// </summary>
    internal static bool LocaleIsUtf8(Func<string, string?> variable)
    {
        foreach (string name in (ReadOnlySpan<string>)["LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LANG"])
        {
            string? locale = variable(name);
            if (string.IsNullOrWhiteSpace(locale))
            {
                continue;
            }

            int at = locale.IndexOf('@', StringComparison.Ordinal);
            string withoutModifier = at < 0 ? locale : locale[..at];
            int dot = withoutModifier.IndexOf('.', StringComparison.Ordinal);
            if (dot >= 0 && withoutModifier[(dot + 1)..].ToUpperInvariant() is not ("UTF-8" or "UTF8"))
            {
                return false;
            }
        }

        return true;
    }

    private static TextWriter? Create(int descriptor) =>
        LocaleIsUtf8(Environment.GetEnvironmentVariable)
            ? TextWriter.Synchronized(new StreamWriter(new DescriptorStream(descriptor), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 256) { AutoFlush = true })
            : null;

    /// <summary>A write-only stream on a file descriptor it does not own, written with write(2) as Console writes it.</summary>
    private sealed partial class DescriptorStream(int descriptor) : Stream
    {
        private const int EINTR = 4;
        private const int EAGAIN = 11;
        private const int EPIPE = 32;
        private const short POLLOUT = 4;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override unsafe void Write(ReadOnlySpan<byte> buffer)
        {
            fixed (byte* start = buffer)
            {
                byte* next = start;
                nint left = buffer.Length;
                while (left > 0)
                {
                    nint written = write(descriptor, next, (nuint)left);
                    if (written >= 0)
                    {
                        next += written;
                        left -= written;
                        continue;
                    }

                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == EPIPE)
                    {
                        return; // the reader is gone (sysvipc ls | head -1): Console drops the rest silently too
                    }

                    if (errno == EAGAIN)
                    {
                        var wait = new PollDescriptor { Descriptor = descriptor, Events = POLLOUT };
                        _ = poll(&wait, 1, -1);
                    }
                    else if (errno != EINTR)
                    {
                        throw new IOException($"writing to file descriptor {descriptor} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
                    }
                }
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
        private static unsafe partial nint write(int descriptor, byte* buffer, nuint count);

        [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
        private static unsafe partial int poll(PollDescriptor* descriptors, nuint count, int timeout);

        private struct PollDescriptor
        {
            public int Descriptor;
            public short Events;
            public short Revents;
        }
    }
}
