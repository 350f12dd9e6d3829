namespace SysV.Ipc.Nats;

/// <summary>Finds (in) or finds-or-creates (out) the JetStream stream that stores a bridge's subject, retrying while JetStream is not there yet.</summary>
internal static class StreamBinding
{
    /// <summary>The stream storing the out bridge's subject; created from the options when there is none and a name is given.</summary>
    public static async Task<string> EnsureAsync(NatsJSContext js, NatsBridgeOutOptions options, string probeSubject, ILogger logger, CancellationToken cancellationToken)
    {
        string filter = NatsSubject.Filter(options.Subject);
        var backoff = new Backoff(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                await foreach (string name in js.ListStreamNamesAsync(probeSubject, cancellationToken).ConfigureAwait(false))
                {
                    return name;
                }

                if (options.Stream is not { } stream)
                {
                    throw new InvalidOperationException($"No JetStream stream stores subject '{probeSubject}': create one (nats stream add), or give the bridge a stream name (--stream NAME) and it creates one for '{filter}'.");
                }

                var config = new StreamConfig(stream, [filter])
                {
                    NumReplicas = options.StreamReplicas,
                    DuplicateWindow = options.DuplicateWindow,
                    Storage = StreamConfigStorage.File,
                };
                try
                {
                    await js.CreateStreamAsync(config, cancellationToken).ConfigureAwait(false);
                    Log.StreamCreated(logger, stream, filter, options.StreamReplicas, options.DuplicateWindow);
                }
                catch (NatsJSApiException e) when (e.Error.ErrCode == 10058)
                {
                    // Created meanwhile (another host's bridge): use it, but it must store our subject.
                    StreamConfig existing = (await js.GetStreamAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false)).Info.Config;
                    throw new InvalidOperationException($"Stream {stream} exists but does not store subject '{probeSubject}' (its subjects: {string.Join(", ", existing.Subjects ?? [])}): add '{filter}' to it, or choose another stream name.");
                }

                return stream;
            }
            catch (NatsJSApiException e) when (e.Error.Code == 503)
            {
                TimeSpan delay = backoff.Next();
                Log.PublishFailed(logger, "JetStream is not available yet: " + e.Error.Description, 0, delay.TotalSeconds);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (NatsException e) when (e is not NatsJSApiException)
            {
                TimeSpan delay = backoff.Next();
                Log.PublishFailed(logger, e.GetBaseException().Message, 0, delay.TotalSeconds);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The stream storing the in bridge's subject filter. Until there is one (the out bridge that creates it
    /// may start later, or at the same time in one host), the bridge waits, saying so, with backoff.
    /// </summary>
    public static async Task<string> FindAsync(NatsJSContext js, string subject, ILogger logger, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                await foreach (string name in js.ListStreamNamesAsync(subject, cancellationToken).ConfigureAwait(false))
                {
                    return name;
                }

                TimeSpan delay = backoff.Next();
                Log.NoStream(logger, subject, delay.TotalSeconds);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (NatsException e) when (e is not NatsJSApiException { Error.Code: not 503 })
            {
                TimeSpan delay = backoff.Next();
                Log.PullFailed(logger, e.GetBaseException().Message, 0, delay.TotalSeconds);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
