using System.Diagnostics;
using System.Globalization;

namespace SysV.Ipc.Nats.Tests.Infrastructure;

/// <summary>
/// A C receiver of the test messages (Native/bridge_recv.c for a queue, 'bridge_chan recv' for a channel)
/// running in a host. It ends by itself once it has every message; otherwise the test ends it by an event,
/// never by a wall-clock budget: when no new message arrived for <see cref="NoProgressLimit"/> (a stalled
/// run), or when the test knows the rest will not come (<see cref="WaitUntil"/>), it is told to stop
/// (SIGTERM) and reports what it got, so the test compares counts. A starved machine only makes a run slow:
/// every new message resets the clock.
/// </summary>
public sealed class Receiver : IDisposable
{
    /// <summary>
    /// How long without a new distinct message a run counts as stalled. Generous on purpose: it only ends a
    /// run that failed (a loaded 2-core machine has been seen to go more than 30 s without a message).
    /// </summary>
    public static readonly TimeSpan NoProgressLimit = TimeSpan.FromMinutes(3);

    private readonly Process _process;
    private readonly Stopwatch _sinceProgress = Stopwatch.StartNew();
    private readonly List<string> _errors = [];
    private readonly TaskCompletionSource _outputDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _errorDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _report;
    private string? _stoppedBecause;
    private long _unique;

    private Receiver(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => OnOutput(e.Data);
        _process.ErrorDataReceived += (_, e) => OnError(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The count of distinct messages the receiver has said it has (its last progress line).</summary>
    public long Unique => Interlocked.Read(ref _unique);

    /// <summary>How long since the count of distinct messages last grew (or since the start).</summary>
    public TimeSpan SinceProgress
    {
        get
        {
            lock (_sinceProgress)
            {
                return _sinceProgress.Elapsed;
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>True while the receiver still waits for messages and has seen one within <see cref="NoProgressLimit"/>: what loops that act during a run (kills, restarts) go on while.</summary>
    public bool IsRunning => !_process.HasExited && SinceProgress < NoProgressLimit;

    /// <summary>What the receiver wrote on stderr (an error of its own, or the usage).</summary>
    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return string.Join('\n', _errors);
            }
        }
    }

    /// <summary>bridge_recv for the queue with this key in the host.</summary>
    public static Receiver ForQueue(IpcHost host, IpcKey key, long count) =>
        new(host.Start(NativeProgram.Build("bridge_recv"), key.ToString(), count.ToString(CultureInfo.InvariantCulture)));

    /// <summary>'bridge_chan recv' for the channel with this key in the host (it waits for the channel to appear).</summary>
    public static Receiver ForChannel(IpcHost host, IpcKey key, long count) =>
        new(host.Start(NativeProgram.Build("bridge_chan"), "recv", key.ToString(), count.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Waits until the receiver has every message or the run stalled, then returns its report (stopping it if it still runs).</summary>
    public ReceiveReport WaitForAll() => WaitUntil(() => false);

    /// <summary>
    /// Waits until the receiver exits (it has everything), <paramref name="done"/> says nothing more will come,
    /// or nothing progressed for <see cref="NoProgressLimit"/>; progress is a new distinct message, or a change
    /// of <paramref name="alsoProgress"/> (messages accounted for elsewhere, such as parked ones). Then tells
    /// the receiver to stop if it still runs and returns its report.
    /// </summary>
    public ReceiveReport WaitUntil(Func<bool> done, Func<long>? alsoProgress = null)
    {
        long seen = Unique + (alsoProgress?.Invoke() ?? 0);
        var quiet = Stopwatch.StartNew();
        while (!_process.HasExited)
        {
            if (done())
            {
                _stoppedBecause = "the test had what it waited for";
                break;
            }

            if (quiet.Elapsed >= NoProgressLimit)
            {
                _stoppedBecause = $"no progress for {NoProgressLimit.TotalMinutes:0} min";
                break;
            }

            Thread.Sleep(50);
            long now = Unique + (alsoProgress?.Invoke() ?? 0);
            if (now != seen)
            {
                seen = now;
                quiet.Restart();
            }
        }

        return Stop();
    }

    /// <summary>Tells the receiver to stop (SIGTERM) unless it already exited, and returns the report it printed.</summary>
    public ReceiveReport Stop()
    {
        if (!_process.HasExited)
        {
            _stoppedBecause ??= "told to stop";
            BridgeProcess.Shell("kill", "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture));
        }

        // Only a receiver that ignores SIGTERM (a broken build) reaches the bound.
        if (!_process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            _process.Kill();
            throw new Xunit.Sdk.XunitException($"The receiver did not stop on SIGTERM; stderr: {Errors}");
        }

        _process.WaitForExit();
        Task.WaitAll([_outputDone.Task, _errorDone.Task], TimeSpan.FromMinutes(1));
        string report = _report ?? throw new Xunit.Sdk.XunitException($"The receiver exited ({_process.ExitCode}) without its report line; stderr: {Errors}");
        return ReceiveReport.Parse(report);
    }

    /// <summary>The report line as printed, and why the receiver was stopped (if it was), for the test's output.</summary>
    public override string ToString() =>
        (_report ?? $"(no report yet; {Unique} distinct so far)")
        + (_stoppedBecause is { } why ? $" (stopped with SIGTERM: {why})" : string.Empty)
        + (Errors.Length > 0 ? " " + Errors : string.Empty);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            _outputDone.TrySetResult();
        }
        else if (line.StartsWith("progress ", StringComparison.Ordinal))
        {
            long unique = long.Parse(line.AsSpan("progress ".Length), CultureInfo.InvariantCulture);
            if (unique != Interlocked.Exchange(ref _unique, unique))
            {
                lock (_sinceProgress)
                {
                    _sinceProgress.Restart();
                }
            }
        }
        else if (line.StartsWith("received ", StringComparison.Ordinal))
        {
            _report = line;
        }
    }

    private void OnError(string? line)
    {
        if (line is null)
        {
            _errorDone.TrySetResult();
            return;
        }

        lock (_errors)
        {
            _errors.Add(line);
        }
    }
}
