using System.Text;

namespace SysV.Ipc;

/// <summary>Explains how two layout texts (see <see cref="StructLayoutSignature"/>) differ, field by field.</summary>
internal static class LayoutComparison
{
    internal static string Explain(string expected, string actual)
    {
        if (!TryParse(expected, out string expectedSize, out List<(string Name, string Entry)> mine)
            || !TryParse(actual, out string actualSize, out List<(string Name, string Entry)> theirs))
        {
            return "the layouts differ";
        }

        var reasons = new List<string>();
        if (expectedSize != actualSize)
        {
            reasons.Add($"the area's struct is {actualSize} bytes, this process's is {expectedSize}");
        }

        // The area's text comes from another process: tolerate duplicate names instead of throwing.
        Dictionary<string, string> theirsByName = ByName(theirs);
        Dictionary<string, string> mineByName = ByName(mine);
        foreach (var (name, entry) in theirs.Where(f => !mineByName.ContainsKey(f.Name)))
        {
            reasons.Add($"field {name} ({entry}) exists only in the area's layout");
        }

        foreach (var (name, entry) in mine.Where(f => !theirsByName.ContainsKey(f.Name)))
        {
            reasons.Add($"field {name} ({entry}) exists only in this process's layout");
        }

        foreach (var (name, entry) in mine)
        {
            if (theirsByName.TryGetValue(name, out string? other) && other != entry)
            {
                reasons.Add($"field {name} is {other} in the area but {entry} here");
            }
        }

        string[] commonMine = [.. mine.Select(f => f.Name).Where(theirsByName.ContainsKey)];
        string[] commonTheirs = [.. theirs.Select(f => f.Name).Where(mineByName.ContainsKey)];
        if (!commonMine.SequenceEqual(commonTheirs))
        {
            reasons.Add($"the fields are in a different order (area: {string.Join(", ", commonTheirs)}; here: {string.Join(", ", commonMine)})");
        }

        return reasons.Count == 0 ? "the layouts differ" : string.Join("; ", reasons);
    }

    private static Dictionary<string, string> ByName(List<(string Name, string Entry)> fields)
    {
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, entry) in fields)
        {
            byName.TryAdd(name, entry);
        }

        return byName;
    }

    /// <summary>Splits "struct(N){a:i32@0,b:struct(8){...}@8}" into its size and top-level fields.</summary>
    private static bool TryParse(string layout, out string size, out List<(string Name, string Entry)> fields)
    {
        size = string.Empty;
        fields = [];
        int open = layout.IndexOf('{', StringComparison.Ordinal);
        if (!layout.StartsWith("struct(", StringComparison.Ordinal) || open < 0 || !layout.EndsWith('}'))
        {
            return false;
        }

        int close = layout.IndexOf(')', StringComparison.Ordinal);
        if (close < 7 || close > open)
        {
            return false;
        }

        size = layout[7..close];
        var current = new StringBuilder();
        int depth = 0;
        foreach (char c in layout.AsSpan(open + 1, layout.Length - open - 2))
        {
            depth += c is '{' or '(' or '[' ? 1 : c is '}' or ')' or ']' ? -1 : 0;
            if (c == ',' && depth == 0)
            {
                Add(fields, current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.Length > 0)
        {
            Add(fields, current.ToString());
        }

        return true;

        static void Add(List<(string, string)> fields, string field)
        {
            int colon = field.IndexOf(':', StringComparison.Ordinal);
            fields.Add(colon > 0 ? (field[..colon], field[(colon + 1)..]) : (field, field));
        }
    }
}
