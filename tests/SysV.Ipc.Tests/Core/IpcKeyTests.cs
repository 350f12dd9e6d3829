using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Core;

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
    public void FromFile_ArgumentErrors_AreThrownBeforeFtok()
    {
        Assert.Throws<ArgumentNullException>(() => IpcKey.FromFile(null!));
        Assert.Throws<ArgumentException>(() => IpcKey.FromFile(string.Empty));
        var e = Assert.Throws<ArgumentException>(() => IpcKey.FromFile("/etc/passwd\0ignored"));
        Assert.Equal("path", e.ParamName);
        Assert.Contains("NUL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFile_ThroughAFileThatIsNotADirectory_IsAnIOExceptionNamingThePath()
    {
        string file = Path.GetTempFileName();
        try
        {
            string path = Path.Combine(file, "child");
            var e = Assert.Throws<IOException>(() => IpcKey.FromFile(path));
            Assert.Equal($"Cannot derive an IPC key from '{path}': stat failed with errno 20 (Not a directory).", e.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void FromFile_DefaultProjectIsOne_AndDirectoriesWork()
    {
        string directory = Path.GetTempPath();
        Assert.Equal(IpcKey.FromFile(directory, 1), IpcKey.FromFile(directory));
        Assert.NotEqual(IpcKey.FromFile(directory, 1), IpcKey.FromFile(directory, 2));
    }

    [Fact]
    public void TryParse_NullAndWhitespace_AreFalse_ParseNullThrows()
    {
        Assert.False(IpcKey.TryParse(null, out IpcKey key));
        Assert.Equal(default, key);
        Assert.False(IpcKey.TryParse("   ", out _));
        Assert.False(IpcKey.TryParse("0x-1", out _));
        Assert.False(IpcKey.TryParse("1.5", out _));
        Assert.Throws<ArgumentNullException>(() => IpcKey.Parse(null!));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public void ParseOfToString_RoundTrips(int value)
    {
        var key = new IpcKey(value);
        Assert.Equal(key, IpcKey.Parse(key.ToString()));
        Assert.Equal(key, IpcKey.Parse(value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Formatting_IgnoresFormatAndCulture_AndTryFormatNeedsTenChars()
    {
        var key = new IpcKey(0x162e);
        Assert.Equal("0x0000162e", key.ToString("X", System.Globalization.CultureInfo.GetCultureInfo("ar-SA")));
        Assert.Equal("key 0x0000162e", $"key {key}");
        Span<char> buffer = stackalloc char[10];
        Assert.True(key.TryFormat(buffer, out int written, default, null));
        Assert.Equal(10, written);
        Assert.Equal("0x0000162e", buffer.ToString());
        Assert.False(key.TryFormat(stackalloc char[9], out _, default, null));
    }

    [Fact]
    public void Equality()
    {
        Assert.Equal(new IpcKey(5), new IpcKey(5));
        Assert.True(new IpcKey(5) == new IpcKey(5));
        Assert.True(new IpcKey(5) != new IpcKey(6));
        Assert.Equal(5, new IpcKey(5).GetHashCode());
        Assert.True(new IpcKey(5).Equals((object)new IpcKey(5)));
        Assert.False(new IpcKey(5).Equals((object)5));
        Assert.False(new IpcKey(5).IsPrivate);
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
