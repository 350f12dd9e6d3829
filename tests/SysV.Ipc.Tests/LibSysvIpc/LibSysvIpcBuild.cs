using SysV.Ipc.Tests.Infrastructure;

namespace SysV.Ipc.Tests.LibSysvIpc;

/// <summary>
/// Builds native/ (libsysvipc and its C test peer) with its own Makefile, once per test run, into a private
/// folder (the repository stays clean): plainly, and with -fsanitize=address,undefined.
/// </summary>
internal static class LibSysvIpcBuild
{
    private static readonly string s_root = Path.Combine(Path.GetTempPath(), $"sysvipc-libsysvipc-{Environment.ProcessId}");
    private static readonly Lazy<string> s_plain = new(() => Make(sanitize: false));
    private static readonly Lazy<string> s_sanitized = new(() => Make(sanitize: true));

    public static string NativeDirectory => Path.Combine(RepositoryPaths.Root, "native");

    /// <summary>The build folder (libsysvipc.a, .so, channel_peer) of the plain build.</summary>
    public static string Plain => s_plain.Value;

    /// <summary>The build folder of the -fsanitize=address,undefined build.</summary>
    public static string Sanitized => s_sanitized.Value;

    public static string Peer(bool sanitized = false) => Path.Combine(sanitized ? Sanitized : Plain, "channel_peer");

    /// <summary>Runs make in native/ with a build folder of ours; returns (exit code, output).</summary>
    public static Shell.Result RunMake(string build, bool sanitize, params string[] targets)
    {
        List<string> args = ["-C", NativeDirectory, $"BUILD={build}", .. targets];
        if (sanitize)
        {
            args.Add("SANITIZE=1");
        }

        // make check makes its own IPC namespace unless told it is in one: it must not judge the suite's objects.
        var environment = new Dictionary<string, string> { ["SYSV_IPC_IN_NAMESPACE"] = "0" };
        // Longer than the C tests' own hang detector (native/tests/watchdog.h, 600 s), so a hang is reported by name.
        return Shell.Run("make", args, Shell.BuildTimeout, environment);
    }

    public static RemoteProcess StartPeer(bool sanitized, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(Peer(sanitized))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        return RemoteProcess.Start(psi, "channel_peer " + string.Join(' ', args));
    }

    public static RemoteProcess StartPeer(params string[] args) => StartPeer(false, args);

    private static string Make(bool sanitize)
    {
        string build = Path.Combine(s_root, sanitize ? "sanitized" : "plain");
        Shell.Result result = RunMake(build, sanitize, "peers");
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"make peers in native/ failed:\n{result.StandardOutput}{result.StandardError}");
        }

        return build;
    }
}
