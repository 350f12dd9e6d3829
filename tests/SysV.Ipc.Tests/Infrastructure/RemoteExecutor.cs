using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace SysV.Ipc.Tests.Infrastructure;

/// <summary>
/// Runs a static method of the test assembly in a real child process (like dotnet/runtime's
/// RemoteExecutor): arguments travel as strings, the exit code says how it went (42 = success, also what
/// a method returning void gives), and the handle kills the child if it is still running when disposed.
/// </summary>
public static class RemoteExecutor
{
    public const int SuccessExitCode = 42;
    internal const string RemoteFlag = "--remote";

    public static RemoteProcess Start(Delegate method, params string[] args) => Start(null, method, args);

    /// <summary>The same, with variables added to the child's environment (a switch read at start-up, say).</summary>
    public static RemoteProcess Start(IReadOnlyDictionary<string, string>? environment, Delegate method, params string[] args)
    {
        MethodInfo info = method.Method;
        if (!info.IsStatic)
        {
            throw new ArgumentException("Only static methods can run in a child process (a lambda capturing state cannot).", nameof(method));
        }

        string assembly = typeof(RemoteExecutor).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(assembly);
        psi.ArgumentList.Add(RemoteFlag);
        psi.ArgumentList.Add(info.DeclaringType!.FullName!);
        psi.ArgumentList.Add(info.Name);
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }

        return RemoteProcess.Start(psi, $"{info.DeclaringType.Name}.{info.Name}");
    }

    /// <summary>Runs the method in a child and asserts it exits with <see cref="SuccessExitCode"/> within the timeout.</summary>
    public static void Run(Delegate method, params string[] args) => Run(TimeSpan.FromSeconds(60), method, args);

    public static void Run(TimeSpan timeout, Delegate method, params string[] args)
    {
        using RemoteProcess child = Start(method, args);
        child.AssertExit(SuccessExitCode, timeout);
    }
}

/// <summary>A child process with captured output; killed (with its tree) on dispose if still running.</summary>
public sealed class RemoteProcess : IDisposable
{
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly string _name;

    private RemoteProcess(Process process, string name)
    {
        Process = process;
        _name = name;
    }

    public Process Process { get; }

    public int Id => Process.Id;

    public string StandardOutput
    {
        get { lock (_stdout) { return _stdout.ToString(); } }
    }

    public string StandardError
    {
        get { lock (_stderr) { return _stderr.ToString(); } }
    }

    public static RemoteProcess Start(ProcessStartInfo psi, string name)
    {
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var remote = new RemoteProcess(process, name);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (remote._stdout) { remote._stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (remote._stderr) { remote._stderr.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return remote;
    }

    /// <summary>Waits for the exit; kills the child and fails on timeout. Returns the exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!Process.WaitForExit(timeout))
        {
            Kill();
            throw new TimeoutException($"Child '{_name}' (pid {Id}) did not exit within {timeout}; killed.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
        }

        Process.WaitForExit(); // drains the redirected streams
        return Process.ExitCode;
    }

    public void AssertExit(int expected, TimeSpan timeout)
    {
        int code = WaitForExit(timeout);
        if (code != expected)
        {
            throw new Xunit.Sdk.XunitException($"Child '{_name}' (pid {Id}) exited with {code}, expected {expected}.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
        }
    }

    /// <summary>Waits until the child prints a line containing <paramref name="text"/> on stdout.</summary>
    public void WaitForOutput(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!StandardOutput.Contains(text, StringComparison.Ordinal))
        {
            if (Process.HasExited && !StandardOutput.Contains(text, StringComparison.Ordinal))
            {
                Process.WaitForExit();
                if (StandardOutput.Contains(text, StringComparison.Ordinal))
                {
                    return;
                }

                throw new Xunit.Sdk.XunitException($"Child '{_name}' exited ({Process.ExitCode}) before printing '{text}'.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"Child '{_name}' did not print '{text}' within {timeout}.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
            }

            Thread.Sleep(5);
        }
    }

    /// <summary>Sends SIGKILL (no cleanup code runs in the child) and waits for it to die.</summary>
    public void Kill()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        Kill();
        Process.Dispose();
    }
}
