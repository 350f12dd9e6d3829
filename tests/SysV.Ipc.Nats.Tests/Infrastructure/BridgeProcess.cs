using System.Diagnostics;

namespace SysV.Ipc.Nats.Tests.Infrastructure;

/// <summary>'sysvipc bridge ...' running as a real process inside a host (IPC namespace); its log lines collected.</summary>
public sealed class BridgeProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];

    private BridgeProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Log
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "SysVIpc.slnx")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException("repository root not found");
        }
    }

    public static string CliPath
    {
        get
        {
            string configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            string path = Path.Combine(RepositoryRoot, "src", "SysV.Ipc.Cli", "bin", configuration, "net10.0", "sysvipc.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build src/SysV.Ipc.Cli first.", path);
        }
    }

    public static BridgeProcess Start(IpcHost host, params string[] args)
    {
        ProcessStartInfo psi = host.StartInfo("dotnet", [CliPath, "bridge", .. args]);
        psi.Environment["DOTNET_TieredPGO"] = "0";
        return new BridgeProcess(Process.Start(psi)!);
    }

    /// <summary>
    /// Waits until a log line contains the text; fails with the log if the process exits first or time runs out.
    /// The default bound (5 minutes) only ends a bridge that never gets there: a loaded machine takes tens of
    /// seconds to start a dotnet process, and a bound costs nothing when things work.
    /// </summary>
    public void WaitFor(string text, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < (timeout ?? TimeSpan.FromMinutes(5)))
        {
            if (Lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                return;
            }

            if (_process.HasExited)
            {
                _process.WaitForExit();
                if (Lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                {
                    return;
                }

                throw new Xunit.Sdk.XunitException($"The bridge exited ({_process.ExitCode}) before logging '{text}':\n{Log}");
            }

            Thread.Sleep(20);
        }

        throw new TimeoutException($"The bridge did not log '{text}' in time:\n{Log}");
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        _process.WaitForExit();
        return true;
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    /// <summary>How long a test gives a bridge to stop after SIGTERM (it finishes its batch, up to 5 s, and flushes): generous, it only bounds a bridge that does not stop.</summary>
    public static readonly TimeSpan StopBound = TimeSpan.FromMinutes(2);

    /// <summary>SIGTERM, as systemd stops a service.</summary>
    public void Terminate() => Shell("kill", "-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>CPU time used so far (user + system), from /proc.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            string[] fields = File.ReadAllText($"/proc/{Pid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    internal static void Shell(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        p.WaitForExit();
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            lock (_lines)
            {
                _lines.Add(line);
            }
        }
    }
}
