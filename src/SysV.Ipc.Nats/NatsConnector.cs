namespace SysV.Ipc.Nats;

/// <summary>
/// Connects to NATS with retries: an unreachable server is logged once per attempt with what to check, and
/// retried after a delay that doubles from 0.5 s to 30 s (with jitter), never in a busy loop. Once
/// connected, NATS.Net reconnects by itself, forever, and the bridges retry what a disconnection failed.
/// </summary>
internal static class NatsConnector
{
    public static async Task<NatsConnection> ConnectAsync(string url, string name, ILogger logger, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));
        while (true)
        {
            var connection = new NatsConnection(new NatsOpts
            {
                Url = url,
                Name = name,
                MaxReconnectRetry = -1,
                ReconnectWaitMin = TimeSpan.FromMilliseconds(200),
                ReconnectWaitMax = TimeSpan.FromSeconds(5),
                ConnectTimeout = TimeSpan.FromSeconds(5),
                RequestTimeout = TimeSpan.FromSeconds(5),
            });
            try
            {
                await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
                Log.Connected(logger, url, connection.ServerInfo?.Version ?? "?");
                return connection;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                TimeSpan delay = backoff.Next();
                Log.Unreachable(logger, url, e.GetBaseException().Message, delay.TotalSeconds);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

/// <summary>Exponential backoff with jitter between a floor and a ceiling.</summary>
internal struct Backoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private TimeSpan _next;

    public Backoff(TimeSpan initial, TimeSpan max)
    {
        _initial = initial;
        _max = max;
        _next = initial;
    }

    public TimeSpan Next()
    {
        TimeSpan current = _next;
        _next = TimeSpan.FromTicks(Math.Min(_max.Ticks, _next.Ticks * 2));
        double jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
        return TimeSpan.FromTicks((long)(current.Ticks * jitter));
    }

    public void Reset() => _next = _initial;
}
