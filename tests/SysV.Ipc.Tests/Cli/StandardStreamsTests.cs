using System.Diagnostics;
using System.Text;
using SysV.Ipc.Cli.Output;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Cli;

/// <summary>
/// The tool writes stdout and stderr itself where Console would write UTF-8, and through Console elsewhere:
/// the bytes must be the ones Console wrote before, a closed pipe must end output quietly, as with Console.
/// </summary>
public sealed class StandardStreamsTests : IpcLeakGuard
{
    [Theory]
    [InlineData(null, null, null, null, true)]
    [InlineData("C", null, null, null, true)]
    [InlineData(null, null, null, "C.UTF-8", true)]
    [InlineData(null, null, null, "en_US.utf8", true)]
    [InlineData("de_DE.UTF-8@euro", null, null, null, true)]
    [InlineData(null, null, null, "POSIX", true)]
    [InlineData(null, null, null, "en_US.ISO-8859-1", false)]
    [InlineData("C.UTF-8", null, null, "en_US.ISO-8859-1", false)] // any variable naming another set keeps Console
    [InlineData(null, "ja_JP.eucJP", null, "C.UTF-8", false)]
    [InlineData(null, null, "ru_RU.KOI8-R", null, false)]
    [InlineData("  ", null, null, "C.UTF-8", true)]
    public void LocaleIsUtf8_WhenNoLocaleVariableNamesAnotherCharacterSet(string? all, string? ctype, string? messages, string? lang, bool expected)
    {
        var variables = new Dictionary<string, string?> { ["LC_ALL"] = all, ["LC_CTYPE"] = ctype, ["LC_MESSAGES"] = messages, ["LANG"] = lang };
        Assert.Equal(expected, StandardStreams.LocaleIsUtf8(name => variables[name]));
    }

    [Theory]
    [InlineData("C.UTF-8", new byte[] { 0xC3, 0xA9 })]
    [InlineData("C", new byte[] { 0xC3, 0xA9 })]
    [InlineData("en_US.ISO-8859-1", new byte[] { 0xE9 })]
    public void TheBuiltTool_WritesItsErrorText_InTheLocalesEncoding_AsConsoleDoes(string locale, byte[] eAcute)
    {
        // 'é' in a path the error names: UTF-8 where Console writes UTF-8 (the tool's own writer), Latin-1
        // under a Latin-1 locale (Console itself, the fallback).
        (int exitCode, byte[] output, byte[] error) = RunTool(locale, closeOutputAtOnce: false, "key", "/nonexistent-dir-é/file", "--proj", "1");
        Assert.Equal(1, exitCode);
        Assert.Empty(output);
        byte[] expected = [.. "sysvipc: Cannot derive an IPC key from '/nonexistent-dir-"u8, .. eAcute, .. "/file'"u8];
        Assert.True(error.AsSpan().StartsWith(expected), $"stderr: {Convert.ToHexString(error)}");
        Assert.Equal((byte)'\n', error[^1]);
    }

    [Fact]
    public void TheBuiltTool_WritingIntoAClosedPipe_EndsQuietly_WithExitCodeZero()
    {
        // Like 'sysvipc ls | head -0': the reader is gone before the first write, which gets EPIPE
        // (the runtime ignores SIGPIPE). Console dropped the rest silently; so must the tool's own writer.
        (int exitCode, _, byte[] error) = RunTool("C.UTF-8", closeOutputAtOnce: true, "ls", "--limits");
        Assert.Equal("", Encoding.UTF8.GetString(error));
        Assert.Equal(0, exitCode);
    }

    private static (int ExitCode, byte[] Output, byte[] Error) RunTool(string locale, bool closeOutputAtOnce, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["exec", Path.Combine(AppContext.BaseDirectory, "sysvipc.dll"), .. args])
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (string name in (string[])["LC_CTYPE", "LC_MESSAGES", "LANG"])
        {
            psi.Environment.Remove(name);
        }

        psi.Environment["LC_ALL"] = locale;
        using var process = Process.Start(psi)!;
        var output = new MemoryStream();
        Task copyOutput = Task.CompletedTask;
        if (closeOutputAtOnce)
        {
            process.StandardOutput.BaseStream.Close();
        }
        else
        {
            copyOutput = process.StandardOutput.BaseStream.CopyToAsync(output);
        }

        var error = new MemoryStream();
        Task copyError = process.StandardError.BaseStream.CopyToAsync(error);
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"sysvipc {string.Join(' ', args)} did not finish in 60 s.");
        }

        Task.WaitAll(copyOutput, copyError);
        return (process.ExitCode, output.ToArray(), error.ToArray());
    }
}
