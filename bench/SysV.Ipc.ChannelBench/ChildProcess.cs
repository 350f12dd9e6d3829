using System.Diagnostics;
using System.Globalization;

namespace SysV.Ipc.ChannelBench;

/// <summary>
/// A second process for the other end of a measurement: this harness again (<c>--child ROLE ARGS</c>) or a
/// native program. Waits for its "READY" line, collects its output, and kills it if it outlives the run.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly System.Text.StringBuilder _errors = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private ChildProcess(ProcessStartInfo psi)
    {
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_lines)
                {
                    _lines.Add(e.Data);
                }

                _lineArrived.Release();
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_errors)
                {
                    _errors.AppendLine(e.Data);
                }
            }
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>
    /// Starts this program again in child mode as the partner of a measurement: on the partner's CPU when
    /// the pair is pinned (<see cref="CpuPinning"/>). Through "dotnet exec" on the JIT, or the native
    /// executable itself when published with Native AOT.
    /// </summary>
    public static ChildProcess Partner(params string[] args) => new(CpuPinning.ForPartner(SelfHost(out string[] prefix), [.. prefix, "--child", .. args]));

    /// <summary>Starts this program again in child mode, on this process's CPU (a driver that starts its own partner).</summary>
    public static ChildProcess Self(params string[] args)
    {
        var psi = new ProcessStartInfo(SelfHost(out string[] prefix));
        foreach (string arg in (string[])[.. prefix, "--child", .. args])
        {
            psi.ArgumentList.Add(arg);
        }

        return new ChildProcess(psi);
    }

    /// <summary>The command line (program first) that runs this program again in child mode: for a native driver to start as its partner.</summary>
    public static string[] SelfCommand(params string[] args) => [SelfHost(out string[] prefix), .. prefix, "--child", .. args];

    /// <summary>Starts a native program.</summary>
    public static ChildProcess Program(string path, params string[] args)
    {
        var psi = new ProcessStartInfo(path);
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        return new ChildProcess(psi);
    }

    public int Id => _process.Id;

    /// <summary>The executable to start this program again, and the arguments before its own ("exec" and the assembly on the JIT).</summary>
    private static string SelfHost(out string[] prefix)
    {
        string host = Environment.ProcessPath!;
        prefix = Path.GetFileNameWithoutExtension(host) == "dotnet" ? ["exec", Path.Combine(AppContext.BaseDirectory, typeof(ChildProcess).Assembly.GetName().Name + ".dll")] : [];
        return host;
    }

    /// <summary>Waits for a line starting with <paramref name="prefix"/>; returns the rest of it.</summary>
    public string WaitFor(string prefix, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (TryFindLine(prefix, out string value))
            {
                return value;
            }

            if (_process.HasExited && !_lineArrived.Wait(200))
            {
                // WaitForExit() without a timeout returns only once the redirected streams reached their end, so a
                // last line still in flight when the exit was seen is in _lines now: look once more before blaming the child.
                _process.WaitForExit();
                if (TryFindLine(prefix, out value))
                {
                    return value;
                }

                throw new InvalidOperationException($"{Describe()} exited with {_process.ExitCode} before printing '{prefix}'. stderr:\n{Errors}");
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{Describe()} did not print '{prefix}' within {timeout}. stderr:\n{Errors}");
            }

            _lineArrived.Wait(100);
        }
    }

    private bool TryFindLine(string prefix, out string value)
    {
        lock (_lines)
        {
            string? line = _lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            value = line is null ? "" : line[prefix.Length..].Trim();
            return line is not null;
        }
    }

    public long WaitForLong(string prefix, TimeSpan timeout) => long.Parse(WaitFor(prefix, timeout), CultureInfo.InvariantCulture);

    /// <summary>Waits for a successful exit.</summary>
    public void WaitForSuccess(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            throw new TimeoutException($"{Describe()} did not finish within {timeout}. stderr:\n{Errors}");
        }

        _process.WaitForExit();
        if (_process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Describe()} failed with exit code {_process.ExitCode}. stderr:\n{Errors}");
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        _lineArrived.Dispose();
    }

    private string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    private string Describe() => $"child {_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)} (pid {_process.Id})";
}

/// <summary>Nanosecond timestamps on CLOCK_MONOTONIC, comparable across processes (and with the C programs' clock_gettime).</summary>
internal static class Clock
{
    public static long NowNanoseconds() => (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));
}
