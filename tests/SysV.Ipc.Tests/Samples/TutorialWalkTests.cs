using System.Text.RegularExpressions;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Samples;

/// <summary>Runs samples/TutorialWalk as a real process and checks what it prints and that it leaves nothing behind.</summary>
public sealed partial class TutorialWalkTests : IpcLeakGuard
{
    private static readonly string[] s_cCalls =
    [
        "ipckey = ftok(path_to_existing_file, PROJ);",
        "shmid = shmget(ipckey, sizeof(struct _syscall), IPC_CREAT | IPC_EXCL | PERMS);",
        "shm_ptr = (struct _syscall *)shmat(shmid, NULL, 0); clear_syscall(shm_ptr);",
        "shmid = shmget(ipckey, sizeof(struct _syscall), PERMS);",
        "shm_ptr = (struct _syscall *)shmat(shmid, NULL, SHM_RDONLY);",
        "$ ipcs -m",
        "shmdt(shm_ptr);",
        "shmctl(shmid, IPC_RMID, (struct shmid_ds *)0);",
    ];

    [Fact]
    public void TheWalk_ShowsEveryStepNextToItsCCall_AndLeavesNothing()
    {
        string keyFile = Path.GetTempFileName();
        try
        {
            Shell.Result result = Run("--key-file", keyFile);
            Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
            string output = result.StandardOutput;
            foreach (string call in s_cCalls)
            {
                Assert.Contains("  C:    " + call, output, StringComparison.Ordinal);
            }

            IpcKey key = IpcKey.FromFile(keyFile, 1);
            Assert.Contains($"->    key {key}", output, StringComparison.Ordinal);
            string id = ShmId().Match(output).Groups[1].Value;
            Assert.Contains("->    shmid " + id + ", 272 bytes, mode 600", output, StringComparison.Ordinal);
            Assert.Contains("read id=1 pid=", output, StringComparison.Ordinal);
            Assert.Contains("buf=\"hello through System V shared memory\"", output, StringComparison.Ordinal);
            Assert.Contains("InvalidOperationException, no SIGSEGV", output, StringComparison.Ordinal);

            // ipcs before removal (two attachments), after IPC_RMID while attached (key 0, dest), after the last detach (gone).
            Assert.Matches($@"\n\s+{key}\s+{id}\s+\d+\s+600\s+272\s+2\s*\n", output);
            Assert.Matches($@"\n\s+0x00000000\s+{id}\s+\d+\s+600\s+272\s+1\s+dest", output);
            Assert.Contains($"(no segment with shmid {id})", output, StringComparison.Ordinal);
            Assert.Contains($"shmid {id} is gone", output, StringComparison.Ordinal);

            Assert.DoesNotContain(IpcSystem.ListSharedMemory(), s => s.Key == key || s.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == id);
            Assert.True(File.Exists(keyFile), "a key file given by the caller is not the walk's to delete");
        }
        finally
        {
            File.Delete(keyFile);
        }
    }

    [Theory]
    [InlineData("attach")]
    [InlineData("write")]
    [InlineData("ipcs")]
    [InlineData("remove")]
    public void AFailureMidway_StillRemovesEverythingTheWalkCreated(string step)
    {
        Shell.Result result = Run("--fail-at", step);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"stopping at step '{step}'", result.StandardError, StringComparison.Ordinal);
        int id = int.Parse(ShmId().Match(result.StandardOutput).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"cleanup: removed shmid {id}", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(IpcSystem.ListSharedMemory(), s => s.Id == id);
    }

    [Fact]
    public void AnExistingSegment_IsReportedWithTheTutorialsAdvice_AndLeftAlone()
    {
        string keyFile = Path.GetTempFileName();
        try
        {
            using var leftover = SharedMemorySegment.Create(IpcKey.FromFile(keyFile, 1), 16, options: new() { RemoveOnDispose = true });
            Shell.Result result = Run("--key-file", keyFile);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("*** allocate failed ***", result.StandardError, StringComparison.Ordinal);
            Assert.Contains("left over from an earlier run", result.StandardError, StringComparison.Ordinal);
            Assert.Contains($"ipcrm -M {leftover.Key}", result.StandardError, StringComparison.Ordinal);
            Assert.Equal(16, leftover.GetInfo().Size); // not the walk's: still there, untouched
        }
        finally
        {
            File.Delete(keyFile);
        }
    }

    private static Shell.Result Run(params string[] args)
    {
        // The sample is built beside this project: tests/SysV.Ipc.Tests/bin/C/TFM -> samples/TutorialWalk/bin/C/TFM.
        string dll = Path.GetFullPath(Path.Combine(
            AppContext.BaseDirectory.Replace(Path.Combine("tests", "SysV.Ipc.Tests"), Path.Combine("samples", "TutorialWalk"), StringComparison.Ordinal),
            "TutorialWalk.dll"));
        Assert.True(File.Exists(dll), $"{dll} is not built");
        return Shell.Run("dotnet", ["exec", dll, .. args], TimeSpan.FromSeconds(60));
    }

    [GeneratedRegex(@"->    shmid (\d+), ")]
    private static partial Regex ShmId();
}
