using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Cli;

/// <summary>
/// 'sysvipc lsipc' against the real lsipc (util-linux 2.38.1) on objects made by ipcmk and by this library
/// (a locked attached segment, a removed one still attached, a queue with messages, an operated set):
/// the same output for every mode, and the same value in every field of every column.
/// </summary>
public sealed class LsipcParityTests : IpcLeakGuard
{
    private static readonly Dictionary<string, string> s_allColumns = new()
    {
        ["-m"] = "KEY,ID,OWNER,PERMS,CUID,CUSER,CGID,CGROUP,UID,USER,GID,GROUP,CTIME,SIZE,NATTCH,STATUS,ATTACH,DETACH,COMMAND,CPID,LPID",
        ["-q"] = "KEY,ID,OWNER,PERMS,CUID,CUSER,CGID,CGROUP,UID,USER,GID,GROUP,CTIME,USEDBYTES,MSGS,SEND,RECV,LSPID,LRPID",
        ["-s"] = "KEY,ID,OWNER,PERMS,CUID,CUSER,CGID,CGROUP,UID,USER,GID,GROUP,CTIME,NSEMS,OTIME",
    };

    [Theory]
    [InlineData("")]
    [InlineData("-g")]
    [InlineData("-g -b")]
    [InlineData("-g -e")]
    [InlineData("-g -r")]
    [InlineData("-g -J")]
    [InlineData("-g -y")]
    [InlineData("-g -n --noheadings")]
    [InlineData("-m -g -o RESOURCE,LIMIT,USED")]
    [InlineData("-q -g -e -o RESOURCE,DESCRIPTION,LIMIT,USED,USE%")]
    [InlineData("-s -g -o RESOURCE,USED,USE%")]
    [InlineData("-m")]
    [InlineData("-q")]
    [InlineData("-s")]
    [InlineData("-m -r")]
    [InlineData("-q -J")]
    [InlineData("-s -J")]
    [InlineData("-m -J -b")]
    [InlineData("-q --noheadings -r")]
    [InlineData("-s -n")]
    [InlineData("-m -e -P")]
    [InlineData("-q -e -b")]
    [InlineData("-m -c -e")]
    [InlineData("-q -t -e --time-format=iso")]
    [InlineData("-s -t -e --time-format=full")]
    [InlineData("-m -t -r --time-format=iso")]
    [InlineData("-m -t -c -e")]
    [InlineData("-m -o ID,KEY -y -e")]
    [InlineData("-q -o +CTIME,CUID -e")]
    [InlineData("-s --notruncate -r")]
    public void Output_IsLsipcs(string options)
    {
        using var objects = new TestObjects();
        string[] args = options.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        string expected = Shell.Check("lsipc", args);
        CliRunner.Result ours = CliRunner.Run(["lsipc", .. args]);

        Assert.Equal((0, ""), (ours.ExitCode, ours.Error));
        Assert.Equal(expected, ours.Output);
    }

    [Theory]
    [InlineData("-m")]
    [InlineData("-q")]
    [InlineData("-s")]
    public void EveryColumn_HasLsipcsValue_ForEveryObject_AsARealProcess(string kind)
    {
        using var objects = new TestObjects();
        HashSet<int> ours = kind switch { "-m" => objects.SegmentIds, "-q" => objects.QueueIds, _ => objects.SemaphoreIds };
        foreach (string time in new[] { "short", "iso" })
        {
            Dictionary<string, Dictionary<string, string>> expected = Fields(Shell.Check("lsipc", kind, "-e", "--time-format=" + time, "-o", s_allColumns[kind]));
            CliRunner.Result result = CliRunner.RunProcess(null, "lsipc", kind, "-e", "--time-format=" + time, "--output-all");
            Assert.Equal((0, ""), (result.ExitCode, result.Error));
            Dictionary<string, Dictionary<string, string>> actual = Fields(result.Output);
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            Assert.Superset(ours.Select(i => i.ToString(CultureInfo.InvariantCulture)).ToHashSet(), expected.Keys.ToHashSet());
            foreach (string id in expected.Keys)
            {
                foreach (string column in s_allColumns[kind].Split(','))
                {
                    Assert.True(expected[id][column] == actual[id][column], $"{kind} id {id} {column}: lsipc '{expected[id][column]}', ours '{actual[id][column]}'");
                }
            }
        }
    }

    [Theory]
    [InlineData("-m")]
    [InlineData("-q")]
    [InlineData("-s")]
    public void OneObject_IsLsipcsIdLayout_WithTheSemaphoreTable(string kind)
    {
        using var objects = new TestObjects();
        int[] ids = kind switch
        {
            "-m" => [objects.IpcmkSegment, objects.LibrarySegment.Id],
            "-q" => [objects.IpcmkQueue, objects.LibraryQueue.Id],
            _ => [objects.IpcmkSemaphores, objects.LibrarySemaphores.Id],
        };
        foreach (int id in ids)
        {
            string text = id.ToString(CultureInfo.InvariantCulture);
            Assert.Equal(Shell.Check("lsipc", kind, "-i", text), CliRunner.Run("lsipc", kind, "-i", text).Output);
            Assert.Equal(Shell.Check("lsipc", kind, "-i", text, "-e"), CliRunner.Run("lsipc", kind, "-i", text, "-e").Output);
        }
    }

    /// <summary>NAME="value" rows of lsipc -e, by ID.</summary>
    private static Dictionary<string, Dictionary<string, string>> Fields(string export)
    {
        var rows = new Dictionary<string, Dictionary<string, string>>();
        foreach (string line in export.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = new Dictionary<string, string>();
            int i = 0;
            while (i < line.Length)
            {
                int eq = line.IndexOf("=\"", i, StringComparison.Ordinal);
                string name = line[i..eq];
                int j = eq + 2;
                var value = new System.Text.StringBuilder();
                while (line[j] != '"')
                {
                    if (line[j] == '\\')
                    {
                        j++;
                    }

                    value.Append(line[j++]);
                }

                fields[name] = value.ToString();
                i = j + 2;
            }

            rows[fields["ID"]] = fields;
        }

        return rows;
    }
}
