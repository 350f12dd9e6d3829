using System.Runtime.InteropServices;
using System.Text;

namespace SysV.Ipc.Samples.TutorialWalk;

/// <summary>
/// The tutorial's shared area: <c>struct _syscall { signed char id; ...; char buf[BUFSIZE_MAX]; }</c>. The
/// tutorial elides the middle; this walk uses a pid and a sequence number, laid out as C would (id at 0,
/// pid at 4, seq at 8, buf at 16; 272 bytes), so a C program with the same declaration reads it.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Syscall
{
    public const int BufSizeMax = 256;
    public const sbyte MesgUnspec = 0;

    public sbyte Id;
    public int Pid;
    public long Seq;
    public fixed byte Buf[BufSizeMax];

    /// <summary>The tutorial's <c>clear_syscall(p)</c> initialization macro.</summary>
    public void Clear()
    {
        Id = MesgUnspec;
        Pid = 0;
        Seq = 0;
        Buf[0] = 0;
    }

    /// <summary>Copies text in as a NUL-terminated UTF-8 string; refuses text that does not fit instead of cutting it.</summary>
    public void SetText(string text)
    {
        int count = Encoding.UTF8.GetByteCount(text);
        if (count >= BufSizeMax)
        {
            throw new ArgumentException($"{count} bytes do not fit buf[{BufSizeMax}] with its terminating NUL.", nameof(text));
        }

        fixed (byte* buf = Buf)
        {
            var span = new Span<byte>(buf, BufSizeMax);
            Encoding.UTF8.GetBytes(text, span);
            span[count] = 0;
        }
    }

    /// <summary>Reads buf as another party wrote it: untrusted, so a missing terminator is an error, not a read past the end.</summary>
    public readonly string GetText()
    {
        fixed (byte* buf = Buf)
        {
            var span = new ReadOnlySpan<byte>(buf, BufSizeMax);
            int end = span.IndexOf((byte)0);
            return end >= 0
                ? Encoding.UTF8.GetString(span[..end])
                : throw new InvalidDataException($"buf[{BufSizeMax}] holds no NUL terminator: the shared area is not what this program expects.");
        }
    }
}
