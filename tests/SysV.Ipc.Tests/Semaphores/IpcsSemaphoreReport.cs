using System.Globalization;
using System.Text.RegularExpressions;
using SysV.Ipc.Tests.Infrastructure;

namespace SysV.Ipc.Tests.Semaphores;

/// <summary>What <c>ipcs -s -i ID</c> (util-linux, C locale) prints about one semaphore set, parsed.</summary>
internal sealed partial record IpcsSemaphoreReport(
    int Id, uint Uid, uint Gid, uint Cuid, uint Cgid, int Mode, int Count,
    DateTimeOffset? OperationTime, DateTimeOffset? ChangeTime, IReadOnlyList<IpcsSemaphoreRow> Rows)
{
    public static IpcsSemaphoreReport Read(int id)
    {
        string text = Shell.Check("ipcs", "-s", "-i", id.ToString(CultureInfo.InvariantCulture));
        var rows = new List<IpcsSemaphoreRow>();
        bool inTable = false;
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith("semnum", StringComparison.Ordinal))
            {
                inTable = true;
                continue;
            }

            string[] f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (inTable && f.Length == 5)
            {
                rows.Add(new IpcsSemaphoreRow(Int(f[0]), Int(f[1]), Int(f[2]), Int(f[3]), Int(f[4])));
            }
        }

        return new IpcsSemaphoreReport(
            Int(Field(text, @"semid=(\d+)")),
            (uint)Int(Field(text, @"\buid=(\d+)")),
            (uint)Int(Field(text, @"\bgid=(\d+)")),
            (uint)Int(Field(text, @"cuid=(\d+)")),
            (uint)Int(Field(text, @"cgid=(\d+)")),
            Convert.ToInt32(Field(text, @"\bmode=(0[0-7]*)"), 8),
            Int(Field(text, @"nsems = (\d+)")),
            Time(Field(text, @"otime = (.*)")),
            Time(Field(text, @"ctime = (.*)")),
            rows);
    }

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    private static string Field(string text, string pattern)
    {
        Match m = Regex.Match(text, pattern);
        return m.Success ? m.Groups[1].Value.Trim() : throw new Xunit.Sdk.XunitException($"ipcs output has no match for '{pattern}':\n{text}");
    }

    /// <summary>ctime(3) format in the local time zone ("Fri Nov  7 04:13:56 2026"), or "Not set".</summary>
    private static DateTimeOffset? Time(string text)
    {
        if (text == "Not set")
        {
            return null;
        }

        string collapsed = SpaceRun().Replace(text, " ");
        DateTime local = DateTime.ParseExact(collapsed, "ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal);
        return new DateTimeOffset(local);
    }

    [GeneratedRegex(" +")]
    private static partial Regex SpaceRun();
}

internal sealed record IpcsSemaphoreRow(int Index, int Value, int WaitingCount, int ZeroWaitingCount, int LastPid);
