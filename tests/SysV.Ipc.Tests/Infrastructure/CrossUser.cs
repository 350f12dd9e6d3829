using System.Diagnostics;
using System.Globalization;

namespace SysV.Ipc.Tests.Infrastructure;

/// <summary>
/// What a child started as another user (nobody, through setpriv) needs, wherever the checkout lives: a clone
/// in a 0700 directory (mktemp -d, /root) is closed to that user, so 'dotnet exec' of the test assembly in
/// place fails (realpath: Permission denied, exit 129). The test output is copied once per test process into
/// a world-readable directory of its own under /tmp, and removed when the process exits.
/// </summary>
public static class CrossUser
{
    /// <summary>The trait every test that starts a child as another user carries (eng/test.sh reruns them from a 0700 directory).</summary>
    public const string Trait = "CrossUser";

    private const string Prefix = "sysvipc-crossuser-";

    private static readonly Lazy<string> s_readableCopy = new(CopyTestOutput, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The directory holding a copy of the test output that any user may read.</summary>
    public static string ReadableOutput => s_readableCopy.Value;

    /// <summary>The path of <paramref name="fileName"/> (an assembly beside the tests, e.g. sysvipc.dll) in <see cref="ReadableOutput"/>.</summary>
    public static string ReadablePath(string fileName) => Path.Combine(ReadableOutput, fileName);

    /// <summary>The setpriv arguments that run a program as uid/gid <paramref name="userId"/> with no supplementary groups and no capabilities.</summary>
    public static string[] AsUser(uint userId) =>
        [$"--reuid={userId.ToString(CultureInfo.InvariantCulture)}", $"--regid={userId.ToString(CultureInfo.InvariantCulture)}", "--clear-groups", "--inh-caps=-all"];

    /// <summary>A process start for 'setpriv (as the user) dotnet exec COPY/SysV.Ipc.Tests.dll --remote TYPE METHOD ARGS'.</summary>
    public static ProcessStartInfo RemoteStartInfo(uint userId, Type type, string method, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])[.. AsUser(userId), "dotnet", "exec", ReadablePath(Path.GetFileName(typeof(CrossUser).Assembly.Location)),
            RemoteExecutor.RemoteFlag, type.FullName!, method, .. args])
        {
            psi.ArgumentList.Add(arg);
        }

        // Another user cannot write root's home; the host needs none for 'dotnet exec'.
        psi.Environment["HOME"] = Path.GetTempPath();
        psi.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return psi;
    }

    private static string CopyTestOutput()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Children as another user need Linux (setpriv).");
        }

        string source = AppContext.BaseDirectory.TrimEnd('/');
        RemoveCopiesOfDeadProcesses();
        string target = Path.Combine(Path.GetTempPath(), $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        const UnixFileMode Directories = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        const UnixFileMode Readable = UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        Directory.CreateDirectory(target);
        File.SetUnixFileMode(target, Directories); // explicitly: the umask applies at creation
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(target);
        foreach (string directory in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(target, Path.GetRelativePath(source, directory));
            Directory.CreateDirectory(copy);
            File.SetUnixFileMode(copy, Directories);
        }

        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(target, Path.GetRelativePath(source, file));
            File.Copy(file, copy);
            File.SetUnixFileMode(copy, File.GetUnixFileMode(copy) | Readable);
        }

        return target;
    }

    /// <summary>
    /// The test host is not always let to run its exit handlers (vstest ends it), so each run also removes the
    /// copies of test processes that no longer exist (eng/test.sh does the same after the run).
    /// </summary>
    private static void RemoveCopiesOfDeadProcesses()
    {
        foreach (string directory in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            string rest = Path.GetFileName(directory)[Prefix.Length..];
            int dash = rest.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(rest.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && !Directory.Exists($"/proc/{pid}"))
            {
                TryDelete(directory);
            }
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
