using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Cli;

/// <summary>
/// 'sysvipc ls' against the real ipcs (util-linux) on objects made by ipcmk and by this library: the same
/// titles, headers, rows and padding, character for character, for every output form.
/// </summary>
public sealed class ListParityTests : IpcLeakGuard
{
    [Theory]
    [InlineData("")]
    [InlineData("-a")]
    [InlineData("-m")]
    [InlineData("-q")]
    [InlineData("-s")]
    [InlineData("-m -q")]
    [InlineData("-p")]
    [InlineData("-c")]
    [InlineData("-t")]
    [InlineData("-b")]
    [InlineData("--human")]
    [InlineData("-m -p")]
    [InlineData("-m -c")]
    [InlineData("-m -t")]
    [InlineData("-q -p")]
    [InlineData("-s -t")]
    [InlineData("-t -p")]
    [InlineData("-m --human")]
    [InlineData("--human -b")]
    public void Listing_IsIpcsText_ForTheObjectsWeMade(string options)
    {
        using var objects = new TestObjects();
        string[] args = options.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        string expected = Shell.Check("ipcs", args);
        CliRunner.Result ours = CliRunner.Run(["ls", .. args]);

        Assert.Equal(0, ours.ExitCode);
        Assert.Equal("", ours.Error);
        Assert.Equal(
            IpcsText.OnlyRows(expected, objects.QueueIds, objects.SegmentIds, objects.SemaphoreIds),
            IpcsText.OnlyRows(ours.Output, objects.QueueIds, objects.SegmentIds, objects.SemaphoreIds));
    }

    [Fact]
    public void Listing_ShowsEveryObjectWeMade_WithIpcsValues()
    {
        using var objects = new TestObjects();
        string ours = CliRunner.Run("ls").Output;

        Dictionary<int, string[]> segments = IpcsText.Rows(ours, "------ Shared Memory");
        Dictionary<int, string[]> ipcsSegments = IpcsText.Rows(Shell.Check("ipcs", "-m"), "------ Shared Memory");
        foreach (int id in objects.SegmentIds)
        {
            Assert.Equal(ipcsSegments[id], segments[id]);
        }

        // The library's attached segment: its key, 3333 bytes, one attachment; the removed one shows "dest".
        string[] attached = segments[objects.LibrarySegment.Id];
        Assert.Equal(objects.LibrarySegment.Key.ToString(), attached[0]);
        Assert.Equal(["600", "3333", "1", "locked"], attached[3..7]);
        Assert.Equal(["0x00000000", "dest"], [segments[objects.RemovedSegmentId][0], segments[objects.RemovedSegmentId][^1]]);

        Dictionary<int, string[]> queues = IpcsText.Rows(ours, "------ Message");
        Dictionary<int, string[]> ipcsQueues = IpcsText.Rows(Shell.Check("ipcs", "-q"), "------ Message");
        foreach (int id in objects.QueueIds)
        {
            Assert.Equal(ipcsQueues[id], queues[id]);
        }

        Assert.Equal(["660", "116", "2"], queues[objects.LibraryQueue.Id][3..6]);

        Dictionary<int, string[]> sets = IpcsText.Rows(ours, "------ Semaphore");
        Dictionary<int, string[]> ipcsSets = IpcsText.Rows(Shell.Check("ipcs", "-s"), "------ Semaphore");
        foreach (int id in objects.SemaphoreIds)
        {
            Assert.Equal(ipcsSets[id], sets[id]);
        }

        Assert.Equal("3", sets[objects.IpcmkSemaphores][^1]);
    }

    [Theory]
    [InlineData("-l")]
    [InlineData("-l --human")]
    [InlineData("-l -b")]
    [InlineData("-m -l")]
    [InlineData("-u")]
    [InlineData("-u --human")]
    [InlineData("-u -b")]
    public void LimitsAndSummary_AreIpcsText(string options)
    {
        using var objects = new TestObjects();
        string[] args = options.Split(' ');

        // Other objects on the machine can change the summary between the two reads: retry a few times.
        string expected = "", actual = "";
        for (int attempt = 0; attempt < 5; attempt++)
        {
            expected = Shell.Check("ipcs", args);
            actual = CliRunner.Run(["ls", .. args]).Output;
            if (expected == actual)
            {
                break;
            }
        }

        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("")]
    [InlineData("--human")]
    [InlineData("-b")]
    public void Details_AreIpcsText(string unit)
    {
        using var objects = new TestObjects();
        string[] extra = unit.Length == 0 ? [] : [unit];
        foreach ((string flag, int id) in new[]
        {
            ("-m", objects.IpcmkSegment), ("-m", objects.LibrarySegment.Id), ("-m", objects.RemovedSegmentId),
            ("-q", objects.IpcmkQueue), ("-q", objects.LibraryQueue.Id), ("-s", objects.IpcmkSemaphores), ("-s", objects.LibrarySemaphores.Id),
        })
        {
            string idText = id.ToString(CultureInfo.InvariantCulture);
            string expected = Shell.Check("ipcs", [flag, "-i", idText, .. extra]);
            Assert.Equal(expected, CliRunner.Run(["show", flag, idText, .. extra]).Output);
            Assert.Equal(expected, CliRunner.Run(["ls", flag, "-i", idText, .. extra]).Output);
        }
    }

