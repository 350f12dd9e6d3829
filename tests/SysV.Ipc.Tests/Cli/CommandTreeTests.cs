using System.CommandLine;
using System.Globalization;
using SysV.Ipc.Cli;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Cli;

/// <summary>
/// A run that names a verb first builds that verb's command only (the others are placeholders), for the
/// native tool's start-up: what it parses and prints must be what the whole command tree gives, for every
/// verb and alias, and help, unknown verbs and completion must still see every verb.
/// </summary>
public sealed class CommandTreeTests : IpcLeakGuard
{
    public static TheoryData<string> VerbNames()
    {
        var names = new TheoryData<string>();
        foreach (SysvIpcCli.Verb verb in SysvIpcCli.Verbs)
        {
            names.Add(verb.Name);
            foreach (string alias in verb.Aliases)
            {
                names.Add(alias);
            }
        }

        return names;
    }

    [Fact]
    public void TheVerbTable_NamesWhatEachFactoryBuilds_InTheRootsOrder()
    {
        foreach (SysvIpcCli.Verb verb in SysvIpcCli.Verbs)
        {
            Command command = verb.Create();
            Assert.Equal(verb.Name, command.Name);
            Assert.Equal(verb.Aliases, command.Aliases);
        }

        Command whole = SysvIpcCli.CreateRoot(only: null);
        Assert.Equal(SysvIpcCli.Verbs.Select(v => v.Name), whole.Subcommands.Select(c => c.Name));
    }

    [Fact]
    public void ARunNamingAVerb_BuildsThatVerbOnly_AndPlaceholdersCarryTheOtherNames()
    {
        foreach (SysvIpcCli.Verb verb in SysvIpcCli.Verbs)
        {
            Command root = verb.Root;
            Assert.Equal(SysvIpcCli.Verbs.Select(v => v.Name), root.Subcommands.Select(c => c.Name));
            foreach (Command sub in root.Subcommands)
            {
                if (sub.Name == verb.Name)
                {
                    Assert.True(sub.Action is not null || sub.Subcommands.Count > 0, $"{verb.Name}: not built");
                    Assert.Equal(verb.Create().Options.Select(o => o.Name), sub.Options.Select(o => o.Name));
                }
                else
                {
                    Assert.True(sub.Options.Count == 0 && sub.Arguments.Count == 0 && sub.Subcommands.Count == 0 && sub.Action is null, $"{verb.Name}: {sub.Name} was built");
                    Assert.Equal(SysvIpcCli.Find(sub.Name)!.Aliases, sub.Aliases);
                }
            }
        }

        Assert.Same(SysvIpcCli.Find("ls"), SysvIpcCli.Find("ipcs"));
        Assert.Null(SysvIpcCli.Find("list"));
        Assert.Null(SysvIpcCli.Find("--help"));
    }

