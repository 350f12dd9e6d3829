using System.CommandLine.Parsing;

namespace SysV.Ipc.Cli.Parsing;

/// <summary>Where the order of options matters (ipcs: the last output form wins; ipcrm: removals run in the order given).</summary>
internal static class TokenOrder
{
    /// <summary>The option among <paramref name="candidates"/> given last on the command line, or null.</summary>
    public static Option? Last(ParseResult result, params Option[] candidates)
    {
        Option? last = null;
        foreach (Token token in result.Tokens)
        {
            if (token.Type == TokenType.Option && Find(token, candidates) is { } option)
            {
                last = option;
            }
        }

        return last;
    }

    /// <summary>Each value given to one of <paramref name="options"/>, with its option, in command-line order.</summary>
    public static IReadOnlyList<(Option Option, string Value)> Values(ParseResult result, params Option[] options)
    {
        var values = new List<(Option, string)>();
        Option? pending = null;
        foreach (Token token in result.Tokens)
        {
            if (token.Type == TokenType.Option)
            {
                pending = Find(token, options);
            }
            else if (token.Type == TokenType.Argument && pending is not null)
            {
                values.Add((pending, token.Value));
                pending = null;
            }
            else
            {
                pending = null;
            }
        }

        return values;
    }

    private static Option? Find(Token token, Option[] options)
        => options.FirstOrDefault(o => o.Name == token.Value || o.Aliases.Contains(token.Value));
}
