using System.Globalization;
using SysV.Ipc.AotSmoke;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Aot;

/// <summary>
/// The library run on arm64, not only its layouts asserted: the smoke program is compiled with native AOT
/// for linux-arm64 (cross-linked by aarch64-linux-gnu-gcc, eng/NativeAot.props) and run under qemu-user
/// (<c>qemu-aarch64-static -L /usr/aarch64-linux-gnu</c>), alone (every area, two arm64 processes) and next
/// to this x86_64 process on one shared struct and one mutex. Both tools are installed by
/// eng/install-prerequisites.sh; without them the tests are skipped, saying so.
/// </summary>
public sealed class Arm64QemuTests : IpcLeakGuard, IClassFixture<Arm64QemuTests.Arm64Build>
{
    private const string Qemu = "qemu-aarch64-static";
    private const string Sysroot = "/usr/aarch64-linux-gnu";
    private const string Hint = "eng/install-prerequisites.sh installs qemu-user-static and gcc-aarch64-linux-gnu";

    private readonly Arm64Build _build;

    public Arm64QemuTests(Arm64Build build) => _build = build;

    [RequiresProgramFact(Qemu, Hint)]
    public void TheArm64NativeSmokeProgram_RunsEveryArea_UnderQemu_InOneProcessAndAcrossTwo()
    {
        Shell.Result run = RunUnderQemu([]);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.StandardOutput}\n{run.StandardError}");
        Assert.Equal(
            ["ok keys", "ok shared-memory", "ok message-queues", "ok semaphores", "ok shared-struct", "ok channel"],
            run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [RequiresProgramFact(Qemu, Hint)]
    public void AnArm64Process_AndThisOne_IncrementOneSharedStruct_UnderOneMutex_AtTheSameTime()
    {
        using var shared = SharedStruct<Outer>.Create(IpcKey.Private, Outer.Initialize, options: new() { RemoveOnDispose = true });
        using var mutex = IpcMutex.Create(IpcKey.Private, options: new() { RemoveOnDispose = true });

        // The arm64 child checks the fields this process initialized, then adds 2000 under the mutex while
        // this process adds 2000 too: any lost update or torn layout shows in the total.
        Task<Shell.Result> child = Task.Run(() => RunUnderQemu(
            ["child-struct", shared.Id.ToString(CultureInfo.InvariantCulture), mutex.Semaphores.Id.ToString(CultureInfo.InvariantCulture)]));
        for (int i = 0; i < 2000; i++)
        {
            using IpcMutexScope scope = mutex.Acquire(TimeSpan.FromSeconds(60));
            shared.Value.Counter++;
        }

        Shell.Result result = child.GetAwaiter().GetResult();
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.StandardError}");
        Assert.Equal(4000, shared.Value.Counter);
        Assert.True(Outer.IsInitialized(in shared.Value));
    }

    private Shell.Result RunUnderQemu(string[] args)
    {
        _build.ThrowIfFailed();
        string emulator = $"{Qemu} -L {Sysroot}";
        return Shell.Run(
            Qemu,
            ["-L", Sysroot, _build.Binary, .. args],
            TimeSpan.FromMinutes(3),
            new Dictionary<string, string>
            {
                ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1", // no arm64 libicu in the sysroot
                ["SYSVIPC_SMOKE_EMULATOR"] = emulator,           // its own second processes run under qemu too
            });
    }

    /// <summary>dotnet publish -r linux-arm64 with native AOT (eng/NativeAot.props links it with aarch64-linux-gnu-gcc).</summary>
    public sealed class Arm64Build : IDisposable
    {
        private readonly string? _failure;

        public Arm64Build()
        {
            Directory = Path.Combine(Path.GetTempPath(), "sysvipc-arm64-" + Guid.NewGuid().ToString("N"));
            Binary = Path.Combine(Directory, "smoke", "SysV.Ipc.AotSmoke");
            if (!OperatingSystem.IsLinux() || !ProgramLocator.Exists(Qemu))
            {
                return; // the facts are skipped
            }

            if (!ProgramLocator.Exists("aarch64-linux-gnu-gcc"))
            {
                _failure = $"aarch64-linux-gnu-gcc is not installed ({Hint}).";
                return;
            }

            Shell.Result publish = Shell.Run(
                "dotnet",
                ["publish", Path.Combine(RepositoryPaths.Root, "tests/SysV.Ipc.AotSmoke"), "-c", "Release", "-r", "linux-arm64", "-p:PublishAot=true",
                 "-nologo",
                 "--artifacts-path", Path.Combine(Directory, "artifacts"), "-o", Path.Combine(Directory, "smoke")],
                Shell.BuildTimeout);
            if (publish.ExitCode != 0 || !File.Exists(Binary))
            {
                _failure = $"dotnet publish -r linux-arm64 failed ({publish.ExitCode}):\n{publish.StandardOutput}\n{publish.StandardError}";
            }
        }

        public string Directory { get; }

        public string Binary { get; }

        public void ThrowIfFailed()
        {
            if (_failure is not null)
            {
                throw new InvalidOperationException(_failure);
            }
        }

        public void Dispose()
        {
            if (System.IO.Directory.Exists(Directory))
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
        }
    }
}
