using System.Diagnostics;

namespace SysV.Ipc.Tests.Infrastructure;

/// <summary>Runs a static test method in a child process under strace (following its threads) and returns strace's log.</summary>
public static class Strace
{
    /// <summary>
    /// Runs <paramref name="type"/>.<paramref name="method"/> like <see cref="RemoteExecutor"/> does, under
    /// <c>strace -f -qq</c> with <paramref name="straceOptions"/>, checks it exits with
    /// <see cref="RemoteExecutor.SuccessExitCode"/>, and returns the log: one line per system call, each
    /// starting with the thread id.
    /// </summary>
    public static string[] RunRemote(Type type, string method, string[] straceOptions, IDictionary<string, string>? environment, params string[] args)
    {
        string log = Path.Combine(Path.GetTempPath(), $"sysvipc-strace-{Guid.NewGuid():N}.txt");
        var psi = new ProcessStartInfo("/usr/bin/strace")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["-f", "-qq", .. straceOptions, "-o", log, "dotnet", "exec", typeof(RemoteExecutor).Assembly.Location,
            "--remote", type.FullName!, method, .. args])
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }

        try
        {
            using (RemoteProcess child = RemoteProcess.Start(psi, "strace " + method))
            {
                child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(120));
            }

            return File.ReadAllLines(log);
        }
        finally
        {
            File.Delete(log);
        }
    }
}
