using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Cli;

/// <summary>'sysvipc mk' and 'sysvipc key'.</summary>
public sealed class MakeAndKeyTests : IpcLeakGuard
{
    [Fact]
    public void Segment_WithKeyModeAndSuffixedSize_IsWhatIpcsShows()
    {
        IpcKey key = TestKeys.Unique();
        CliRunner.Result result = CliRunner.Run("mk", "-M", "64K", "--key", key.ToString(), "-p", "0640");
        SharedMemoryInfo info = IpcSystem.ListSharedMemory().Single(s => s.Key == key);
        try
        {
            Assert.Equal((0, $"Shared memory id: {info.Id} key: {key}\n"), (result.ExitCode, result.Output));
            string[] row = IpcsText.Rows(Shell.Check("ipcs", "-m"), "------ Shared")[info.Id];
            Assert.Equal([key.ToString(), "640", "65536"], [row[0], row[3], row[4]]);
        }
        finally
        {
            SharedMemorySegment.TryRemove(info.Id);
        }
    }

    [Fact]
    public void Segment_DefaultsToMode0600_AndARandomKey()
    {
        CliRunner.Result result = CliRunner.Run("mk", "-M", "1000");
        string[] words = result.Output.Trim().Split(' ');
        int id = int.Parse(words[3], CultureInfo.InvariantCulture);
        try
        {
            SharedMemoryInfo info = IpcSystem.ListSharedMemory().Single(s => s.Id == id);
            Assert.Equal(words[5], info.Key.ToString());
            Assert.False(info.Key.IsPrivate);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, info.Permissions);
            Assert.Equal(1000, info.Size);
        }
        finally
        {
            SharedMemorySegment.TryRemove(id);
        }
    }

    [Fact]
    public void Segment_WithFtokKey_UsesTheKeyCFtokGives_AndNeverReusesAnExistingOne()
    {
        string file = Path.GetTempFileName();
        try
        {
            IpcKey expected = IpcKey.FromFile(file, 7);
            Assert.Equal(expected + "\n", CliRunner.Run("key", file, "--proj", "7").Output);
            Assert.Equal(IpcKey.FromFile(file, (byte)'A') + "\n", CliRunner.Run("key", file, "--proj", "A").Output);
            Assert.Equal(IpcKey.FromFile(file, 1) + "\n", CliRunner.Run("key", file).Output);

            CliRunner.Result made = CliRunner.Run("mk", "-M", "100", "--file", file, "--proj", "7");
            Assert.Equal(0, made.ExitCode);
            SharedMemoryInfo info = IpcSystem.ListSharedMemory().Single(s => s.Key == expected);
            try
            {
                CliRunner.Result again = CliRunner.Run("mk", "-M", "100", "--file", file, "--proj", "7");
                Assert.Equal(1, again.ExitCode);
                string line = Assert.Single(again.ErrorLines);
                Assert.Contains("already exists", line, StringComparison.Ordinal);
                Assert.Contains(expected.ToString(), line, StringComparison.Ordinal);
            }
            finally
            {
                SharedMemorySegment.TryRemove(info.Id);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData(new[] { "mk" }, "nothing to create")]
    [InlineData(new[] { "mk", "-M", "1x" }, "failed to parse size: '1x'")]
    [InlineData(new[] { "mk", "-M", "0" }, "at least 1 byte")]
    [InlineData(new[] { "mk", "-M", "10", "-p", "0999" }, "invalid mode '0999'")]
    [InlineData(new[] { "mk", "-M", "10", "--key", "1", "--file", "/tmp" }, "either --key or --file")]
    [InlineData(new[] { "mk", "-M", "10", "--proj", "2" }, "--proj needs --file")]
    [InlineData(new[] { "mk", "-M", "10", "--key", "0x123456789" }, "a key has 32 bits")]
    [InlineData(new[] { "key", "/no/such/file" }, "the file does not exist")]
    [InlineData(new[] { "key", "/tmp", "--proj", "256" }, "invalid project id '256'")]
    [InlineData(new[] { "show", "-m", "-q", "1" }, "exactly one of -m")]
    [InlineData(new[] { "show", "-m", "x" }, "failed to parse id argument: 'x'")]
    [InlineData(new[] { "ls", "-i", "3" }, "a single resource must be specified")]
    public void Errors_AreOneLine_Exit1(string[] args, string message)
    {
        CliRunner.Result result = CliRunner.Run(args);
        Assert.Equal(1, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("sysvipc: ", line, StringComparison.Ordinal);
        Assert.Contains(message, line, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_OfAMissingId_SaysSo_Exit1()
    {
        int missing = IpcSystem.ListSharedMemory().Select(s => s.Id).DefaultIfEmpty(0).Max() + 1000;
        CliRunner.Result result = CliRunner.Run("show", "-m", missing.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"sysvipc: id {missing} not found", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }
}
