using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SysV.Ipc.Nats.Tests.Infrastructure;

/// <summary>
/// A real nats-server with JetStream, on 127.0.0.1 only, at a free port, with its store in a temporary
/// directory: started, waited for until it accepts clients, and killed and removed on dispose (also when
/// the test failed). Restart keeps port and store, like a server that was restarted by its operator.
/// </summary>
public sealed class NatsServer : IDisposable
{
    private readonly string _storeDirectory;
    private readonly string[] _extraArguments;
    private readonly bool _ownsDirectory;
    private Process? _process;
    private readonly List<string> _log = [];
    private int _launchIndex;

    private NatsServer(int port, string storeDirectory, string[] extraArguments, bool ownsDirectory)
    {
        Port = port;
        _storeDirectory = storeDirectory;
        _extraArguments = extraArguments;
        _ownsDirectory = ownsDirectory;
    }

    public int Port { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    public static string? Program => new[] { "/usr/sbin/nats-server", "/usr/bin/nats-server" }.FirstOrDefault(File.Exists);

    public static bool IsInstalled => Program is not null;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return string.Join('\n', _log);
            }
        }
    }

    /// <summary>Starts a server (JetStream on, store in a new temporary directory) and waits until it is ready.</summary>
    public static NatsServer Start(string[]? extraArguments = null, int? port = null, string? storeDirectory = null)
    {
        string directory = storeDirectory ?? Directory.CreateTempSubdirectory("sysvipc-nats-").FullName;
        var server = new NatsServer(port ?? FreePort(), directory, extraArguments ?? [], storeDirectory is null);
        try
        {
            server.Launch(waitReady: true);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>Starts without waiting (cluster members wait for each other).</summary>
    public static NatsServer StartNoWait(string[] extraArguments, int port, string storeDirectory)
    {
        var server = new NatsServer(port, storeDirectory, extraArguments, ownsDirectory: true);
        server.Launch(waitReady: false);
        return server;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void WaitReady(TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < (timeout ?? TimeSpan.FromMinutes(3))) // only bounds a server that never starts
        {
            if (ReadySinceLaunch() && Accepts())
            {
                return;
            }

            if (_process is { HasExited: true })
            {
                throw new InvalidOperationException($"nats-server exited with {_process.ExitCode}:\n{Log}");
            }

            Thread.Sleep(50);
        }

        throw new TimeoutException($"nats-server on port {Port} was not ready in time:\n{Log}");
    }

    /// <summary>Kills the server (SIGKILL: no goodbye to clients) and starts it again on the same port and store.</summary>
    public void Restart(TimeSpan downtime)
    {
        Kill();
        Thread.Sleep(downtime);
        Launch(waitReady: true);
    }

    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            p.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Kill();
        if (_ownsDirectory)
        {
            try
            {
                Directory.Delete(_storeDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private void Launch(bool waitReady)
    {
        var psi = new ProcessStartInfo(Program ?? throw new InvalidOperationException("nats-server is not installed (eng/install-prerequisites.sh installs it)."))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["-js", "-sd", _storeDirectory, "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. _extraArguments])
        {
            psi.ArgumentList.Add(arg);
        }

        lock (_log)
        {
            _log.Add("---- start");
            _launchIndex = _log.Count;
        }

        _process = Process.Start(psi)!;
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        if (waitReady)
        {
            WaitReady();
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.Add(line);
            }
        }
    }

    private bool ReadySinceLaunch()
    {
        lock (_log)
        {
            return _log.Skip(_launchIndex).Any(l => l.Contains("Server is ready", StringComparison.Ordinal));
        }
    }

    private bool Accepts()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
