namespace SysV.Ipc.Nats.Tests.Infrastructure;

/// <summary>
/// The tool's build output copied once per test process into a world-readable directory under /tmp, so a child
/// started as another user (nobody) can run it wherever the checkout lives: a clone in a 0700 directory
/// (mktemp -d, /root) is closed to that user, and 'dotnet sysvipc.dll' in place fails with
/// "realpath(...) failed: Permission denied". The copy is removed when the test process exits.
/// </summary>
public static class ReadableCli
{
    private static readonly Lazy<string> s_path = new(Copy, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The path of sysvipc.dll in the world-readable copy.</summary>
    public static string Path => s_path.Value;

    private static string Copy()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Children as another user need Linux (setpriv).");
        }

        const UnixFileMode Directories = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        const UnixFileMode Readable = UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        string source = System.IO.Path.GetDirectoryName(BridgeProcess.CliPath)!;
        string target = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"sysvipc-crossuser-{Environment.ProcessId}-cli{Guid.NewGuid():N}");
        Directory.CreateDirectory(target);
        File.SetUnixFileMode(target, Directories); // explicitly: the umask applies at creation
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(target);
        foreach (string directory in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            string copy = System.IO.Path.Combine(target, System.IO.Path.GetRelativePath(source, directory));
            Directory.CreateDirectory(copy);
            File.SetUnixFileMode(copy, Directories);
        }

        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string copy = System.IO.Path.Combine(target, System.IO.Path.GetRelativePath(source, file));
            File.Copy(file, copy);
            File.SetUnixFileMode(copy, File.GetUnixFileMode(copy) | Readable);
        }

        return System.IO.Path.Combine(target, System.IO.Path.GetFileName(BridgeProcess.CliPath));
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
