using System.Diagnostics;
using System.Globalization;
using SysV.Ipc.ChannelBench;

namespace SysV.Ipc.PingPong;

/// <summary>
/// Runs the four measurements (message queue and semaphores, library and C) in interleaved rounds, so a
/// busy moment of the machine hits all four alike, and prints per-round results, medians and ratios.
/// Every kernel object is IPC_PRIVATE and removed, also on failure.
/// </summary>
internal sealed class Harness(HarnessOptions options, TextWriter output)
{
    private static readonly string[] s_cases = ["msg-c", "msg-lib", "sem-c", "sem-lib", "local-c", "local-lib"];
    private readonly List<double> _userC = [];
    private readonly List<double> _userLibrary = [];
    private readonly List<double> _systemC = [];
    private readonly List<double> _systemLibrary = [];

    internal int Run()
    {
        string work = Directory.CreateTempSubdirectory("sysvipc-pingpong-").FullName;
        try
        {
            string msgC = CompileC("msg_pingpong", work);
            string semC = CompileC("sem_pingpong", work);
            string localC = CompileC("msg_local", work);
            var results = s_cases.ToDictionary(c => c, _ => new List<double>());
            output.WriteLine($"Ping-pong between two processes: {options.Iterations} round trips per measurement after {options.Warmup} untimed, {options.Rounds} interleaved rounds, {PingPongTypes.BodySize}-byte messages.");
            output.WriteLine(MachineDescription());
            output.WriteLine(options.Pinned is { } pair
                ? $"Pinned: this process (the library's side and the C parents) on CPU {pair.Own}, every partner on CPU {pair.Peer}. Load average before: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}."
                : $"Not pinned. Load average before: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}.");
            output.WriteLine();
            output.WriteLine("| round | msg C (ns) | msg library (ns) | sem C (ns) | sem library (ns) | 1-process msg C (ns) | 1-process msg library (ns) |");
            output.WriteLine("|---|---|---|---|---|---|---|");
            for (int round = 0; round < options.Rounds; round++)
            {
                // Rotate the order too, so no case always runs right after another.
                for (int k = 0; k < s_cases.Length; k++)
                {
                    string name = s_cases[(k + round) % s_cases.Length];
                    if (options.Only is { } only && !name.StartsWith(only, StringComparison.Ordinal))
                    {
                        results[name].Add(double.NaN);
                        continue;
                    }

                    double ns = name switch
                    {
                        "msg-c" => RunC(msgC),
                        "sem-c" => RunC(semC),
                        "local-c" => RunC(localC, _userC, _systemC),
                        "local-lib" => OneProcessSendReceive(),
                        "msg-lib" => MessageQueuePingPong(),
                        _ => SemaphorePingPong(),
                    };
                    results[name].Add(ns);
                }

                output.WriteLine(FormattableString.Invariant(
                    $"| {round + 1} | {results["msg-c"][round]:F0} | {results["msg-lib"][round]:F0} | {results["sem-c"][round]:F0} | {results["sem-lib"][round]:F0} | {results["local-c"][round]:F0} | {results["local-lib"][round]:F0} |"));
            }

            output.WriteLine();
            output.WriteLine("| measurement | C median (ns) | library median (ns) | library / C |");
            output.WriteLine("|---|---|---|---|");
            WriteSummary("message queue ping-pong, 64 B (round trip, 2 processes)", results["msg-c"], results["msg-lib"]);
            WriteSummary("semaphore ping-pong (round trip, 2 processes)", results["sem-c"], results["sem-lib"]);
            WriteSummary("msgsnd + msgrcv, 64 B, one process (no wake-up)", results["local-c"], results["local-lib"]);
            if (_userC.Count > 0)
            {
                WriteSummary("user-mode CPU of that pair (getrusage)", _userC, _userLibrary);
                WriteSummary("kernel-mode CPU of that pair (getrusage)", _systemC, _systemLibrary);
            }
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private void WriteSummary(string name, List<double> c, List<double> library)
    {
        if (double.IsNaN(c[0]))
        {
            return;
        }

        double cMedian = Median(c), libraryMedian = Median(library);
        output.WriteLine(FormattableString.Invariant($"| {name} | {cMedian:F0} | {libraryMedian:F0} | {libraryMedian / cMedian:F3} |"));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>The library's message-queue ping-pong: this process pings (type 1), a child process pongs (type 2).</summary>
    private double MessageQueuePingPong()
    {
        using var queue = MessageQueue.Create(IpcKey.Private);
        queue.RemoveOnDispose = true;
        long total = options.Warmup + options.Iterations;
        using Process child = StartPonger("msg", queue.Id, total);
        try
        {
            MessageSelector pong = MessageSelector.OfType(PingPongTypes.Pong);
            Span<byte> body = stackalloc byte[PingPongTypes.BodySize];
            body.Clear();
            long start = 0;
            for (long i = 0; i < total; i++)
            {
                if (i == options.Warmup)
                {
                    start = Stopwatch.GetTimestamp();
                }

                BitConverter.TryWriteBytes(body, i);
                queue.Send(PingPongTypes.Ping, body);
                int length = queue.Receive(body, out _, pong);
                if (length != PingPongTypes.BodySize || BitConverter.ToInt64(body) != i)
                {
                    throw new InvalidOperationException($"Out of step at round trip {i}: got {length} bytes carrying {BitConverter.ToInt64(body)}.");
                }
            }

            double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds / options.Iterations;
            WaitForPonger(child);
            return ns;
        }
        finally
        {
            StopPonger(child);
        }
    }

    /// <summary>Send and receive in this process only: no wake-up, no context switch, so what remains is the cost of the two calls.</summary>
    private double OneProcessSendReceive()
    {
        using var queue = MessageQueue.Create(IpcKey.Private);
        queue.RemoveOnDispose = true;
        MessageSelector ping = MessageSelector.OfType(PingPongTypes.Ping);
        Span<byte> body = stackalloc byte[PingPongTypes.BodySize];
        body.Clear();
        long total = options.Warmup + options.Iterations;
        long start = 0;
        (long User, long System) cpuStart = default;
        for (long i = 0; i < total; i++)
        {
            if (i == options.Warmup)
            {
                start = Stopwatch.GetTimestamp();
                cpuStart = ThreadCpuTime.Nanoseconds();
            }

            BitConverter.TryWriteBytes(body, i);
            queue.Send(PingPongTypes.Ping, body);
            int length = queue.Receive(body, out _, ping);
            if (length != PingPongTypes.BodySize || BitConverter.ToInt64(body) != i)
            {
                throw new InvalidOperationException($"Out of step at message {i}.");
            }
        }

        double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds / options.Iterations;
        (long User, long System) cpuEnd = ThreadCpuTime.Nanoseconds();
        _userLibrary.Add((double)(cpuEnd.User - cpuStart.User) / options.Iterations);
        _systemLibrary.Add((double)(cpuEnd.System - cpuStart.System) / options.Iterations);
        return ns;
    }

    /// <summary>The library's semaphore ping-pong: release 0 and wait on 1 here, the reverse in a child process.</summary>
    private double SemaphorePingPong()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 2, [0, 0], options: new SemaphoreSetCreateOptions { RemoveOnDispose = true });
        long total = options.Warmup + options.Iterations;
        using Process child = StartPonger("sem", set.Id, total);
        try
        {
            long start = 0;
            for (long i = 0; i < total; i++)
            {
                if (i == options.Warmup)
                {
                    start = Stopwatch.GetTimestamp();
                }

                set.Release(0);
                set.Wait(1);
            }

            double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds / options.Iterations;
            WaitForPonger(child);
            return ns;
        }
        finally
        {
            StopPonger(child);
        }
    }

    private static Process StartPonger(string kind, int id, long count)
    {
        // Started the way this process was: through "dotnet exec" or through the apphost.
        // On the partner's CPU when pinned (taskset, so the runtime's own threads are there from the start).
        string self = Environment.ProcessPath!;
        string[] prefix = Path.GetFileNameWithoutExtension(self) == "dotnet" ? ["exec", typeof(Harness).Assembly.Location] : [];
        ProcessStartInfo psi = CpuPinning.ForPartner(self, [.. prefix, Ponger.Flag, kind, id.ToString(CultureInfo.InvariantCulture), count.ToString(CultureInfo.InvariantCulture)]);
        psi.UseShellExecute = false;

        return Process.Start(psi) ?? throw new InvalidOperationException("Could not start the ponger process.");
    }

    private static void WaitForPonger(Process child)
    {
        if (!child.WaitForExit(TimeSpan.FromSeconds(30)) || child.ExitCode != 0)
        {
            throw new InvalidOperationException($"The ponger process failed (exit code {(child.HasExited ? child.ExitCode : -1)}).");
        }
    }

    private static void StopPonger(Process child)
    {
        if (!child.HasExited)
        {
            child.Kill();
            child.WaitForExit();
        }
    }

    private double RunC(string program, List<double>? userTimes = null, List<double>? systemTimes = null)
    {
        var psi = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true };
        psi.ArgumentList.Add(options.Iterations.ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add(options.Warmup.ToString(CultureInfo.InvariantCulture));
        using Process process = Process.Start(psi)!;
        string text = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill();
            throw new TimeoutException($"{program} did not finish.");
        }

        string[] numbers = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (process.ExitCode != 0 || numbers.Length == 0 || !double.TryParse(numbers[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double ns))
        {
            throw new InvalidOperationException($"{program} failed with exit code {process.ExitCode}: {text}");
        }

        if (userTimes is not null && systemTimes is not null && numbers.Length > 2)
        {
            userTimes.Add(double.Parse(numbers[1], NumberStyles.Float, CultureInfo.InvariantCulture));
            systemTimes.Add(double.Parse(numbers[2], NumberStyles.Float, CultureInfo.InvariantCulture));
        }

        return ns;
    }

    private static string CompileC(string name, string work)
    {
        string source = Path.Combine(AppContext.BaseDirectory, "c", name + ".c");
        string binary = Path.Combine(work, name);
        var psi = new ProcessStartInfo("gcc") { UseShellExecute = false, RedirectStandardError = true };
        foreach (string arg in new[] { "-O2", "-Wall", "-Werror", "-o", binary, source })
        {
            psi.ArgumentList.Add(arg);
        }

        using Process gcc = Process.Start(psi) ?? throw new InvalidOperationException("gcc is needed for the C baselines.");
        string errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        return gcc.ExitCode == 0 ? binary : throw new InvalidOperationException($"gcc failed on {source}:\n{errors}");
    }

    private static string MachineDescription()
    {
        string cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        string kernel = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        return $"Machine: {Environment.ProcessorCount} CPUs (nproc), {cpu}, Linux {kernel}, .NET {Environment.Version}.";
    }
}
