using System.Collections.Concurrent;
using System.Diagnostics;

namespace SysV.Ipc.Nats.Tests.Infrastructure;

/// <summary>
/// The C programs of the bridge tests (Native/*.c beside the assembly), compiled with gcc once per run;
/// bridge_chan with the repository's libsysvipc sources (native/src), the C side of the channel format.
/// </summary>
public static class NativeProgram
{
    private static readonly ConcurrentDictionary<string, Lazy<string>> s_built = new();
    private static readonly string s_directory = Path.Combine(Path.GetTempPath(), $"sysvipc-nats-tests-{Environment.ProcessId}");

    public static string Build(string name) => s_built.GetOrAdd(name, n => new Lazy<string>(() => Compile(n))).Value;

    private static string Compile(string name)
    {
        Directory.CreateDirectory(s_directory);
        string source = Path.Combine(AppContext.BaseDirectory, "Native", name + ".c");
        string output = Path.Combine(s_directory, name);
        var psi = new ProcessStartInfo("gcc") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        string[] library = [];
        if (name == "bridge_chan")
        {
            string native = Path.Combine(BridgeProcess.RepositoryRoot, "native");
            library = ["-I" + Path.Combine(native, "include"), Path.Combine(native, "src", "channel.c"), Path.Combine(native, "src", "common.c")];
        }

        foreach (string arg in (string[])["-O2", "-Wall", "-Werror", "-o", output, source, .. library])
        {
            psi.ArgumentList.Add(arg);
        }

        using Process p = Process.Start(psi)!;
        string errors = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? output : throw new InvalidOperationException($"gcc failed on {source}:\n{errors}");
    }
}
