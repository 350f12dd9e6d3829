using System.Collections.Concurrent;
using System.Diagnostics;

namespace SysV.Ipc.Tests.Infrastructure;

/// <summary>
/// C helpers: sources in Native/ (copied beside the test assembly) compiled with gcc on first use, once per
/// test run, into a private folder. The tests run them as real processes.
/// </summary>
public static class NativeProgram
{
    private static readonly ConcurrentDictionary<string, Lazy<string>> s_built = new();
    private static readonly string s_outputDirectory =
        Path.Combine(Path.GetTempPath(), $"sysvipc-tests-native-{Environment.ProcessId}");

    public static string SourceDirectory => Path.Combine(AppContext.BaseDirectory, "Native");

    /// <summary>Compiles Native/NAME.c (if not done yet in this run) and returns the executable's path.</summary>
    public static string Build(string name, string extraFlags = "") =>
        s_built.GetOrAdd(name + "|" + extraFlags, _ => new Lazy<string>(() => Compile(name, extraFlags))).Value;

    public static RemoteProcess Start(string name, params string[] args)
    {
        var psi = new ProcessStartInfo(Build(name))
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

        return RemoteProcess.Start(psi, name);
    }

    /// <summary>Runs a C helper to completion and asserts exit code 0; returns its stdout.</summary>
    public static string Run(string name, params string[] args)
    {
        using RemoteProcess process = Start(name, args);
        process.AssertExit(0, TimeSpan.FromSeconds(60));
        return process.StandardOutput;
    }

    /// <summary>Compiles a C file with the given compiler (for the layout tests); returns (exit code, diagnostics).</summary>
    public static (int ExitCode, string Output) CompileOnly(string compiler, string sourcePath, string outputPath)
    {
        var result = Shell.Run(compiler, ["-std=c11", "-Wall", "-Werror", "-c", sourcePath, "-o", outputPath]);
        return (result.ExitCode, result.StandardOutput + result.StandardError);
    }

    private static string Compile(string name, string extraFlags)
    {
        Directory.CreateDirectory(s_outputDirectory);
        string source = Path.Combine(SourceDirectory, name + ".c");
        if (!File.Exists(source))
        {
            throw new FileNotFoundException($"No C helper source {source}.", source);
        }

        string output = Path.Combine(s_outputDirectory, name + (extraFlags.Length == 0 ? string.Empty : "-" + Math.Abs(extraFlags.GetHashCode(StringComparison.Ordinal))));
        List<string> args = ["-O2", "-Wall", "-Werror", "-o", output, source, .. extraFlags.Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        var result = Shell.Run("gcc", args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"gcc failed on {source}:\n{result.StandardOutput}{result.StandardError}");
        }

        return output;
    }
}

/// <summary>Runs a command to completion and captures its output (util-linux tools, compilers).</summary>
public static class Shell
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    /// <summary>
    /// The bound on a build step (dotnet build, pack, publish, tool install; make): it only stops a hung
    /// tool, so it is far above what a build takes on a quiet machine (a native AOT pack: about 2 minutes),
    /// because on a machine loaded many times over a build can take ten times that (seen: over 10 minutes
    /// at a load average of 47 on 2 cores) and is still correct.
    /// </summary>
    public static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(45);

    public static Result Run(string program, IEnumerable<string> args, TimeSpan? timeout = null, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        // Tools print times and messages in the C locale so the tests can parse them.
        psi.Environment["LC_ALL"] = "C";
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                psi.Environment[k] = v;
            }
        }

        using var process = Process.Start(psi)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in {timeout ?? TimeSpan.FromSeconds(60)}.");
        }

        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs and asserts exit code 0; returns stdout.</summary>
    public static string Check(string program, params string[] args)
    {
        Result result = Run(program, args);
        if (result.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"{program} {string.Join(' ', args)} exited with {result.ExitCode}:\n{result.StandardOutput}{result.StandardError}");
        }

        return result.StandardOutput;
    }
}
