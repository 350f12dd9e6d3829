using System.Text.RegularExpressions;
using SysV.Ipc.Tests.Channels;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.LibSysvIpc;

/// <summary>
/// native/'s own C tests (make check: the channel and area contract in C, forked peers, and the corruption
/// fuzz), plainly and built with -fsanitize=address,undefined; the corruption fuzz of the C reader over
/// channels a .NET writer filled; and the pkg-config install a C user would do.
/// </summary>
public sealed partial class LibSysvIpcMakeCheckTests : IpcLeakGuard
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MakeCheck_Passes(bool sanitize)
    {
        // The build folder the cross-language tests use: make reuses the objects it built there.
        string build = sanitize ? LibSysvIpcBuild.Sanitized : LibSysvIpcBuild.Plain;
        Shell.Result result = LibSysvIpcBuild.RunMake(build, sanitize, "check");
        string output = result.StandardOutput + result.StandardError;
        Assert.True(result.ExitCode == 0, $"make check{(sanitize ? " SANITIZE=1" : string.Empty)} failed:\n{output}");
        Assert.Contains("make check: 4 passed, 0 failed", output, StringComparison.Ordinal);
        Assert.Contains("test_broadcast: ok", output, StringComparison.Ordinal);
        Assert.Contains("test_fuzz: ok", output, StringComparison.Ordinal);
    }

    /// <summary>Random bytes over header, counters, participant table (or reader blocks) and records of a channel .NET wrote, in every mode: the C reader (a child) gets valid messages or -EBADMSG, never a crash.</summary>
    [Fact]
    public unsafe void CorruptionFuzz_AgainstTheCReader()
    {
        var random = new Random(Environment.ProcessId);
        int corrupted = 0, clean = 0;
        for (int trial = 0; trial < (TestMessages.Stress ? 5000 : 150); trial++)
        {
            ChannelMode mode = random.Next(3) switch { 0 => ChannelMode.SingleProducer, 1 => ChannelMode.MultiProducer, _ => ChannelMode.Broadcast };
            using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1024 << random.Next(3), new() { Mode = mode, MaxProducers = 2, MaxReaders = 2, RemoveOnDispose = true });
            using (SharedMemoryChannelWriter writer = channel.OpenWriter())
            using (SharedMemoryChannelReader reader = channel.OpenReader())
            {
                for (int i = 0, n = random.Next(40); i < n; i++)
                {
                    writer.TryWrite(CrossMessages.Make(1, i, random.Next(24, 300)));
                    if (random.Next(3) == 0)
                    {
                        reader.TryRead(out _);
                    }
                }
            }

            using (var segment = SharedMemorySegment.OpenById(channel.Id))
            using (SharedMemoryAttachment raw = segment.Attach())
            {
                long ringOffset = raw.Length - channel.Capacity;
                for (int k = 0, n = random.Next(1, 9); k < n; k++)
                {
                    long at = random.Next(4) switch
                    {
                        0 => random.Next(64),
                        1 => 128 + random.Next(640),
                        2 => 768 + random.Next(512),
                        _ => ringOffset + random.NextInt64(channel.Capacity),
                    };
                    for (int b = 0, len = random.Next(1, 9); b < len && at + b < raw.Length; b++)
                    {
                        raw.Pointer[at + b] = (byte)random.Next(256);
                    }
                }
            }

            using RemoteProcess c = LibSysvIpcBuild.StartPeer("fuzz-read", LibSysvIpcChannelTests.Id(channel));
            int code = c.WaitForExit(TimeSpan.FromSeconds(30));
            string output = c.StandardOutput;
            if (code != 0 && !(code == 1 && c.StandardError.StartsWith("open: -", StringComparison.Ordinal) && (c.StandardError.Contains("-74 ", StringComparison.Ordinal) || c.StandardError.Contains("-71 ", StringComparison.Ordinal))))
            {
                throw new Xunit.Sdk.XunitException($"trial {trial}: the C reader exited with {code} (a signal shows as 128+N):\n{output}{c.StandardError}");
            }

            if (code != 0 || output.Contains("outcome corrupted", StringComparison.Ordinal))
            {
                corrupted++;
            }
            else
            {
                Assert.Contains("outcome clean", output, StringComparison.Ordinal);
                clean++;
            }
        }

        Assert.True(corrupted > 0 && clean > 0, $"both outcomes must occur (corrupted {corrupted}, clean {clean})");
    }

    /// <summary>make install PREFIX=..., then `cc app.c $(pkg-config --cflags --libs sysvipc)`: the README's C side, against a .NET reader.</summary>
    [Fact]
    public void InstalledWithPkgConfig_ReadmeCProgram_TalksToDotNet()
    {
        string prefix = Path.Combine(Path.GetTempPath(), $"sysvipc-prefix-{Environment.ProcessId}");
        try
        {
            Shell.Result install = Shell.Run("make", ["-C", LibSysvIpcBuild.NativeDirectory, $"BUILD={Path.Combine(prefix, "build")}", $"PREFIX={prefix}", "install"], Shell.BuildTimeout);
            Assert.True(install.ExitCode == 0, install.StandardOutput + install.StandardError);
            string app = Path.Combine(prefix, "app.c");
            File.WriteAllText(app, ReadmeCProgram);
            var env = new Dictionary<string, string> { ["PKG_CONFIG_PATH"] = Path.Combine(prefix, "lib", "pkgconfig") };
            Shell.Result flags = Shell.Run("pkg-config", ["--cflags", "--libs", "sysvipc"], environment: env);
            Assert.Equal(0, flags.ExitCode);
            Shell.Result compile = Shell.Run("sh", ["-c", $"cc -std=c11 -Wall -Werror -o {prefix}/app {app} {flags.StandardOutput.Trim()}"]);
            Assert.True(compile.ExitCode == 0, compile.StandardOutput + compile.StandardError);

            using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 16, new() { RemoveOnDispose = true });
            using SharedMemoryChannelReader reader = channel.OpenReader();
            Shell.Result run = Shell.Run($"{prefix}/app", [LibSysvIpcChannelTests.Id(channel)], environment: new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = Path.Combine(prefix, "lib") });
            Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
            Assert.Equal("hello from C"u8.ToArray(), reader.Read(TimeSpan.FromSeconds(10), CancellationToken.None));
        }
        finally
        {
            Directory.Delete(prefix, recursive: true);
        }
    }

    /// <summary>Every complete C program (a ```c block with a main) in docs/libsysvipc.md compiles against libsysvipc with -Werror and runs to exit 0.</summary>
    [Fact]
    public void DocsCPrograms_Compile_AndRun()
    {
        string doc = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "libsysvipc.md"));
        string[] programs = [.. CBlock().Matches(doc).Select(m => m.Groups[1].Value).Where(b => b.Contains("int main(", StringComparison.Ordinal))];
        Assert.NotEmpty(programs);
        string dir = Path.Combine(Path.GetTempPath(), $"sysvipc-docc-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            for (int i = 0; i < programs.Length; i++)
            {
                string source = Path.Combine(dir, $"doc{i}.c"), program = Path.Combine(dir, $"doc{i}");
                File.WriteAllText(source, programs[i]);
                Shell.Result compile = Shell.Run("cc", ["-std=c11", "-Wall", "-Wextra", "-Werror", "-I", Path.Combine(LibSysvIpcBuild.NativeDirectory, "include"), "-o", program, source, Path.Combine(LibSysvIpcBuild.Plain, "libsysvipc.a")]);
                Assert.True(compile.ExitCode == 0, $"docs/libsysvipc.md's C program {i} does not compile:\n{compile.StandardOutput}{compile.StandardError}");
                Shell.Result run = Shell.Run(program, []);
                Assert.True(run.ExitCode == 0, $"docs/libsysvipc.md's C program {i} exited with {run.ExitCode}:\n{run.StandardOutput}{run.StandardError}");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The C side as README.md shows it (the segment id comes from the command line here).</summary>
    internal const string ReadmeCProgram = """
        #include <stdlib.h>
        #include <sysvipc/channel.h>

        int main(int argc, char **argv) {
            (void)argc;
            sysvipc_channel *ch; sysvipc_writer *w;
            int rc = sysvipc_channel_open_id(atoi(argv[1]), &ch);
            if (rc == 0) rc = sysvipc_writer_open(ch, &w);
            if (rc == 0) rc = sysvipc_write(w, "hello from C", 12, 1000);
            return rc == 0 ? 0 : 1;
        }
        """;

    [GeneratedRegex("```c\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CBlock();
}
