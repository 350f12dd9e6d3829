using System.Runtime.InteropServices;
using System.Text;

namespace SysV.Ipc.Samples.Tutorial;

/// <summary>Request codes (<see cref="Syscall.Id"/>), the MESG_* of message.c.</summary>
public enum MessageId : sbyte
{
    /// <summary>MESG_UNSPEC: what clear_syscall leaves; as a request, answered with <see cref="MessageStatus.BadRequest"/>.</summary>
    Unspecified = 0,

    /// <summary>MESG_ECHO: the reply's text is the request's text.</summary>
    Echo = 1,

    /// <summary>MESG_UPPER: the reply's text is the request's text in upper case (ASCII letters).</summary>
    Upper = 2,

    /// <summary>MESG_ADD: the reply's result is Arg[0] + Arg[1] (<see cref="MessageStatus.BadArgument"/> on overflow).</summary>
    Add = 3,

    /// <summary>MESG_TIME: the result is the server's Unix time in seconds, the text the same time in ISO 8601 (UTC).</summary>
    Time = 4,

    /// <summary>MESG_PID: the result is the server's pid, the text says which language it is written in.</summary>
    Pid = 5,

    /// <summary>MESG_QUIT: the server replies "bye", then removes every IPC object and exits.</summary>
    Quit = 6,
}

/// <summary>Reply status (<see cref="Syscall.Status"/>).</summary>
public enum MessageStatus : sbyte
{
    /// <summary>MESG_OK.</summary>
    Ok = 0,

    /// <summary>MESG_EBADREQ: unknown request code.</summary>
    BadRequest = -1,

    /// <summary>MESG_EBADARG: a length out of range, or an overflow.</summary>
    BadArgument = -2,
}

/// <summary>
/// The shared area of message.c (<c>struct _syscall</c>), field for field: 304 bytes, the same offsets
/// in C and C#. The C program embeds <see cref="SharedStruct{T}.LayoutDescription"/> of this struct, so
/// the header's layout signature matches on both sides.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Syscall
{
    /// <summary>The largest text, terminator included (BUFSIZE_MAX).</summary>
    public const int BufferSize = 256;

    /// <summary>Request: one of the MESG_* codes.</summary>
    public MessageId Id;

    /// <summary>Reply: MESG_OK or a negative error.</summary>
    public MessageStatus Status;

    /// <summary>Padding, kept zero.</summary>
    public fixed byte Reserved[2];

    /// <summary>The pid of the client that made the request.</summary>
    public int Client;

    /// <summary>The client's request number, echoed by the reply.</summary>
    public int Seq;

    /// <summary>Reply: how many requests the server has answered, this one included.</summary>
    public int Served;

    /// <summary>Bytes of text in <see cref="Buf"/> (0 to BufferSize - 1); Buf[Len] is 0.</summary>
    public int Len;

    /// <summary>Numeric arguments.</summary>
    public fixed long Arg[2];

    /// <summary>Numeric result.</summary>
    public long Result;

    /// <summary>Text argument, then text reply (UTF-8, NUL-terminated).</summary>
    public fixed byte Buf[BufferSize];

    /// <summary>The tutorial's clear_syscall: everything back to "no request".</summary>
    /// <param name="call">The area.</param>
    public static void Clear(ref Syscall call)
    {
        call.Id = MessageId.Unspecified;
        call.Status = MessageStatus.Ok;
        call.Reserved[0] = 0;
        call.Reserved[1] = 0;
        call.Client = 0;
        call.Seq = 0;
        call.Served = 0;
        call.Len = 0;
        call.Arg[0] = 0;
        call.Arg[1] = 0;
        call.Result = 0;
        call.Buf[0] = 0;
    }

    /// <summary>Writes <paramref name="text"/> into <see cref="Buf"/> and sets <see cref="Len"/>.</summary>
    /// <param name="text">At most BufferSize - 1 bytes of UTF-8.</param>
    /// <exception cref="ArgumentException">The text does not fit.</exception>
    public void SetText(ReadOnlySpan<byte> text)
    {
        if (text.Length >= BufferSize)
        {
            throw new ArgumentException($"The text is {text.Length} bytes; the shared buffer holds at most {BufferSize - 1} and a terminator.", nameof(text));
        }

        fixed (byte* buffer = Buf)
        {
            text.CopyTo(new Span<byte>(buffer, BufferSize));
            buffer[text.Length] = 0;
        }

        Len = text.Length;
    }

    /// <summary>The text, if <see cref="Len"/> is in range (it comes from another process); null otherwise.</summary>
    /// <returns>The bytes, or null.</returns>
    public readonly byte[]? GetText()
    {
        int length = Len;
        if (length < 0 || length >= BufferSize)
        {
            return null;
        }

        fixed (byte* buffer = Buf)
        {
            return new ReadOnlySpan<byte>(buffer, length).ToArray();
        }
    }

    /// <summary>The text as a string (invalid UTF-8 replaced), or a note when the length is out of range.</summary>
    /// <returns>The text.</returns>
    public readonly string GetTextString() => GetText() is { } bytes ? Encoding.UTF8.GetString(bytes) : $"(bad length {Len})";
}