    [Theory]
    [MemberData(nameof(VerbNames))]
    public void HelpAndParseErrors_OfEveryVerb_AreTheWholeTreesText(string verb)
    {
        string[][] runs =
        [
            [verb, "--help"],
            [verb, "-h"],
            [verb, "--no-such-option"],
            [verb, "extra", "words"],
            [verb, "--help", "bash"],
        ];
        foreach (string[] args in runs)
        {
            AssertSameAsWholeTree(args);
        }

        CliRunner.Result help = CliRunner.Run(verb, "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains($"Usage:\n  sysvipc {SysvIpcCli.Find(verb)!.Name} ", help.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void TheBridgesSubcommands_HelpAndErrors_AreTheWholeTreesText()
    {
        foreach (Command sub in SysvIpcCli.Find("bridge")!.Create().Subcommands)
        {
            AssertSameAsWholeTree("bridge", sub.Name, "--help");
            AssertSameAsWholeTree("bridge", sub.Name, "--no-such-option");
            Assert.EndsWith($" (see 'sysvipc bridge {sub.Name} --help')\n", CliRunner.Run("bridge", sub.Name, "--no-such-option").Error, StringComparison.Ordinal);
        }

        AssertSameAsWholeTree("bridge");
    }

    [Fact]
    public void EveryOptionOfEveryVerb_IsParsedAsThatOption_WhenOnlyItsVerbIsBuilt()
    {
        foreach (SysvIpcCli.Verb verb in SysvIpcCli.Verbs)
        {
            foreach (Command root in (Command[])[verb.Root, verb.RootWithoutHelp])
            {
                Command command = root.Subcommands.Single(c => c.Name == verb.Name);
                foreach ((Command owner, string[] path) in Commands(command, [verb.Name]))
                {
                    foreach (Option option in owner.Options)
                    {
                        foreach (string name in option.Aliases.Prepend(option.Name))
                        {
                            string[] values = option.Arity.MinimumNumberOfValues > 0 ? ["1"] : [];
                            ParseResult result = root.Parse([.. path, name, .. values]);
                            Assert.True(result.GetResult(option) is not null, $"sysvipc {string.Join(' ', path)} {name}: not parsed as {option.Name}");
                            Assert.Same(owner, result.CommandResult.Command);
                        }
                    }
                }
            }
        }

        static IEnumerable<(Command, string[])> Commands(Command command, string[] path)
        {
            yield return (command, path);
            foreach (Command sub in command.Subcommands)
            {
                foreach ((Command, string[]) inner in Commands(sub, [.. path, sub.Name]))
                {
                    yield return inner;
                }
            }
        }
    }

    [Fact]
    public void EveryWordTheHelpAndVersionOptionsAnswerTo_ParsesWithThem_AndTheRootWithoutThemHasNone()
    {
        // The root without help and version options is for runs that cannot be asking for either; any word
        // that could (a name, a bundle of short options, a name with a value, a response file) takes the root
        // with them, so it does what the whole tree does.
        Command whole = SysvIpcCli.CreateRoot(only: null);
        string[] names = [.. whole.Options.SelectMany(o => o.Aliases.Prepend(o.Name))];
        Assert.Equal(["--help", "-h", "/h", "-?", "/?", "--version", "-V"], names);
        foreach (string name in names)
        {
            Assert.True(SysvIpcCli.MayAskForHelpOrVersion(["ls", name]), name);
            AssertSameAsWholeTree("ls", name);
        }

        string[][] runs = [["ls", "-mh"], ["ls", "-qV"], ["rm", "-a?"], ["ls", "--help=x"], ["ls", "--version:1"], ["ls", "/h:1"], ["ls", "/?=x"], ["mk", "-Q", "-h"], ["ls", "@no-such-response-file"]];
        foreach (string[] args in runs)
        {
            Assert.True(SysvIpcCli.MayAskForHelpOrVersion(args), string.Join(' ', args));
            AssertSameAsWholeTree(args);
        }

        foreach (string[] args in (string[][])[["ls"], ["ls", "-m", "-p"], ["rm", "--dry-run", "--all=shm"], ["ls", "--key", "0x7e00abcd"], ["key", "/tmp", "--proj", "1"], ["key", "/home/h", "--proj", "1"]])
        {
            Assert.False(SysvIpcCli.MayAskForHelpOrVersion(args), string.Join(' ', args));
        }

        foreach (SysvIpcCli.Verb verb in SysvIpcCli.Verbs)
        {
            Assert.Empty(verb.RootWithoutHelp.Options);
            Assert.Equal(verb.Root.Subcommands.Select(c => c.Name), verb.RootWithoutHelp.Subcommands.Select(c => c.Name));
        }
    }

    [Theory]
    [MemberData(nameof(VerbNames))]
    public void AMistypedVerb_IsSuggested_AsTheWholeTreeSuggestsIt(string verb)
    {
        string expected = SysvIpcCli.Find(verb)!.Name;
        CliRunner.Result typo = CliRunner.Run(verb + "x");
        Assert.Equal(1, typo.ExitCode);
        Assert.Equal($"sysvipc: unknown verb '{verb}x'; did you mean '{expected}'? (see 'sysvipc --help')\n", typo.Error);
        AssertSameAsWholeTree(verb + "x");
        AssertSameAsWholeTree(verb[1..]);
        AssertSameAsWholeTree(verb.ToUpperInvariant(), "--help");
    }

    [Fact]
    public void RootHelp_NoVerb_AndVersion_AreTheWholeTreesText_AndListEveryVerb()
    {
        AssertSameAsWholeTree("--help");
        AssertSameAsWholeTree();
        AssertSameAsWholeTree("--version");
        AssertSameAsWholeTree("list");
        AssertSameAsWholeTree("-x");

        string help = CliRunner.Run("--help").Output;
        foreach (SysvIpcCli.Verb verb in SysvIpcCli.Verbs)
        {
            Assert.Contains("\n  " + string.Join(", ", verb.Aliases.Prepend(verb.Name).Order(StringComparer.Ordinal)), help, StringComparison.Ordinal);
        }

        Assert.Equal(
            $"sysvipc: no verb given; usage: sysvipc <{string.Join('|', SysvIpcCli.CreateRoot(only: null).Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}> [options] (see 'sysvipc --help')\n",
            CliRunner.Run().Error);
    }

    [Fact]
    public void Completion_OffersEveryVerb_AndEveryOptionOfEachVerb()
    {
        string[] verbs = CliRunner.Run("__complete", "").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (SysvIpcCli.Verb verb in SysvIpcCli.Verbs)
        {
            Assert.Contains(verb.Name, verbs);
            string[] options = CliRunner.Run("__complete", verb.Name + " -").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (Option option in verb.Create().Options.Where(o => !o.Hidden))
            {
                Assert.True(options.Contains(option.Name), $"'sysvipc {verb.Name} -' does not complete {option.Name}: {string.Join(' ', options)}");
            }
        }
    }

    /// <summary>The same exit code and the same text on both writers, with the named verb's tree and with the whole one.</summary>
    private static void AssertSameAsWholeTree(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        using var wholeOutput = new StringWriter(CultureInfo.InvariantCulture);
        using var wholeError = new StringWriter(CultureInfo.InvariantCulture);
        int code = SysvIpcCli.Run(args, output, error, wholeTree: false);
        int wholeCode = SysvIpcCli.Run(args, wholeOutput, wholeError, wholeTree: true);
        string line = "sysvipc " + string.Join(' ', args);
        Assert.True(wholeCode == code, $"{line}: exit {code}, {wholeCode} with the whole tree");
        Assert.True(wholeOutput.ToString() == output.ToString(), $"{line}: output differs from the whole tree's:\n{output}\n---\n{wholeOutput}");
        Assert.True(wholeError.ToString() == error.ToString(), $"{line}: errors differ from the whole tree's:\n{error}\n---\n{wholeError}");
    }
}
