using System.Runtime.InteropServices;
using System.Text;

namespace SysV.Ipc.Tests.Infrastructure;

/// <summary>
/// The tutorial's shared area, <c>struct _syscall { signed char id; ...; char buf[BUFSIZE_MAX]; }</c>, as
/// Native/tutorial_shm.c declares it (id, pid, seq, buf[256]); the C interop test checks the layout.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct TutorialSyscall
{
    public const int BufSizeMax = 256;

    public sbyte Id;
    public int Pid;
    public long Seq;
    public fixed byte Buf[BufSizeMax];

    public static TutorialSyscall Create(sbyte id, int pid, long seq, string text)
    {
        var value = new TutorialSyscall { Id = id, Pid = pid, Seq = seq };
        value.SetText(text);
        return value;
    }

    /// <summary>Stores text as a NUL-terminated UTF-8 string; refuses what does not fit rather than cutting it.</summary>
    public void SetText(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length >= BufSizeMax)
        {
            throw new ArgumentException($"{bytes.Length} bytes do not fit buf[{BufSizeMax}] with its terminating NUL.", nameof(text));
        }

        fixed (byte* buf = Buf)
        {
            var span = new Span<byte>(buf, BufSizeMax);
            span.Clear();
            bytes.CopyTo(span);
        }
    }

    /// <summary>Reads buf as another process wrote it: untrusted, so a missing NUL is an error, not a read past the end.</summary>
    public readonly string GetText()
    {
        fixed (byte* buf = Buf)
        {
            var span = new ReadOnlySpan<byte>(buf, BufSizeMax);
            int end = span.IndexOf((byte)0);
            if (end < 0)
            {
                throw new InvalidDataException($"buf[{BufSizeMax}] holds no NUL terminator.");
            }

            return Encoding.UTF8.GetString(span[..end]);
        }
    }
}
