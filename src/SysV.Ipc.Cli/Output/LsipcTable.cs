using System.Text;

namespace SysV.Ipc.Cli.Output;

/// <summary>The output modes of lsipc (libsmartcols): an aligned table, raw, export, one cell per line, or JSON.</summary>
internal enum LsipcMode
{
    Table,
    Raw,
    Export,
    Newline,
    Json,
}

/// <summary>
/// Writes rows of cells as lsipc's libsmartcols does: every cell made safe (control characters as \xHH),
/// raw mode with blanks as \x20, export as NAME="value" with shell quoting, JSON with string values and
/// null for an empty cell, --shell names (USE% becomes USE_PCT).
/// </summary>
internal sealed class LsipcTable(TextWriter output, LsipcMode mode, bool noHeadings, bool shell)
{
    public void Write(string jsonName, IReadOnlyList<(string Name, bool Right)> columns, IReadOnlyList<string?[]> rows)
    {
        switch (mode)
        {
            case LsipcMode.Json:
                WriteJson(jsonName, columns, rows);
                return;
            case LsipcMode.Export:
            case LsipcMode.Newline:
                string separator = mode == LsipcMode.Newline ? "\n" : " ";
                foreach (string?[] row in rows)
                {
                    output.Write(string.Join(separator, columns.Select((c, i) => Name(c.Name) + "=\"" + Quote(CText.SafeEncode(row[i] ?? string.Empty)) + "\"")) + "\n");
                }

                return;
            case LsipcMode.Raw:
                if (!noHeadings)
                {
                    output.Write(string.Join(" ", columns.Select(c => Name(c.Name))) + "\n");
                }

                foreach (string?[] row in rows)
                {
                    output.Write(string.Join(" ", row.Select(v => Blanks(CText.SafeEncode(v ?? string.Empty)))) + "\n");
                }

                return;
            default:
                WriteAligned(columns, rows);
                return;
        }
    }

    private void WriteAligned(IReadOnlyList<(string Name, bool Right)> columns, IReadOnlyList<string?[]> rows)
    {
        List<string[]> cells = [.. rows.Select(r => r.Select(v => CText.SafeEncode(v ?? string.Empty)).ToArray())];
        // Widths come from lsipc's own names: a --shell name longer than its column (USE_PCT) overflows it, as in lsipc.
        int[] widths = [.. columns.Select((c, i) => Math.Max(noHeadings ? 0 : c.Name.Length, cells.Select(r => r[i].Length).DefaultIfEmpty(0).Max()))];
        if (!noHeadings)
        {
            output.Write(Line([.. columns.Select(c => Name(c.Name))]));
        }

        foreach (string[] row in cells)
        {
            output.Write(Line(row));
        }

        string Line(string[] values)
        {
            var line = new StringBuilder();
            for (int i = 0; i < values.Length; i++)
            {
                if (i > 0)
                {
                    line.Append(' ');
                }

                bool last = i == values.Length - 1;
                line.Append(columns[i].Right ? values[i].PadLeft(widths[i]) : last ? values[i] : values[i].PadRight(widths[i]));
            }

            return line.Append('\n').ToString();
        }
    }

    private void WriteJson(string jsonName, IReadOnlyList<(string Name, bool Right)> columns, IReadOnlyList<string?[]> rows)
    {
        var json = new StringBuilder();
        json.Append("{\n   \"").Append(jsonName).Append("\": [\n");
        for (int r = 0; r < rows.Count; r++)
        {
            json.Append(r == 0 ? "      {\n" : "},{\n");
            for (int i = 0; i < columns.Count; i++)
            {
                string? value = rows[r][i];
                json.Append("         \"").Append(JsonEscape(Name(columns[i].Name).ToLowerInvariant())).Append("\": ");
                json.Append(string.IsNullOrEmpty(value) ? "null" : "\"" + JsonEscape(value) + "\"");
                json.Append(i < columns.Count - 1 ? ",\n" : "\n");
            }

            json.Append("      ");
        }

        json.Append(rows.Count == 0 ? string.Empty : "}\n").Append("   ]\n}\n");
        output.Write(json.ToString());
    }

    /// <summary>--shell: a name a shell accepts as a variable ("USE%" reads "USE_PCT").</summary>
    private string Name(string name) => shell ? name.Replace("%", "_PCT", StringComparison.Ordinal).Replace('-', '_') : name;

    private static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length);
        foreach (char c in value)
        {
            if (c is '"' or '\\' or '`' or '$')
            {
                quoted.Append('\\');
            }

            quoted.Append(c);
        }

        return quoted.ToString();
    }

    private static string Blanks(string value) => value.Replace(" ", @"\x20", StringComparison.Ordinal).Replace("\t", @"\x09", StringComparison.Ordinal);

    private static string JsonEscape(string value)
    {
        var escaped = new StringBuilder(value.Length);
        foreach (char c in value)
        {
            escaped.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }
}
