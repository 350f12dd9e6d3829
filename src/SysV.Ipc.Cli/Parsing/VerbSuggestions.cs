namespace SysV.Ipc.Cli.Parsing;

/// <summary>"did you mean 'ls'?": the verb a mistyped or borrowed word most likely meant.</summary>
internal static class VerbSuggestions
{
    // Words people bring from other tools.
    private static readonly Dictionary<string, string> s_synonyms = new(StringComparer.OrdinalIgnoreCase)
    {
        ["list"] = "ls", ["ipcls"] = "ls", ["dir"] = "ls", ["status"] = "ls",
        ["info"] = "show", ["inspect"] = "show", ["cat"] = "show", ["get"] = "show",
        ["remove"] = "rm", ["delete"] = "rm", ["del"] = "rm", ["ipcrm"] = "rm", ["kill"] = "rm",
        ["make"] = "mk", ["create"] = "mk", ["new"] = "mk", ["ipcmk"] = "mk", ["mkdir"] = "mk",
        ["ftok"] = "key",
        ["hexdump"] = "dump", ["xxd"] = "dump",
        ["watch"] = "top", ["monitor"] = "top",
    };

    public static string? Guess(string word, IEnumerable<Command> verbs)
    {
        var names = verbs.SelectMany(v => v.Aliases.Prepend(v.Name).Select(n => (Name: n, Verb: v.Name))).ToList();
        if (s_synonyms.TryGetValue(word, out string? synonym) && names.Any(n => n.Verb == synonym))
        {
            return synonym;
        }

        var best = names
            .Select(n => (n.Verb, Distance: Distance(word.ToLowerInvariant(), n.Name)))
            .OrderBy(n => n.Distance)
            .FirstOrDefault();
        return best.Verb is not null && best.Distance <= Math.Max(1, word.Length / 3) ? best.Verb : null;
    }

    private static int Distance(string a, string b)
    {
        int[] previous = [.. Enumerable.Range(0, b.Length + 1)];
        for (int i = 1; i <= a.Length; i++)
        {
            int[] current = new int[b.Length + 1];
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
