using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using SysV.Ipc.Nats;

namespace SysV.Ipc.NatsBench;

/// <summary>
/// How every process of the benchmark reaches nats-server: through the bridges' own connector (retries with
/// backoff, a 5 s connect timeout per attempt; NATS.Net's default is one attempt of 2 s, which a loaded
/// machine misses), then waiting until JetStream answers its stream API, so nothing is timed before the
/// server can store a message. JetStream requests that time out are retried. Each wait is bounded by
/// minutes: the bound only ends a run whose server is gone, it costs nothing when things work.
/// </summary>
internal static class BenchNats
{
    private static readonly TimeSpan s_bound = TimeSpan.FromMinutes(5);

    /// <summary>A connection on which JetStream answers; fails after <see cref="s_bound"/> saying what it waited for.</summary>
    public static async Task<NatsConnection> ConnectAsync(string url, string name)
    {
        using var bound = new CancellationTokenSource(s_bound);
        NatsConnection? connection = null;
        try
        {
            connection = await NatsConnector.ConnectAsync(url, name, StderrLogger.Instance, bound.Token);
            var js = new NatsJSContext(connection);
            await RetryAsync($"JetStream at {url} (listing streams)", async token =>
            {
                await foreach (string _ in js.ListStreamNamesAsync(cancellationToken: token))
                {
                }
            }, bound.Token);
            return connection;
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            throw new TimeoutException($"{name}: nats-server at {url} did not answer with JetStream within {s_bound.TotalMinutes} minutes (see the warnings above)");
        }
    }

    /// <summary>Creates a file-store stream (2 min duplicate window), retrying timeouts; a retry finding it created (same config) succeeds.</summary>
    public static Task CreateStreamAsync(NatsJSContext js, string stream, string subject) =>
        BoundedAsync($"creating stream {stream}", token => js.CreateStreamAsync(new StreamConfig(stream, [subject]) { Storage = StreamConfigStorage.File, DuplicateWindow = TimeSpan.FromMinutes(2) }, token).AsTask());

    /// <summary>Deletes a stream, retrying timeouts; one already gone (a retry after a delete that did happen) is fine.</summary>
    public static Task DeleteStreamAsync(NatsJSContext js, string stream) =>
        BoundedAsync($"deleting stream {stream}", async token =>
        {
            try
            {
                await js.DeleteStreamAsync(stream, token);
            }
            catch (NatsJSApiException e) when (e.Error.ErrCode == 10059)
            {
                // stream not found: deleted by an attempt whose answer was lost
            }
        });

    /// <summary>A JetStream request retried on timeouts (see <see cref="RetryAsync"/>) for up to <see cref="s_bound"/>.</summary>
    public static async Task BoundedAsync(string what, Func<CancellationToken, Task> action)
    {
        using var bound = new CancellationTokenSource(s_bound);
        try
        {
            await RetryAsync(what, action, bound.Token);
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            throw new TimeoutException($"{what}: JetStream did not answer within {s_bound.TotalMinutes} minutes (see the warnings above)");
        }
    }

    /// <summary>Runs the action until it completes; a timeout, no responders or a JetStream 503 is retried after a short pause.</summary>
    private static async Task RetryAsync(string what, Func<CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await action(cancellationToken);
                return;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is TimeoutException or OperationCanceledException or NatsJSApiException { Error.Code: 503 } or NatsException and not NatsJSApiException)
            {
                Console.Error.WriteLine($"{what}: {e.GetBaseException().Message}; trying again in 0.5 s");
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
        }
    }

    /// <summary>The connector's warnings (an unreachable server, with what to check) on stderr, which the harness and the smoke test show on failure.</summary>
    private sealed class StderrLogger : ILogger
    {
        public static readonly StderrLogger Instance = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {logLevel}: {formatter(state, exception)}");
            }
        }
    }
}
