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

    [Fact]
    public void TheBuiltTool_OnANonBlockingPipeThatFillsUp_WaitsAndWritesEverything()
    {
        // A pipe whose write end is O_NONBLOCK (a reader that set it on a shared pipe, as some runtimes do):
        // once its 64 KiB are full, write(2) fails with EAGAIN. Console polls and writes on; so must the
        // tool's writer. The reader starts half a second late, so the tool's hexdump of 256 KiB (about 1.3 MB
        // of text; --length, as dump stops at 64 KiB by default) fills the pipe many times over; what arrives
        // must be hexdump -C's text, whole.
        const int size = 256 * 1024;
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), size, options: new() { RemoveOnDispose = true });
        byte[] bytes = new byte[size];
        new Random(1234).NextBytes(bytes);
        using (SharedMemoryAttachment attachment = segment.Attach())
        {
            bytes.CopyTo(attachment.Span);
        }

        string directory = Directory.CreateTempSubdirectory("sysvipc-nonblocking-").FullName;
        try
        {
            string file = Path.Combine(directory, "bytes");
            string received = Path.Combine(directory, "received");
            File.WriteAllBytes(file, bytes);
            Shell.Result run = Shell.Run("python3", [
                "-c",
                "import os, subprocess, sys, time\n" +
                "r, w = os.pipe(); os.set_blocking(w, False)\n" +
                "p = subprocess.Popen(sys.argv[2:], stdout=w, stderr=subprocess.PIPE); os.close(w)\n" +
                "time.sleep(0.5)\n" +
                "with os.fdopen(r, 'rb') as f, open(sys.argv[1], 'wb') as out: out.write(f.read())\n" +
                "err = p.stderr.read(); sys.stderr.buffer.write(err); sys.exit(p.wait())",
                received, "dotnet", "exec", Path.Combine(AppContext.BaseDirectory, "sysvipc.dll"), "dump", "-m", segment.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--length", "256K"]);
            Assert.True(run.ExitCode == 0 && run.StandardError.Length == 0, $"exit {run.ExitCode}: {run.StandardError}");
            string expected = Shell.Check("hexdump", "-C", file);
            string arrived = File.ReadAllText(received);
            Assert.True(expected == arrived, $"{arrived.Length} characters arrived, hexdump -C writes {expected.Length}; the first difference at {expected.Zip(arrived).TakeWhile(p => p.First == p.Second).Count()}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
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
