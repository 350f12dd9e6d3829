using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Xml.Linq;
using SysV.Ipc.AotSmoke;
using SysV.Ipc.Nats.Tests.Infrastructure;
using SysV.Ipc.Tests.Cli;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Aot;

/// <summary>
/// The library and the sysvipc tool compiled with native AOT, and the smoke program trimmed (the library
/// declares IsAotCompatible and IsTrimmable): they publish without a trimming or AOT warning, and the
/// programs really work, alone and next to JIT processes. The tool is packed as its users get it (the
/// RID-specific Native AOT tool package and the package pointing to it, in a folder feed) and installed
/// from that feed with <c>dotnet tool install</c>: the tests run the installed command. Publishing takes a
/// minute or two, so it happens once for the class.
/// </summary>
public sealed class NativeAotTests : IpcLeakGuard, IClassFixture<NativeAotTests.Builds>
{
    private readonly Builds _builds;

    public NativeAotTests(Builds builds) => _builds = builds;

    [Fact]
    public void Publishing_GivesNoTrimmingOrAotWarning()
    {
        foreach (Shell.Result publish in new[] { _builds.SmokePublish, _builds.CliPublish, _builds.TrimmedPublish })
        {
            Assert.DoesNotContain("warning IL", publish.StandardOutput, StringComparison.Ordinal);
        }

        Assert.Contains("Generating native code", _builds.SmokePublish.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Generating native code", _builds.CliPublish.StandardOutput, StringComparison.Ordinal);

        // Native executables, with no IL assembly beside them to fall back on.
        Assert.False(File.Exists(Path.ChangeExtension(_builds.SmokeBinary, ".dll")));
        Assert.False(File.Exists(Path.ChangeExtension(_builds.CliBinary, ".dll")));
        Assert.Equal("\u007fELF"u8.ToArray(), File.ReadAllBytes(_builds.CliBinary)[..4]);
    }

    [Fact]
    public void TheToolPackages_HoldTheNativeExecutablesOnly_AndPointToEveryRid()
    {
        using (ZipArchive native = ZipFile.OpenRead(_builds.NativeToolPackage))
        {
            // The tool and its bridge companion (src/SysV.Ipc.Cli.Bridge), nothing else.
            string prefix = $"tools/any/{Builds.RuntimeRid}/";
            Assert.Equal(
                [prefix + "DotnetToolSettings.xml", prefix + "sysvipc", prefix + "sysvipc-bridge"],
                native.Entries.Select(e => e.FullName).Where(n => n.StartsWith("tools/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
            Assert.Contains("LICENSE", native.Entries.Select(e => e.FullName));
        }

        using ZipArchive pointer = ZipFile.OpenRead(_builds.ToolPackage);
        using var reader = new StreamReader(pointer.GetEntry("tools/any/any/DotnetToolSettings.xml")!.Open());
        XElement settings = XElement.Parse(reader.ReadToEnd());
        Assert.Equal(
            [("linux-x64", "SysV.Ipc.Cli.linux-x64"), ("linux-arm64", "SysV.Ipc.Cli.linux-arm64"), ("any", "SysV.Ipc.Cli.any")],
            settings.Descendants("RuntimeIdentifierPackage").Select(p => ((string)p.Attribute("RuntimeIdentifier")!, (string)p.Attribute("Id")!)));
        Assert.Equal("sysvipc", (string?)settings.Descendants("Command").Single().Attribute("Name"));
    }

    [Fact]
    public void TheInstalledTool_IsTheNativeExecutable_AndListsWhatIpcsLists()
    {
        // dotnet tool install links the command to the native executable of the RID package.
        string target = new FileInfo(_builds.CliBinary).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? _builds.CliBinary;
        Assert.Contains($"sysv.ipc.cli.{Builds.RuntimeRid}", target, StringComparison.Ordinal);

        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 4096, options: new() { RemoveOnDispose = true });
        using var queue = MessageQueue.Create(TestKeys.Unique());
        queue.RemoveOnDispose = true;
        Assert.Equal(Shell.Check("ipcs"), Shell.Check(_builds.CliBinary, "ls"));
    }

    [Fact]
    public void TheNativeTool_IsLinkedAtAFixedAddress_AndListsWithFewPageFaults()
    {
        // IlcDehydrate and PositionIndependentExecutable false (src/SysV.Ipc.Cli's project, docs/cli.md's
        // "Start-up"): an ELF executable of type EXEC (2), not a position-independent DYN (3), ...
        string executable = new FileInfo(_builds.CliBinary).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? _builds.CliBinary;
        byte[] header = File.ReadAllBytes(executable)[..18];
        Assert.True(BitConverter.ToUInt16(header, 16) == 2, $"{executable}: ELF type {BitConverter.ToUInt16(header, 16)}, not EXEC (2): is PositionIndependentExecutable still false?");

        // ... whose 'ls' takes about 230 minor page faults (330 before the bridge left the image, 1,100 dehydrated and PIE; ipcs
        // about 90). Faults, unlike times, do not depend on the machine's load: python3 runs the tool and
        // reads getrusage of its children before and after (python3's own start may have waited for some).
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 4096, options: new() { RemoveOnDispose = true });
        int[] faults = [.. Enumerable.Range(0, 3).Select(_ => int.Parse(Shell.Check(
            "python3",
            "-c",
            "import resource as r, subprocess, sys; before = r.getrusage(r.RUSAGE_CHILDREN).ru_minflt; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); print(r.getrusage(r.RUSAGE_CHILDREN).ru_minflt - before)",
            _builds.CliBinary,
            "ls").Trim(), CultureInfo.InvariantCulture))];
        Assert.True(faults.Min() < 700, $"sysvipc ls: {string.Join(", ", faults)} minor page faults (expected fewer than 700)");
    }

    [Fact]
    public async Task TheNativeToolsBridge_BecomesItsCompanion_AndPublishesAQueueToARealNatsServer()
    {
        // The native sysvipc is built without the NATS bridge (docs/cli.md, "Start-up"): 'sysvipc bridge'
        // replaces the process with sysvipc-bridge, installed beside it, which runs the bridge: the same pid
        // becomes the companion, the queue's messages leave it (only once JetStream acknowledged them), and
        // SIGTERM stops it cleanly.
        using NatsServer server = NatsServer.Start();
        using var queue = MessageQueue.Create(TestKeys.Unique());
        queue.RemoveOnDispose = true;
        for (int i = 0; i < 3; i++)
        {
            queue.Send(i + 1, System.Text.Encoding.UTF8.GetBytes($"message {i}"));
        }

        var psi = new System.Diagnostics.ProcessStartInfo(_builds.CliBinary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in (string[])["bridge", "out", "--queue", queue.Key.ToString(), "--subject", "native.{type}", "--stream", "NATIVE", "--nats", server.Url])
        {
            psi.ArgumentList.Add(arg);
        }

        using var bridge = System.Diagnostics.Process.Start(psi)!;
        Task<string> errors = bridge.StandardError.ReadToEndAsync();
        Task<string> output = bridge.StandardOutput.ReadToEndAsync();
        try
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (queue.GetInfo().MessageCount > 0 && !bridge.HasExited && waited.Elapsed < TimeSpan.FromMinutes(2))
            {
                Thread.Sleep(50);
            }

            if (bridge.HasExited)
            {
                Assert.Fail($"the bridge ended early (exit {bridge.ExitCode}): {await errors}");
            }

            Assert.True(queue.GetInfo().MessageCount == 0, $"the bridge left {queue.GetInfo().MessageCount} of 3 messages in 2 minutes: {server.Log}");
            string companion = new FileInfo($"/proc/{bridge.Id}/exe").ResolveLinkTarget(returnFinalTarget: false)!.FullName;
            string tool = new FileInfo(_builds.CliBinary).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? _builds.CliBinary;
            Assert.Equal(Path.Combine(Path.GetDirectoryName(tool)!, "sysvipc-bridge"), companion);
        }
        finally
        {
            if (!bridge.HasExited)
            {
                Shell.Check("kill", "-TERM", bridge.Id.ToString(CultureInfo.InvariantCulture));
            }

            if (!bridge.WaitForExit(TimeSpan.FromMinutes(1)))
            {
                bridge.Kill();
            }
        }

        string log = await errors;
        Assert.True(bridge.ExitCode == 0, $"exit {bridge.ExitCode} after SIGTERM: {log}");
        Assert.Equal("", await output);
        Assert.DoesNotContain(": error:", log, StringComparison.Ordinal);
    }

    [Fact]
    public void TheNativeToolsLs_ReadsNoOsRelease_AndStartsNoConsoleSignalThread()
    {
        // docs/cli.md, "Start-up": the platform check describes the OS only for a platform it refuses, and
        // where Console would write UTF-8 the tool writes stdout and stderr itself, so 'ls' neither reads
        // /etc/os-release nor has Console start its signal-handling thread: the runtime's finalizer thread is
        // the only one it starts (strace -f counts the clone calls of the whole process).
        string log = Path.Combine(_builds.Directory, $"ls-{Guid.NewGuid():N}.strace");
        Shell.Result run = Shell.Run("strace", ["-f", "-qq", "-e", "trace=openat,clone,clone3", "-o", log, _builds.CliBinary, "ls"], environment: new Dictionary<string, string> { ["LC_ALL"] = "C.UTF-8" });
        Assert.True(run.ExitCode == 0, run.StandardError);
        string[] calls = File.ReadAllLines(log);
        Assert.DoesNotContain(calls, c => c.Contains("/etc/os-release", StringComparison.Ordinal));
        int threads = calls.Count(c => c.Contains(" clone(", StringComparison.Ordinal) || c.Contains(" clone3(", StringComparison.Ordinal));
        Assert.True(threads == 1, $"sysvipc ls started {threads} threads (expected the finalizer's only):\n{string.Join('\n', calls.Where(c => c.Contains("clone", StringComparison.Ordinal)))}");
    }

    [Fact]
    public void TheNativeAndTheTrimmedSmokePrograms_RunEveryArea_InOneProcessAndAcrossTwo()
    {
        foreach (string program in new[] { _builds.SmokeBinary, _builds.TrimmedSmokeBinary })
        {
            Shell.Result run = Shell.Run(program, [], TimeSpan.FromMinutes(2));
            Assert.True(run.ExitCode == 0, $"{program}: exit {run.ExitCode}\n{run.StandardOutput}\n{run.StandardError}");
            Assert.Equal(
                ["ok keys", "ok shared-memory", "ok message-queues", "ok semaphores", "ok shared-struct", "ok channel"],
                run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
    }

    [Fact]
    public void StructLayouts_AreDescribedAlike_UnderAotAndJit_OrRefusedWithAdvice()
    {
        string[] aot = Shell.Check(_builds.SmokeBinary, "describe").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] jit = Shell.Check("dotnet", "exec", _builds.SmokeJitAssembly, "describe").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] trimmed = Shell.Check(_builds.TrimmedSmokeBinary, "describe").Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // Trimming keeps every field of a struct with a layout, nested ones too: the same texts as the JIT.
        Assert.Equal(jit, trimmed);

        Assert.Equal(3, aot.Length);
        Assert.Equal(3, jit.Length);
        Assert.Equal(jit[0], aot[0]); // Outer: nested structs kept with [DynamicDependency]
        Assert.Equal(jit[1], aot[1]); // Explicit
        Assert.Equal("Outer " + SharedStruct<Outer>.LayoutDescription, aot[0]);
        Assert.Contains("Nested:struct(8){Count:i32@0,Flag:bool@4,Letter:char16@6}@4", aot[0], StringComparison.Ordinal);
        Assert.Contains("Items:i64[4]@32", aot[0], StringComparison.Ordinal);

        // A nested struct nothing keeps: the JIT describes it, native AOT refuses and says how to keep it,
        // rather than describe it as field-less and disagree with the JIT process.
        Assert.Equal("Unkept struct(16){Stamp:i64@0,Nested:struct(8){First:i32@0,Second:i32@4}@8}", jit[2]);
        Assert.StartsWith("Unkept refused: Unkept.Nested (SysV.Ipc.AotSmoke.Lonely) cannot be described in this native AOT program", aot[2], StringComparison.Ordinal);
        Assert.Contains("typeof(Lonely))] on the field that holds it", aot[2], StringComparison.Ordinal);
    }

    [Fact]
    public void ASharedStruct_MadeOnTheJit_IsOpenedAndUpdatedByTheNativeProgram()
    {
        using var shared = SharedStruct<Outer>.Create(IpcKey.Private, Outer.Initialize, options: new() { RemoveOnDispose = true });
        using var mutex = IpcMutex.Create(IpcKey.Private, options: new() { RemoveOnDispose = true });

        // The native child checks the initialized fields, then adds 2000 under the mutex.
        Shell.Result child = Shell.Run(
            _builds.SmokeBinary,
            ["child-struct", shared.Id.ToString(CultureInfo.InvariantCulture), mutex.Semaphores.Id.ToString(CultureInfo.InvariantCulture)],
            TimeSpan.FromMinutes(1));
        Assert.True(child.ExitCode == 0, $"exit {child.ExitCode}\n{child.StandardError}");
        Assert.Equal(2000, shared.Value.Counter);
    }

    [Fact]
    public void TheNativeTool_MakesListsShowsAndRemoves_LikeTheJitTool()
    {
        IpcKey key = TestKeys.Unique();
        Shell.Result made = Shell.Run(_builds.CliBinary, ["mk", "-M", "4K", "--key", key.ToString()]);
        Assert.Equal(0, made.ExitCode);
        int id = int.Parse(made.StandardOutput.Split(' ')[3], CultureInfo.InvariantCulture);
        try
        {
            using JsonDocument json = JsonDocument.Parse(Shell.Check(_builds.CliBinary, "ls", "-m", "--json"));
            JsonElement segment = json.RootElement.GetProperty("shared_memory").EnumerateArray().Single(s => s.GetProperty("id").GetInt32() == id);
            Assert.Equal(key.ToString(), segment.GetProperty("key_hex").GetString());
            Assert.Equal(4096, segment.GetProperty("size").GetInt64());

            Assert.Equal(
                CliRunner.RunProcess(null, "show", "-m", id.ToString(CultureInfo.InvariantCulture)).Output,
                Shell.Check(_builds.CliBinary, "show", "-m", id.ToString(CultureInfo.InvariantCulture)));

            Shell.Result removed = Shell.Run(_builds.CliBinary, ["rm", "-v", "-M", key.ToString()]);
            Assert.Equal(0, removed.ExitCode);
            Assert.DoesNotContain(IpcSystem.ListAll(), o => o.Kind == IpcObjectKind.SharedMemory && o.Id == id);
        }
        finally
        {
            SharedMemorySegment.TryRemove(id);
        }

        Assert.Equal(IpcKey.FromFile(_builds.CliBinary, 9).ToString() + "\n", Shell.Check(_builds.CliBinary, "key", _builds.CliBinary, "--proj", "9"));
    }

    [Fact]
    public void TheNativeTool_RunsTheDemo_AsNativeProcesses_AndLeavesNothing()
    {
        string keyFile = Path.Combine(_builds.Directory, "demo-key");
        File.WriteAllText(keyFile, "");
        Shell.Result demo = Shell.Run(_builds.CliBinary, ["demo", "--key-file", keyFile, "--clients", "2"], TimeSpan.FromMinutes(2));
        Assert.True(demo.ExitCode == 0, $"exit {demo.ExitCode}\n{demo.StandardOutput}\n{demo.StandardError}");
        Assert.Contains("MESG_ADD 2 40 -> MESG_OK \"42\"", demo.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Demo finished: every request got its reply.", demo.StandardOutput, StringComparison.Ordinal);
        IpcKey key = IpcKey.FromFile(keyFile, 1);
        Assert.DoesNotContain(IpcSystem.ListAll(), o => o.Key == key);
    }

    /// <summary>Publishes tests/SysV.Ipc.AotSmoke and src/SysV.Ipc.Cli with native AOT into a temporary directory.</summary>
    public sealed class Builds : IDisposable
    {
        public Builds()
        {
            Directory = Path.Combine(Path.GetTempPath(), "sysvipc-aot-" + Guid.NewGuid().ToString("N"));
            SmokePublish = Publish("tests/SysV.Ipc.AotSmoke", "smoke");
            CliPublish = PackAndInstallTool();
            TrimmedPublish = Publish("tests/SysV.Ipc.AotSmoke", "trimmed", "-p:PublishAot=false", "-p:PublishTrimmed=true", "--self-contained");
            SmokeBinary = Path.Combine(Directory, "smoke", "SysV.Ipc.AotSmoke");
            CliBinary = Path.Combine(Directory, "tools", "sysvipc");
            TrimmedSmokeBinary = Path.Combine(Directory, "trimmed", "SysV.Ipc.AotSmoke");
        }

        /// <summary>The RID of this machine's tool package.</summary>
        public static string RuntimeRid => "linux-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();

        public string Directory { get; }

        public Shell.Result SmokePublish { get; }

        public Shell.Result CliPublish { get; }

        public Shell.Result TrimmedPublish { get; }

        public string SmokeBinary { get; }

        /// <summary>The sysvipc command installed by <c>dotnet tool install --tool-path</c> from the feed.</summary>
        public string CliBinary { get; }

        /// <summary>SysV.Ipc.Cli.nupkg, the package users name, pointing to the RID-specific ones.</summary>
        public string ToolPackage => System.IO.Directory.GetFiles(Path.Combine(Directory, "feed"), "SysV.Ipc.Cli.*.nupkg")
            .Single(f => char.IsAsciiDigit(Path.GetFileName(f)["SysV.Ipc.Cli.".Length]));

        /// <summary>SysV.Ipc.Cli.RID.nupkg, with the native executable.</summary>
        public string NativeToolPackage => System.IO.Directory.GetFiles(Path.Combine(Directory, "feed"), $"SysV.Ipc.Cli.{RuntimeRid}.*.nupkg").Single();

        /// <summary>The smoke program trimmed and self-contained, running on the JIT.</summary>
        public string TrimmedSmokeBinary { get; }

        /// <summary>The same smoke program built for the JIT beside the tests (the test project references it).</summary>
        public string SmokeJitAssembly => Path.Combine(AppContext.BaseDirectory, "SysV.Ipc.AotSmoke.dll");

        public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

        /// <summary>
        /// dotnet publish (native AOT unless <paramref name="properties"/> say otherwise) with its own artifacts
        /// path, so the repository's bin and obj (used by the suite's own build) are left alone.
        /// </summary>
        private Shell.Result Publish(string project, string name, params string[] properties)
        {
            Shell.Result result = Shell.Run(
                "dotnet",
                ["publish", Path.Combine(RepositoryPaths.Root, project), "-c", "Release", "-r", RuntimeRid, "-p:PublishAot=true", .. properties, "-nologo",
                 "--artifacts-path", Path.Combine(Directory, "artifacts-" + name), "-o", Path.Combine(Directory, name)],
                Shell.BuildTimeout);
            return result.ExitCode == 0
                ? result
                : throw new InvalidOperationException($"dotnet publish {project} {string.Join(' ', properties)} failed ({result.ExitCode}):\n{result.StandardOutput}\n{result.StandardError}");
        }

        /// <summary>
        /// The tool's native package for this machine's RID (<c>dotnet pack -r</c>, which publishes it with native
        /// AOT: its output is what the warning checks read), the pointer package (from the suite's build), both
        /// into a folder feed; then <c>dotnet tool install</c> from that feed alone, with a private package cache
        /// so no package of the same version from an earlier run is taken instead.
        /// </summary>
        private Shell.Result PackAndInstallTool()
        {
            string cli = Path.Combine(RepositoryPaths.Root, "src", "SysV.Ipc.Cli");
            string feed = Path.Combine(Directory, "feed");
            Shell.Result pack = Check(Shell.Run(
                "dotnet",
                ["pack", cli, "-c", "Release", "-r", RuntimeRid, "-nologo", "--artifacts-path", Path.Combine(Directory, "artifacts-cli"), "-o", feed],
                Shell.BuildTimeout));
            Check(Shell.Run("dotnet", ["pack", cli, "-c", "Release", "--no-build", "-nologo", "-o", feed], Shell.BuildTimeout));

            string config = Path.Combine(Directory, "nuget.config");
            File.WriteAllText(config, $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{feed}" />
                  </packageSources>
                </configuration>
                """);
            Check(Shell.Run(
                "dotnet",
                ["tool", "install", "SysV.Ipc.Cli", "--tool-path", Path.Combine(Directory, "tools"), "--configfile", config],
                Shell.BuildTimeout,
                new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(Directory, "packages") }));
            return pack;

            static Shell.Result Check(Shell.Result result) => result.ExitCode == 0
                ? result
                : throw new InvalidOperationException($"exit {result.ExitCode}:\n{result.StandardOutput}\n{result.StandardError}");
        }
    }
}
