using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace SysV.Ipc.Nats;

/// <summary>
/// What every bridge between a System V object on this host and NATS JetStream shares, as a hosted service:
/// its counters, a task that says when it is running, the one-bridge-per-object-and-direction lock, the
/// connection with retries, and a clean stop when the host stops it (SIGTERM under systemd).
/// </summary>
/// <remarks>
/// The bridges are <see cref="QueueBridgeOut"/>, <see cref="QueueBridgeIn"/>, <see cref="ChannelBridgeOut"/>
/// and <see cref="ChannelBridgeIn"/>; add them to a host with <c>AddHostedService</c>.
/// </remarks>
public abstract class NatsBridge : BackgroundService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly BridgeDirection _direction;

    private protected NatsBridge(BridgeDirection direction, BridgedObject target, ILogger? logger, IMeterFactory? meterFactory)
    {
        _direction = direction;
        Target = target;
        Logger = logger ?? NullLogger.Instance;
        Metrics = new BridgeMetrics(direction, target, meterFactory);
    }

    /// <summary>The bridge's counters (also published on the meter <see cref="BridgeMetrics.MeterName"/>).</summary>
    public BridgeMetrics Metrics { get; }

    /// <summary>Completes when the bridge holds its lock, is connected and has its stream (and consumer); faults if it could not start.</summary>
    public Task Ready => _ready.Task;

    private protected ILogger Logger { get; }

    private protected BridgedObject Target { get; }

    /// <inheritdoc/>
    public override void Dispose()
    {
        base.Dispose();
        Metrics.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc/>
    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Yield();
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _ready.TrySetException(e);
            if (e is OperationCanceledException && stoppingToken.IsCancellationRequested)
            {
                return;
            }

            throw;
        }
    }

    /// <summary>The bridge's work, until <paramref name="stoppingToken"/> asks it to stop.</summary>
    private protected abstract Task RunAsync(CancellationToken stoppingToken);

    private protected void SetReady() => _ready.TrySetResult();

    /// <summary>Takes this bridge's lock (refused with <see cref="BridgeAlreadyRunningException"/> when another bridge holds it).</summary>
    private protected BridgeLock AcquireLock()
    {
        BridgeLock bridgeLock = BridgeLock.Acquire(_direction, Target);
        if (bridgeLock.AbandonedBy != 0)
        {
            Log.Abandoned(Logger, bridgeLock.AbandonedBy);
        }

        return bridgeLock;
    }

    /// <summary>Connects, retrying with backoff until it works or the bridge is stopped.</summary>
    private protected Task<NatsConnection> ConnectAsync(string url, CancellationToken cancellationToken) =>
        NatsConnector.ConnectAsync(url, $"sysvipc-bridge-{(_direction == BridgeDirection.Out ? "out" : "in")} {Target}", Logger, cancellationToken);

    /// <summary>
    /// An in bridge's run once its target is open and its lock held: connects, runs the pump until stopped,
    /// then gives up the lock with its state (a clean stop) and logs the stop.
    /// </summary>
    private protected async Task PumpAsync(InboundPump pump, BridgeLock bridgeLock, string url, InboundPump.Delivery deliver, CancellationToken stoppingToken)
    {
        await using (NatsConnection connection = await ConnectAsync(url, stoppingToken).ConfigureAwait(false))
        {
            await pump.RunAsync(connection, deliver, SetReady, stoppingToken).ConfigureAwait(false);
        }

        bridgeLock.ReleaseAndRemove();
        LogStopped();
    }

    private protected void LogStopped() => Log.Stopped(Logger, _direction == BridgeDirection.Out ? "out" : "in", Metrics.Messages, Metrics.Bytes);

    private protected static T ValidatedIn<T>(T options, IpcKey key, string noun)
        where T : NatsBridgeInOptions
    {
        NatsSubject.ValidateFilterSubject(options.Subject.Replace(NatsSubject.TypePlaceholder, "*", StringComparison.Ordinal));
        if (key.IsPrivate)
        {
            throw new ArgumentException($"The in bridge needs the {noun}'s key; IPC_PRIVATE (0) names no {noun} another process can find.", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize, nameof(options.BatchSize));
        return options;
    }

    private protected static T ValidatedOut<T>(T options, IpcKey key, string noun)
        where T : NatsBridgeOutOptions
    {
        NatsSubject.ValidatePublishSubject(options.Subject);
        if (key.IsPrivate)
        {
            throw new ArgumentException($"The out bridge needs the {noun}'s key; IPC_PRIVATE (0) names no {noun} another process can find.", nameof(options));
        }

        if (options.Stream is { } stream)
        {
            ValidateName(stream, "JetStream stream", nameof(options));
        }

        return options;
    }

    /// <summary>A JetStream stream or consumer name: letters, digits, '-' and '_'.</summary>
    internal static void ValidateName(string name, string what, string parameter)
    {
        if (name.Length == 0 || name.AsSpan().IndexOfAny(" \t\r\n.*>/\\") >= 0)
        {
            throw new ArgumentException($"'{name}' is not a valid {what} name: use letters, digits, '-' and '_' (no spaces, dots, '*', '>' or slashes).", parameter);
        }
    }
}
