using System.Globalization;
using System.Text.RegularExpressions;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Semaphores;

/// <summary>
/// The documented cost, checked with strace: each Wait, Release, Operate and TryWait is exactly one system
/// call (glibc's semop is the semtimedop system call with a NULL timeout), each value read one semctl.
/// </summary>
public sealed partial class SemaphoreSystemCallTests : IpcLeakGuard
{
    private const int Rounds = 100;

    [RequiresProgramFact("strace", "eng/install-prerequisites.sh installs it: apt-get install strace")]
    public void EachOperationIsOneSystemCall()
    {
        string[] lines = Strace.RunRemote(typeof(SemaphoreSystemCallTests), nameof(OperateInALoop), ["-e", "trace=%ipc"], null, Rounds.ToString(CultureInfo.InvariantCulture));
        int id = int.Parse(SemGet().Match(string.Join('\n', lines)).Groups[1].Value, CultureInfo.InvariantCulture);
        // IPC_INFO (the limits, read once per process for validation) takes any id, often 0 like ours.
        int Count(string call) => lines.Count(l => l.Contains($" {call}({id.ToString(CultureInfo.InvariantCulture)},", StringComparison.Ordinal)
            && !l.Contains("IPC_INFO", StringComparison.Ordinal));

        // Create: SETALL + one semop; per round: Wait, Release, Operate, TryWait(), Release, TryWait(timeout),
        // Release = 7 semtimedop, GetValue = 1 semctl; then IPC_RMID.
        Assert.Equal(1 + (7 * Rounds), Count("semtimedop") + Count("semop"));
        Assert.Equal(1 + Rounds + 1, Count("semctl"));
        Assert.Equal(Rounds, lines.Count(l => l.Contains("GETVAL", StringComparison.Ordinal)));
    }

    private static int OperateInALoop(string roundsText)
    {
        int rounds = int.Parse(roundsText, CultureInfo.InvariantCulture);
        using var set = SemaphoreSet.Create(IpcKey.Private, 2, [1, 0], options: new() { RemoveOnDispose = true });
        ReadOnlySpan<SemaphoreOperation> move = [SemaphoreOperation.Release(1), SemaphoreOperation.Wait(1)];
        int sum = 0;
        for (int i = 0; i < rounds; i++)
        {
            set.Wait(0);
            set.Release(0);
            set.Operate(move);
            _ = set.TryWait(0);
            set.Release(0);
            _ = set.TryWait(0, TimeSpan.FromSeconds(5)) ? 0 : throw new InvalidOperationException("timed wait failed");
            set.Release(0);
            sum += set.GetValue(0);
        }

        return sum == rounds ? RemoteExecutor.SuccessExitCode : 1;
    }

    [GeneratedRegex(@"semget\(IPC_PRIVATE, 2, [^)]*\)\s*=\s*(\d+)")]
    private static partial Regex SemGet();
}
