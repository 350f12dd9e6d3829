using System.Globalization;
using System.Text.RegularExpressions;

namespace SysV.Ipc.Tests.Infrastructure;

/// <summary>Reads what util-linux's ipcmk/ipcs print, and /proc/sysvipc as raw text: independent of the code under test.</summary>
internal static partial class UtilLinux
{
    /// <summary>Runs ipcmk and returns the id it printed ("Shared memory id: 5").</summary>
    public static int Ipcmk(params string[] args)
    {
        string output = Shell.Check("ipcmk", args);
        Match match = IdLine().Match(output);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException($"ipcmk printed no id: {output}");
    }

    /// <summary>The row of `ipcs -m` (or -q, -s) for an id: key, id, owner, perms, then kind-specific columns.</summary>
    public static string[]? IpcsRow(char kind, int id) =>
        Shell.Check("ipcs", "-" + kind).Split('\n')
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(fields => fields.Length >= 2 && fields[0].StartsWith("0x", StringComparison.Ordinal) && fields[1] == id.ToString(CultureInfo.InvariantCulture));

    /// <summary>`ipcs -m -i ID` as name=value pairs (tab-separated on its lines), values trimmed.</summary>
    public static Dictionary<string, string> IpcsSegmentDetails(int id)
    {
        var values = new Dictionary<string, string>();
        foreach (string line in Shell.Check("ipcs", "-m", "-i", id.ToString(CultureInfo.InvariantCulture)).Split('\n'))
        {
            foreach (string pair in line.Split('\t'))
            {
                int equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0)
                {
                    values[pair[..equals].Trim()] = pair[(equals + 1)..].Trim();
                }
            }
        }

        return values;
    }

    /// <summary>The row of /proc/sysvipc/FILE whose id column (shmid, msqid, semid) is <paramref name="id"/>, by column name.</summary>
    public static Dictionary<string, string>? ProcRow(string file, int id)
    {
        string[] lines = File.ReadAllLines("/proc/sysvipc/" + file);
        string[] header = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (string line in lines.Skip(1))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == header.Length && fields[1] == id.ToString(CultureInfo.InvariantCulture))
            {
                return header.Zip(fields).ToDictionary(p => p.First, p => p.Second);
            }
        }

        return null;
    }

    /// <summary>A time as ctime(3) prints it in the local zone ("Fri Nov 27 04:13:56 2026"), "Not set" for null: what ipcs shows.</summary>
    public static string CTime(DateTimeOffset? time)
    {
        if (time is null)
        {
            return "Not set";
        }

        DateTime local = TimeZoneInfo.ConvertTime(time.Value, TimeZoneInfo.Local).DateTime;
        return string.Create(CultureInfo.InvariantCulture, $"{local:ddd MMM} {local.Day,2} {local:HH:mm:ss yyyy}");
    }

    public static string Octal(int value) => "0" + Convert.ToString(value, 8);

    [GeneratedRegex(@"id: (\d+)")]
    private static partial Regex IdLine();
}