    [Fact]
    public void Times_AreLocalTime_LikeIpcs_InAnotherTimeZone()
    {
        using var objects = new TestObjects();
        var zone = new Dictionary<string, string> { ["TZ"] = "Asia/Kolkata" };
        foreach (string[] args in new[] { new[] { "-t" }, new[] { "-m", "-i", objects.LibrarySegment.Id.ToString(CultureInfo.InvariantCulture) } })
        {
            Shell.Result expected = Shell.Run("ipcs", args, environment: zone);
            CliRunner.Result ours = CliRunner.RunProcess(zone, ["ls", .. args]);
            Assert.Equal(0, ours.ExitCode);
            Assert.Equal(
                IpcsText.OnlyRows(expected.StandardOutput, objects.QueueIds, objects.SegmentIds, objects.SemaphoreIds),
                IpcsText.OnlyRows(ours.Output, objects.QueueIds, objects.SegmentIds, objects.SemaphoreIds));
        }

        // The +05:30 zone really applied: ipcs's change time differs from the UTC rendering.
        Shell.Result utc = Shell.Run("ipcs", ["-m", "-i", objects.LibrarySegment.Id.ToString(CultureInfo.InvariantCulture)], environment: new Dictionary<string, string> { ["TZ"] = "UTC" });
        Shell.Result kolkata = Shell.Run("ipcs", ["-m", "-i", objects.LibrarySegment.Id.ToString(CultureInfo.InvariantCulture)], environment: zone);
        Assert.NotEqual(utc.StandardOutput, kolkata.StandardOutput);
    }

    [Theory]
    [InlineData("-m")]
    [InlineData("-m -c")]
    [InlineData("-m -p")]
    [InlineData("-m -t")]
    public void Owners_WithLongNamesAreTruncated_AndWithoutNamesAreNumbers_LikeIpcs(string options)
    {
        // An account whose name is longer than ipcs's 10-character column (Debian has systemd-network), and a uid with no account.
        string[] longName = Shell.Check("getent", "passwd").Split('\n').Select(l => l.Split(':')).First(f => f.Length > 3 && f[0].Length > 10);
        using var named = SharedMemorySegment.Create(TestKeys.Unique(), 10, options: new() { RemoveOnDispose = true });
        named.SetOwner(uint.Parse(longName[2], CultureInfo.InvariantCulture), uint.Parse(longName[3], CultureInfo.InvariantCulture));
        using var numeric = SharedMemorySegment.Create(TestKeys.Unique(), 10, options: new() { RemoveOnDispose = true });
        Assert.False(Shell.Run("getent", ["passwd", "54321"]).ExitCode == 0, "uid 54321 is expected to have no account");
        numeric.SetOwner(54321, 54321);

        string[] args = options.Split(' ');
        HashSet<int> ids = [named.Id, numeric.Id];
        string expected = IpcsText.OnlyRows(Shell.Check("ipcs", args), new HashSet<int>(), ids, new HashSet<int>());
        string actual = IpcsText.OnlyRows(CliRunner.Run(["ls", .. args]).Output, new HashSet<int>(), ids, new HashSet<int>());
        Assert.Equal(expected, actual);
        Assert.Contains("54321", actual, StringComparison.Ordinal);
        Assert.Contains(options == "-m -c" ? longName[0] : longName[0][..10] + " ", actual, StringComparison.Ordinal);
    }

    [Fact]
    public void IpcsAlias_IsTheSameVerb()
    {
        using var objects = new TestObjects();
        string viaLs = IpcsText.OnlyRows(CliRunner.Run("ls", "-m").Output, objects.QueueIds, objects.SegmentIds, objects.SemaphoreIds);
        string viaIpcs = IpcsText.OnlyRows(CliRunner.Run("ipcs", "-m").Output, objects.QueueIds, objects.SegmentIds, objects.SemaphoreIds);
        Assert.Equal(viaLs, viaIpcs);
    }

    [Fact]
    public void Command_ShowsTheLiveCreatorsCommandLine_AndADashForAGoneOne()
    {
        using var objects = new TestObjects();
        string output = CliRunner.Run("ls", "-m", "-p", "--command").Output;
        string[] lines = output.Split('\n');
        Assert.Equal("shmid      owner      cpid       lpid       command", lines[2]);
        string live = lines.Single(l => IpcsText.RowId(l) == objects.LibrarySegment.Id);
        Assert.EndsWith(" " + IpcSystem.GetProcessCommandLine(Environment.ProcessId), live, StringComparison.Ordinal);
        string gone = lines.Single(l => IpcsText.RowId(l) == objects.IpcmkSegment);
        Assert.EndsWith(" -", gone, StringComparison.Ordinal);
    }
}
