using System.Globalization;
using System.Text;

namespace SysV.Ipc.Samples.Tutorial;

/// <summary>One request a client sends, as written on the command line: echo:TEXT, upper:TEXT, add:A:B, time, pid, quit, unspec, crash.</summary>
/// <param name="Id">The request code.</param>
/// <param name="Text">The text argument (UTF-8 must fit in BufferSize - 1 bytes).</param>
/// <param name="A">First numeric argument.</param>
/// <param name="B">Second numeric argument.</param>
/// <param name="Crash">"crash": post the request, then die by SIGKILL holding the lock (shows lock abandonment).</param>
public sealed record TutorialRequest(MessageId Id, string Text = "", long A = 0, long B = 0, bool Crash = false)
{
    /// <summary>The words <see cref="Parse"/> understands.</summary>
    public const string Syntax = "echo:TEXT | upper:TEXT | add:A:B | time | pid | quit | unspec | crash";

    /// <summary>Parses one request word.</summary>
    /// <param name="word">For example "add:2:40".</param>
    /// <returns>The request.</returns>
    /// <exception cref="FormatException">Not one of the forms of <see cref="Syntax"/>, or a text too long for the shared buffer.</exception>
    public static TutorialRequest Parse(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        TutorialRequest request = word switch
        {
            _ when word.StartsWith("echo:", StringComparison.Ordinal) => new(MessageId.Echo, word[5..]),
            _ when word.StartsWith("upper:", StringComparison.Ordinal) => new(MessageId.Upper, word[6..]),
            _ when word.StartsWith("add:", StringComparison.Ordinal) => ParseAdd(word),
            "time" => new(MessageId.Time),
            "pid" => new(MessageId.Pid),
            "quit" => new(MessageId.Quit),
            "unspec" => new(MessageId.Unspecified),
            "crash" => new(MessageId.Echo, "crash", Crash: true),
            _ => throw new FormatException($"Unknown request '{word}': expected {Syntax}."),
        };
        if (Encoding.UTF8.GetByteCount(request.Text) >= Syscall.BufferSize)
        {
            throw new FormatException($"The text of '{word}' is longer than the {Syscall.BufferSize - 1} bytes the shared buffer holds.");
        }

        return request;
    }

    /// <summary>How message.c prints a request: "MESG_ADD 2 40", "MESG_ECHO \"hello\"".</summary>
    /// <returns>The description.</returns>
    public override string ToString() => Id switch
    {
        MessageId.Add => string.Create(CultureInfo.InvariantCulture, $"{Name(Id)} {A} {B}"),
        MessageId.Echo or MessageId.Upper => $"{Name(Id)} \"{Text}\"",
        _ => Name(Id),
    };

    /// <summary>The C name of a request code.</summary>
    /// <param name="id">The code.</param>
    /// <returns>MESG_ECHO and so on.</returns>
    public static string Name(MessageId id) => id switch
    {
        MessageId.Unspecified => "MESG_UNSPEC",
        MessageId.Echo => "MESG_ECHO",
        MessageId.Upper => "MESG_UPPER",
        MessageId.Add => "MESG_ADD",
        MessageId.Time => "MESG_TIME",
        MessageId.Pid => "MESG_PID",
        MessageId.Quit => "MESG_QUIT",
        _ => "MESG_?",
    };

    /// <summary>The C name of a status.</summary>
    /// <param name="status">The status.</param>
    /// <returns>MESG_OK and so on.</returns>
    public static string Name(MessageStatus status) => status switch
    {
        MessageStatus.Ok => "MESG_OK",
        MessageStatus.BadRequest => "MESG_EBADREQ",
        MessageStatus.BadArgument => "MESG_EBADARG",
        _ => "MESG_E?",
    };

    private static TutorialRequest ParseAdd(string word)
    {
        string[] parts = word.Split(':');
        return parts.Length == 3
            && long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long a)
            && long.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long b)
            ? new TutorialRequest(MessageId.Add, A: a, B: b)
            : throw new FormatException($"Expected add:A:B with two integers, got '{word}'.");
    }
}
