using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace SysV.Ipc.NatsBench;

/// <summary>
/// Runs the comparison: one nats-server (JetStream, file store in a temporary directory, 127.0.0.1, a free
/// port); per size and repeat, alternately, the direct path (a NATS.Net publisher process and a consumer
/// process) and the bridge path (msgsnd in namespace A, 'sysvipc bridge out' in A, 'sysvipc bridge in' in
/// B, msgrcv in B), each once flat out (throughput) and once paced (latency). Prints a Markdown table.
/// </summary>
internal static class Harness
{
    public static async Task<int> RunAsync(HarnessOptions options)
    {
        string server = new[] { "/usr/sbin/nats-server", "/usr/bin/nats-server" }.FirstOrDefault(File.Exists)
            ?? throw new UsageException("nats-server is not installed (bash eng/install-prerequisites.sh installs Debian's package)");
        if (Environment.UserName != "root")
        {
            throw new UsageException("needs root: the two hosts are private IPC namespaces (unshare --ipc, nsenter)");
        }

        Console.WriteLine($"machine: nproc {Environment.ProcessorCount}, load {File.ReadAllText("/proc/loadavg").Trim()}, {Run(server, "--version").Trim()}, NATS.Net {typeof(NatsConnection).Assembly.GetName().Version}");
        Console.WriteLine($"count {options.Count} (throughput), {options.LatencyCount} paced {options.LatencyIntervalMicroseconds} us apart (latency), repeats {options.Repeats}; kernel.msgmnb 1 MiB in both namespaces; nothing pinned (2 cores for 6 processes would not give each its own)");
        string store = Directory.CreateTempSubdirectory("sysvipc-natsbench-").FullName;
        int port = FreePort();
        using Process nats = Start(server, ["-js", "-sd", store, "-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture)]);
        string url = $"nats://127.0.0.1:{port}";
        try
        {
            // Nothing is timed before JetStream answers (a loaded machine can take seconds after the port opens).
            await using NatsConnection control = await BenchNats.ConnectAsync(url, "bench-harness");
            var js = new NatsJSContext(control);
            Console.WriteLine("| repeat | path | size | msgs/s | p50 us | p99 us | out of order |");
            Console.WriteLine("|---|---|---|---|---|---|---|");
            var rows = new List<(string Path, int Size, Measurement Throughput, Measurement Latency)>();
            int run = 0;
            foreach (int size in options.Sizes)
            {
                for (int repeat = 0; repeat < options.Repeats; repeat++)
                {
                    bool directFirst = repeat % 2 == 0;
                    for (int k = 0; k < 2; k++)
                    {
                        bool direct = (k == 0) == directFirst;
                        run++;
                        Measurement throughput = direct ? await DirectAsync(js, url, run, size, options.Count, 0) : Bridge(js, url, run, size, options.Count, 0);
                        run++;
                        Measurement latency = direct ? await DirectAsync(js, url, run, size, options.LatencyCount, options.LatencyIntervalMicroseconds) : Bridge(js, url, run, size, options.LatencyCount, options.LatencyIntervalMicroseconds);
                        rows.Add((direct ? "direct" : "bridge", size, throughput, latency));
                        Console.WriteLine(FormattableString.Invariant($"| {repeat + 1} | {(direct ? "direct NATS.Net" : "bridge queue->queue")} | {size} | {throughput.Rate:0} | {latency.P50Microseconds:0} | {latency.P99Microseconds:0} | {throughput.OutOfOrder + latency.OutOfOrder} |"));
                    }
                }
            }

            Console.WriteLine();
            Console.WriteLine("| size | path | msgs/s median (min-max) | p50 us median | p99 us median | bridge/direct rate |");
            Console.WriteLine("|---|---|---|---|---|---|");
            foreach (int size in options.Sizes)
            {
                double directRate = Median(rows.Where(r => r.Size == size && r.Path == "direct").Select(r => r.Throughput.Rate));
                foreach (string path in new[] { "direct", "bridge" })
                {
                    var mine = rows.Where(r => r.Size == size && r.Path == path).ToList();
                    double rate = Median(mine.Select(r => r.Throughput.Rate));
                    Console.WriteLine(FormattableString.Invariant($"| {size} B | {(path == "direct" ? "direct NATS.Net" : "bridge queue->queue")} | {rate:0} ({mine.Min(r => r.Throughput.Rate):0}-{mine.Max(r => r.Throughput.Rate):0}) | {Median(mine.Select(r => r.Latency.P50Microseconds)):0} | {Median(mine.Select(r => r.Latency.P99Microseconds)):0} | {(path == "bridge" ? (rate / directRate).ToString("0.00x", CultureInfo.InvariantCulture) : "")} |"));
                }
            }

            Console.WriteLine($"load after: {File.ReadAllText("/proc/loadavg").Trim()}");
            Console.WriteLine("last column of the per-run rows: messages received out of order (the direct publisher's retries may reorder; the bridge must not)");

            // Order is the bridge's guarantee (its chained batches); a plain pipelined publisher does not keep it.
            return rows.Any(r => r.Path == "bridge" && r.Throughput.OutOfOrder + r.Latency.OutOfOrder > 0) ? 1 : 0;
        }
        finally
        {
            nats.Kill();
            nats.WaitForExit();
            Directory.Delete(store, recursive: true);
        }
    }

    private static async Task<Measurement> DirectAsync(NatsJSContext js, string url, int run, int size, int count, int interval)
    {
        string stream = "DIRECT" + run.ToString(CultureInfo.InvariantCulture);
        string subject = "direct" + run.ToString(CultureInfo.InvariantCulture) + ".1";
        await BenchNats.CreateStreamAsync(js, stream, subject);
        try
        {
            using Process consumer = Start("dotnet", [Self, "consume", url, stream, subject, Text(count)]);
            Task<string> consumed = consumer.StandardOutput.ReadToEndAsync();
            using Process publisher = Start("dotnet", [Self, "publish", url, subject, Text(count), Text(size), Text(interval)]);
            Task<string> published = publisher.StandardOutput.ReadToEndAsync();
            await WaitAsync(publisher, "publisher");
            await WaitAsync(consumer, "consumer");
            return Measurement.ParseLine(await consumed);
        }
        finally
        {
            await BenchNats.DeleteStreamAsync(js, stream);
        }
    }

    private static Measurement Bridge(NatsJSContext js, string url, int run, int size, int count, int interval)
    {
        string stream = "BRIDGE" + run.ToString(CultureInfo.InvariantCulture);
        string subject = "bridge" + run.ToString(CultureInfo.InvariantCulture);
        var key = new IpcKey(0x4e000000 | run);
        using var a = Namespace.Create();
        using var b = Namespace.Create();
        foreach (Namespace host in new[] { a, b })
        {
            host.Check("sh", "-c", "echo 1048576 > /proc/sys/kernel/msgmnb");
        }

        a.Check("dotnet", Cli, "mk", "-Q", "--key", key.ToString(), "-p", "0600");
        using Process bridgeOut = a.Start("dotnet", Cli, "bridge", "out", "--queue", key.ToString(), "--subject", subject + ".{type}", "--stream", stream, "--nats", url, "--host-id", "benchA");
        using Process bridgeIn = b.Start("dotnet", Cli, "bridge", "in", "--subject", subject + ".*", "--queue", key.ToString(), "--create", "--nats", url, "--host-id", "benchB");
        try
        {
            WaitForLine(bridgeOut, "Bridge out started");
            WaitForLine(bridgeIn, "Bridge in started");
            using Process receiver = b.Start("dotnet", Self, "receive", Hex(key), Text(count));
            Task<string> received = receiver.StandardOutput.ReadToEndAsync();
            using Process sender = a.Start("dotnet", Self, "send", Hex(key), Text(count), Text(size), Text(interval));
            WaitAsync(sender, "sender").GetAwaiter().GetResult();
            WaitAsync(receiver, "receiver").GetAwaiter().GetResult();
            return Measurement.ParseLine(received.Result);
        }
        finally
        {
            foreach (Process p in new[] { bridgeOut, bridgeIn })
            {
                if (!p.HasExited)
                {
                    p.Kill();
                    p.WaitForExit();
                }
            }

            BenchNats.DeleteStreamAsync(js, stream).GetAwaiter().GetResult();
        }
    }

    private static string Self => Path.Combine(AppContext.BaseDirectory, "SysV.Ipc.NatsBench.dll");

    private static string Cli
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "SysVIpc.slnx")))
            {
                directory = directory.Parent;
            }

            string configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            string path = Path.Combine(directory?.FullName ?? throw new UsageException("run from the repository (the sysvipc tool is found beside it)"), "src", "SysV.Ipc.Cli", "bin", configuration, "net10.0", "sysvipc.dll");
            return File.Exists(path) ? path : throw new UsageException($"build src/SysV.Ipc.Cli first ({path} is missing)");
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Hex(IpcKey key) => ((uint)key.Value).ToString("x8", CultureInfo.InvariantCulture);

    private static double Median(IEnumerable<double> values)
    {
        double[] v = [.. values.Order()];
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }

    private static async Task WaitAsync(Process p, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await p.WaitForExitAsync(timeout.Token);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"the {what} exited with {p.ExitCode}: {await p.StandardError.ReadToEndAsync()}");
        }
    }

    internal static Process Start(string program, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        return Process.Start(psi)!;
    }

    internal static string Run(string program, params string[] args)
    {
        using Process p = Start(program, args);
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? output : throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited with {p.ExitCode}: {output}");
    }

    private static void WaitForLine(Process p, string text)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(5)) // only bounds a bridge that never starts; a loaded machine takes seconds
        {
            string? line = p.StandardError.ReadLine();
            if (line is null)
            {
                throw new InvalidOperationException($"the bridge exited ({(p.WaitForExit(1000) ? p.ExitCode : -1)}) before '{text}'");
            }

            if (line.Contains(text, StringComparison.Ordinal))
            {
                // Keep draining its log so it never blocks on a full pipe.
                _ = p.StandardError.ReadToEndAsync();
                _ = p.StandardOutput.ReadToEndAsync();
                return;
            }
        }

        throw new TimeoutException($"the bridge did not log '{text}'");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A private IPC namespace held by a sleeping process; programs run in it through nsenter.</summary>
