using System.Globalization;

namespace SysV.Ipc.Samples.Tutorial;

/// <summary>
/// The command line shared by the C and C# programs: <c>PATH [--proj N] [--verify N] [REQUEST...]</c>
/// (the role word, server or client, comes before and is not part of it).
/// </summary>
public sealed record TutorialArguments
{
    /// <summary>The usage text.</summary>
    public const string Usage =
        "server PATH [--proj N]\n" +
        "client PATH [--proj N] [--verify N] [" + TutorialRequest.Syntax + "]...";

    /// <summary>An existing file: ftok(Path, ProjectId) is the key.</summary>
    public required string Path { get; init; }

    /// <summary>PROJ, 1 to 255.</summary>
    public byte ProjectId { get; init; } = TutorialProtocol.DefaultProjectId;

    /// <summary>Client: send this many generated requests and verify every reply (0: send <see cref="Requests"/>).</summary>
    public int Verify { get; init; }

    /// <summary>Client: the requests to send.</summary>
    public IReadOnlyList<TutorialRequest> Requests { get; init; } = [];

    /// <summary>Parses, or writes the problem and the usage to <paramref name="error"/> and returns null.</summary>
    /// <param name="args">The arguments after the role word.</param>
    /// <param name="error">Where a parse error and the usage go.</param>
    /// <returns>The arguments, or null when they could not be parsed.</returns>
    public static TutorialArguments? TryParse(IReadOnlyList<string> args, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            return Parse(args);
        }
        catch (FormatException e)
        {
            error.WriteLine($"{e.Message}\nusage: {Usage}");
            return null;
        }
    }

    /// <summary>Parses the arguments after the role word.</summary>
    /// <param name="args">The arguments.</param>
    /// <returns>The parsed arguments.</returns>
    /// <exception cref="FormatException">With a message saying what is wrong.</exception>
    public static TutorialArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0)
        {
            throw new FormatException("Missing PATH: an existing file every party uses to derive the key (ftok).");
        }

        byte project = TutorialProtocol.DefaultProjectId;
        int verify = 0;
        int next = 1;
        while (next + 1 < args.Count && args[next].StartsWith("--", StringComparison.Ordinal))
        {
            string value = args[next + 1];
            switch (args[next])
            {
                case "--proj" when byte.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out byte p) && p > 0:
                    project = p;
                    break;
                case "--verify" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int v):
                    verify = v;
                    break;
                default:
                    throw new FormatException($"Bad option '{args[next]} {value}': --proj takes 1 to 255, --verify a count.");
            }

            next += 2;
        }

        return new TutorialArguments
        {
            Path = args[0],
            ProjectId = project,
            Verify = verify,
            Requests = [.. args.Skip(next).Select(TutorialRequest.Parse)],
        };
    }

    /// <summary>The arguments as the programs take them.</summary>
    /// <returns>PATH --proj N, then --verify N or the requests.</returns>
    public string[] ToArguments()
    {
        List<string> args = [Path, "--proj", ProjectId.ToString(CultureInfo.InvariantCulture)];
        if (Verify > 0)
        {
            args.AddRange(["--verify", Verify.ToString(CultureInfo.InvariantCulture)]);
        }

        args.AddRange(Requests.Select(Format));
        return [.. args];
    }

    private static string Format(TutorialRequest r) => r switch
    {
        { Crash: true } => "crash",
        { Id: MessageId.Echo } => "echo:" + r.Text,
        { Id: MessageId.Upper } => "upper:" + r.Text,
        { Id: MessageId.Add } => string.Create(CultureInfo.InvariantCulture, $"add:{r.A}:{r.B}"),
        { Id: MessageId.Time } => "time",
        { Id: MessageId.Pid } => "pid",
        { Id: MessageId.Quit } => "quit",
        _ => "unspec",
    };
}
