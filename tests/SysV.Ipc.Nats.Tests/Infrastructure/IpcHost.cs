using System.Diagnostics;
using System.Globalization;

namespace SysV.Ipc.Nats.Tests.Infrastructure;

/// <summary>
/// A "host" for the bridge tests: a private IPC namespace (unshare --ipc) held open by a sleeping process;
/// programs run in it through nsenter. Everything made in it disappears with it on dispose, when its
/// holder and every process started in it are killed.
/// </summary>
public sealed class IpcHost : IDisposable
{
    private readonly Process? _holder;
    private readonly List<Process> _started = [];

    private IpcHost(Process? holder, string name)
    {
        _holder = holder;
        Name = name;
    }

    public string Name { get; }

    public int HolderPid => _holder?.Id ?? Environment.ProcessId;

    /// <summary>The test process's own namespace as a host (objects the test makes in-process live there); it is not removed on dispose.</summary>
    public static IpcHost Current(string name) => new(null, name);

    public static IpcHost Create(string name)
    {
        var psi = new ProcessStartInfo("unshare") { UseShellExecute = false, RedirectStandardError = true };
        foreach (string arg in (string[])["--ipc", "sleep", "infinity"])
        {
            psi.ArgumentList.Add(arg);
        }

        Process holder = Process.Start(psi)!;
        var host = new IpcHost(holder, name);

        // unshare has made the namespace once its child (sleep) replaced it: wait until our view differs.
        string mine = File.ResolveLinkTarget("/proc/self/ns/ipc", false)?.ToString() ?? string.Empty;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(2)) // only bounds an unshare that never gets there
        {
            try
            {
                // Only once unshare has exec'd sleep is its namespace final (and it is no longer ours).
                string theirs = File.ResolveLinkTarget($"/proc/{holder.Id}/ns/ipc", false)?.ToString() ?? string.Empty;
                string command = File.ReadAllText($"/proc/{holder.Id}/comm").Trim();
                if (command == "sleep" && theirs.Length > 0 && theirs != mine)
                {
                    return host;
                }
            }
            catch (IOException)
            {
            }

            Thread.Sleep(10);
        }

        host.Dispose();
        throw new InvalidOperationException("unshare --ipc did not make a namespace (needs root).");
    }

    /// <summary>A ProcessStartInfo that runs the program inside this namespace.</summary>
    public ProcessStartInfo StartInfo(string program, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("nsenter")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in (string[])["-t", HolderPid.ToString(CultureInfo.InvariantCulture), "--ipc", program, .. args])
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["LC_ALL"] = "C";
        return psi;
    }

    /// <summary>Runs to completion (killed after the timeout, 5 minutes by default: only a hung program reaches it); returns exit code and output.</summary>
    public (int ExitCode, string Output, string Error) Run(string program, string[] args, TimeSpan? timeout = null)
    {
        TimeSpan bound = timeout ?? TimeSpan.FromMinutes(5);
        using Process p = Process.Start(StartInfo(program, args))!;
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(bound))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return (-1, output.Result, error.Result + $"\n(killed after {bound.TotalSeconds} s)");
        }

        p.WaitForExit();
        return (p.ExitCode, output.Result, error.Result);
    }

    public string Check(string program, params string[] args)
    {
        var (code, output, error) = Run(program, args);
        Assert.True(code == 0, $"{program} {string.Join(' ', args)} in {Name} exited with {code}: {output}{error}");
        return output;
    }

    /// <summary>Makes a queue with a random key in this host ('sysvipc mk -Q') and returns the key.</summary>
    public IpcKey MakeQueue(string mode = "0600")
    {
        var key = new IpcKey(0x3e000000 | Random.Shared.Next(1, 0x00ffffff));
        Check("dotnet", BridgeProcess.CliPath, "mk", "-Q", "--key", key.ToString(), "-p", mode);
        return key;
    }

    /// <summary>Makes a single-producer SharedMemoryChannel with a random key in this host (libsysvipc, from C) and returns the key.</summary>
    public IpcKey MakeChannel(long capacity)
    {
        var key = new IpcKey(0x3c000000 | Random.Shared.Next(1, 0x00ffffff));
        Check(NativeProgram.Build("bridge_chan"), "make", key.ToString(), capacity.ToString(CultureInfo.InvariantCulture));
        return key;
    }

    /// <summary>Writes a namespaced kernel tunable (kernel.msgmax...) of this host.</summary>
    public void SetTunable(string name, string value) => Check("sh", "-c", $"echo {value} > /proc/sys/kernel/{name}");

    public Process Start(string program, params string[] args)
    {
        Process p = Process.Start(StartInfo(program, args))!;
        lock (_started)
        {
            _started.Add(p);
        }

        return p;
    }

    public void Dispose()
    {
        lock (_started)
        {
            foreach (Process p in _started)
            {
                try
                {
                    if (!p.HasExited)
                    {
                        p.Kill(entireProcessTree: true);
                        p.WaitForExit(5000);
                    }
                }
                catch (InvalidOperationException)
                {
                }

                p.Dispose();
            }
        }

        if (_holder is null)
        {
            return;
        }

        if (!_holder.HasExited)
        {
            _holder.Kill();
            _holder.WaitForExit(5000);
        }

        _holder.Dispose();
    }
}