internal sealed class Namespace : IDisposable
{
    private readonly Process _holder;

    private Namespace(Process holder) => _holder = holder;

    public static Namespace Create()
    {
        Process holder = Harness.Start("unshare", ["--ipc", "sleep", "infinity"]);
        string mine = File.ResolveLinkTarget("/proc/self/ns/ipc", false)?.ToString() ?? string.Empty;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                string theirs = File.ResolveLinkTarget($"/proc/{holder.Id}/ns/ipc", false)?.ToString() ?? string.Empty;
                if (File.ReadAllText($"/proc/{holder.Id}/comm").Trim() == "sleep" && theirs.Length > 0 && theirs != mine)
                {
                    return new Namespace(holder);
                }
            }
            catch (IOException)
            {
            }

            Thread.Sleep(10);
        }

        holder.Kill();
        throw new InvalidOperationException("unshare --ipc did not make a namespace");
    }

    public Process Start(string program, params string[] args) =>
        Harness.Start("nsenter", ["-t", _holder.Id.ToString(CultureInfo.InvariantCulture), "--ipc", program, .. args]);

    public void Check(string program, params string[] args) =>
        Harness.Run("nsenter", ["-t", _holder.Id.ToString(CultureInfo.InvariantCulture), "--ipc", program, .. args]);

    public void Dispose()
    {
        if (!_holder.HasExited)
        {
            _holder.Kill();
            _holder.WaitForExit();
        }

        _holder.Dispose();
    }
}
