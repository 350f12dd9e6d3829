using System.IO.Compression;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Packaging;

/// <summary>
/// The tool's linux-arm64 Native AOT package, cross-compiled on an x64 machine the way eng/pack.sh makes it
/// (Debian's aarch64-linux-gnu-gcc links it, eng/NativeAot.props), run under qemu-user: it must list what
/// ipcs lists, and make and remove an object. The cross build takes minutes, so the test runs only with
/// SYSVIPC_CROSS_AOT=1 (or SYSVIPC_STRESS=1), on x64, with the cross gcc and qemu-aarch64-static installed.
/// </summary>
public sealed class Arm64ToolPackageTests : IpcLeakGuard
{
    private const string Qemu = "qemu-aarch64-static";

    [CrossAotFact]
    public void TheArm64ToolPackage_RunsUnderQemu_AndListsWhatIpcsLists()
    {
        string directory = Path.Combine(Path.GetTempPath(), "sysvipc-arm64-" + Guid.NewGuid().ToString("N"));
        try
        {
            Shell.Result pack = Shell.Run(
                "dotnet",
                ["pack", Path.Combine(RepositoryPaths.Root, "src", "SysV.Ipc.Cli"), "-c", "Release", "-r", "linux-arm64", "-nologo",
                 "--artifacts-path", Path.Combine(directory, "artifacts"), "-o", Path.Combine(directory, "feed")],
                Shell.BuildTimeout);
            Assert.True(pack.ExitCode == 0, $"dotnet pack -r linux-arm64: exit {pack.ExitCode}\n{pack.StandardOutput}\n{pack.StandardError}");
            Assert.DoesNotContain("warning IL", pack.StandardOutput, StringComparison.Ordinal);

            string package = Directory.GetFiles(Path.Combine(directory, "feed"), "SysV.Ipc.Cli.linux-arm64.*.nupkg").Single();
            string tool = Path.Combine(directory, "tool");
            ZipFile.ExtractToDirectory(package, tool);
            string binary = Path.Combine(tool, "tools", "any", "linux-arm64", "sysvipc");
            Shell.Check("chmod", "+x", binary);

            // An aarch64 executable (ELF machine 183), not the host's; and so is its bridge companion beside it,
            // which is the tool with the bridge compiled in (it answers --version as the tool does).
            byte[] header = File.ReadAllBytes(binary)[..20];
            Assert.Equal(183, BitConverter.ToUInt16(header, 18));
            string companion = Path.Combine(Path.GetDirectoryName(binary)!, "sysvipc-bridge");
            Shell.Check("chmod", "+x", companion);
            Assert.Equal(183, BitConverter.ToUInt16(File.ReadAllBytes(companion)[..20], 18));
            Assert.Equal(Run(binary, "--version"), Run(companion, "--version"));

            using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 4096, options: new() { RemoveOnDispose = true });
            using var set = SemaphoreSet.Create(TestKeys.Unique(), 2, new int[2], options: new() { RemoveOnDispose = true });
            Assert.Equal(Shell.Check("ipcs"), Run(binary, "ls"));

            IpcKey key = TestKeys.Unique();
            string made = Run(binary, "mk", "-Q", "--key", key.ToString());
            Assert.StartsWith("Message queue id: ", made, StringComparison.Ordinal);
            Assert.Contains(IpcSystem.ListMessageQueues(), q => q.Key == key);
            Run(binary, "rm", "-Q", key.ToString());
            Assert.DoesNotContain(IpcSystem.ListMessageQueues(), q => q.Key == key);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static string Run(string binary, params string[] args)
    {
        Shell.Result result = Shell.Run(Qemu, ["-L", "/usr/aarch64-linux-gnu", binary, .. args], TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, $"sysvipc {string.Join(' ', args)} under qemu: exit {result.ExitCode}\n{result.StandardOutput}\n{result.StandardError}");
        return result.StandardOutput;
    }

    /// <summary>Runs only when asked (SYSVIPC_CROSS_AOT=1 or SYSVIPC_STRESS=1) on an x64 machine that has the tools.</summary>
    private sealed class CrossAotFactAttribute : FactAttribute
    {
        public CrossAotFactAttribute()
        {
            if (Environment.GetEnvironmentVariable("SYSVIPC_CROSS_AOT") != "1" && Environment.GetEnvironmentVariable("SYSVIPC_STRESS") != "1")
            {
                Skip = "the linux-arm64 cross AOT build takes minutes: set SYSVIPC_CROSS_AOT=1 to run it.";
            }
            else if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
            {
                Skip = "cross-compiling linux-arm64 is checked from x64 machines.";
            }
            else if (!ProgramLocator.Exists("aarch64-linux-gnu-gcc") || !ProgramLocator.Exists(Qemu))
            {
                Skip = "needs aarch64-linux-gnu-gcc and qemu-aarch64-static (apt-get install gcc-aarch64-linux-gnu qemu-user-static).";
            }
        }
    }
}
