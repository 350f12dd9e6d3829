using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Foundation;

public sealed class IpcKeyTests
{
    [Fact]
    public void Private_IsZero()
    {
        Assert.Equal(0, IpcKey.Private.Value);
        Assert.True(IpcKey.Private.IsPrivate);
        Assert.Equal("0x00000000", IpcKey.Private.ToString());
    }

    [Theory]
    [InlineData(0x1a2b3c4d, "0x1a2b3c4d")]
    [InlineData(-1, "0xffffffff")]
    [InlineData(42, "0x0000002a")]
    public void ToString_IsIpcsFormat(int value, string expected) => Assert.Equal(expected, new IpcKey(value).ToString());

    [Theory]
    [InlineData("0x1a2b3c4d", 0x1a2b3c4d)]
    [InlineData("0XFFFFFFFF", -1)]
    [InlineData("4294967295", -1)]
    [InlineData("-1241988849", -1241988849)]
    [InlineData(" 42 ", 42)]
    public void Parse_AcceptsHexAndDecimal(string text, int expected) => Assert.Equal(expected, IpcKey.Parse(text).Value);

    [Theory]
    [InlineData("0x1ffffffff")]
    [InlineData("4294967296")]
    [InlineData("-2147483649")]
    [InlineData("0x")]
    [InlineData("notakey")]
    [InlineData("")]
    public void Parse_RejectsWhatDoesNotFitKeyT(string text)
    {
        Assert.False(IpcKey.TryParse(text, out _));
        if (text.Length > 0)
        {
            var e = Assert.Throws<FormatException>(() => IpcKey.Parse(text));
            Assert.Contains($"'{text}'", e.Message, StringComparison.Ordinal);
            Assert.Contains("key", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FromFile_MissingFile_NamesThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), "sysvipc-no-such-file-" + Guid.NewGuid());
        var e = Assert.Throws<FileNotFoundException>(() => IpcKey.FromFile(path));
        Assert.Equal(path, e.FileName);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFile_FollowsGlibcFormula()
    {
        string path = Path.GetTempFileName();
        try
        {
            var stat = Mono.Stat(path);
            foreach (byte proj in new byte[] { 0, 1, 0x41, 0xff })
            {
                int expected = (int)((stat.Inode & 0xffff) | ((stat.Device & 0xff) << 16) | ((ulong)proj << 24));
                Assert.Equal(expected, IpcKey.FromFile(path, proj).Value);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Equality()
    {
        Assert.Equal(new IpcKey(5), new IpcKey(5));
        Assert.True(new IpcKey(5) == new IpcKey(5));
        Assert.True(new IpcKey(5) != new IpcKey(6));
        Assert.Equal(5, new IpcKey(5).GetHashCode());
    }
}

/// <summary>stat(2) through the shell's stat tool, independent of the code under test.</summary>
internal static class Mono
{
    public static (ulong Inode, ulong Device) Stat(string path)
    {
        string[] parts = Shell.Check("stat", "-c", "%i %d", path).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (ulong.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), ulong.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
