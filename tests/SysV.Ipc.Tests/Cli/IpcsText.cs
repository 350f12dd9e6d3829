namespace SysV.Ipc.Tests.Cli;

/// <summary>
/// Reduces an ipcs-style listing to the lines a test can compare exactly: titles, headers and blank
/// lines, and only the rows of the objects the test created (other objects on the machine may come and
/// go between two listings).
/// </summary>
internal static class IpcsText
{
    public static string OnlyRows(string listing, ISet<int> queueIds, ISet<int> segmentIds, ISet<int> semaphoreIds)
    {
        var kept = new List<string>();
        ISet<int> current = new HashSet<int>();
        foreach (string line in listing.Split('\n'))
        {
            if (line.StartsWith("------ Message", StringComparison.Ordinal))
            {
                current = queueIds;
            }
            else if (line.StartsWith("------ Shared", StringComparison.Ordinal))
            {
                current = segmentIds;
            }
            else if (line.StartsWith("------ Semaphore", StringComparison.Ordinal))
            {
                current = semaphoreIds;
            }

            if (RowId(line) is { } id && !current.Contains(id))
            {
                continue;
            }

            kept.Add(line);
        }

        return string.Join('\n', kept);
    }

    /// <summary>The id of a data row (second column when it starts with a key, first otherwise); null for other lines.</summary>
    public static int? RowId(string line)
    {
        if (line.Length == 0)
        {
            return null;
        }

        bool keyed = line.StartsWith("0x", StringComparison.Ordinal);
        if (!keyed && !char.IsAsciiDigit(line[0]))
        {
            return null;
        }

        string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string idField = keyed ? fields[1] : fields[0];
        return int.TryParse(idField, out int id) ? id : null;
    }

    /// <summary>The data rows of one block, split into fields, keyed by id.</summary>
    public static Dictionary<int, string[]> Rows(string listing, string titlePrefix)
    {
        var rows = new Dictionary<int, string[]>();
        bool inBlock = false;
        foreach (string line in listing.Split('\n'))
        {
            if (line.StartsWith("------ ", StringComparison.Ordinal))
            {
                inBlock = line.StartsWith(titlePrefix, StringComparison.Ordinal);
                continue;
            }

            if (inBlock && RowId(line) is { } id)
            {
                rows[id] = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }
        }

        return rows;
    }
}
