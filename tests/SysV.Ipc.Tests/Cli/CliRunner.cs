using System.Diagnostics;
using System.Globalization;
using SysV.Ipc.Cli;

namespace SysV.Ipc.Tests.Cli;

/// <summary>Runs sysvipc in-process through its writers, or as a real process (dotnet exec of the built dll).</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static Result Run(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        int code = SysvIpcCli.Run(args, output, error);
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>Runs the built tool as its own process, with extra environment variables (TZ, LC_ALL).</summary>
    public static Result RunProcess(IDictionary<string, string>? environment, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "sysvipc.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(dll);
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["LC_ALL"] = "C";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }

        using var process = Process.Start(psi)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"sysvipc {string.Join(' ', args)} did not finish in 60 s.");
        }

        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    internal static readonly string[] AsNobody = ["--reuid=65534", "--regid=65534", "--clear-groups"];

    /// <summary>The built tool as user 'nobody' (setpriv), in the same IPC namespace.</summary>
    public static Result RunAsNobody(params string[] args)
    {
        string dll = Infrastructure.CrossUser.ReadablePath("sysvipc.dll"); // a copy nobody may read, wherever the checkout lives
        Infrastructure.Shell.Result result = Infrastructure.Shell.Run("setpriv", [.. AsNobody, "env", "HOME=/tmp", "DOTNET_CLI_HOME=/tmp", "DOTNET_CLI_TELEMETRY_OPTOUT=1", "LC_ALL=C", "dotnet", "exec", dll, .. args]);
        return new Result(result.ExitCode, result.StandardOutput, result.StandardError);
    }
}
