using System.Runtime.InteropServices;

namespace SysV.Ipc.Samples.Tutorial;

/// <summary>
/// The channel variant of the tutorial's server (docs/tutorial-sample.md, "The channel variant"): the same
/// requests and replies as <see cref="TutorialServer"/>, carried by shared-memory channels instead of one
/// shared area and five semaphores. Clients (samples/c/channel_client.c, through libsysvipc) write
/// <see cref="ChannelRequest"/>s into one multi-producer request channel; each reply goes into the
/// requesting client's own reply channel. No system call per exchange in steady state.
/// </summary>
public static class TutorialChannelServer
{
    /// <summary>The request channel's ring: 64 KiB, room for 200 requests waiting.</summary>
    public const long RequestCapacity = 64 << 10;

    /// <summary>The largest request message the channel takes (a request is <see cref="ChannelRequest.Size"/> bytes; the rest is refused with a note).</summary>
    public const int MaxRequest = 1024;

    /// <summary>Reply channels kept open at once; the least recent is closed beyond this.</summary>
    public const int MaxReplyChannels = 64;

    /// <summary>How long the server waits for room in a client's reply channel before giving that client up.</summary>
    public static TimeSpan ReplyTimeout { get; } = TimeSpan.FromSeconds(2);

    /// <summary>Runs the server from command-line arguments (<c>PATH [--proj N]</c>).</summary>
    /// <param name="args">The arguments after the role word.</param>
    /// <param name="output">Where the transcript goes.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="cancellationToken">Stops the server (Ctrl+C); it still removes its channel.</param>
    /// <returns>0 after a clean shutdown, 1 on failure, 2 when the key is taken (an earlier run's leftovers).</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (TutorialArguments.TryParse(args, error) is not { } arguments)
        {
            return 1;
        }

        IpcKey key;
        try
        {
            key = TutorialProtocol.KeyFor(arguments.Path, arguments.ProjectId);
        }
        catch (IOException e)
        {
            error.WriteLine(e.Message);
            return 1;
        }

        SharedMemoryChannel channel;
        try
        {
            channel = SharedMemoryChannel.Create(key, RequestCapacity, new SharedMemoryChannelOptions { Mode = ChannelMode.MultiProducer, MaxMessageSize = MaxRequest });
        }
        catch (IpcObjectExistsException)
        {
            error.WriteLine($"*** allocate failed ***: a segment with key {key} already exists: perhaps an earlier run did not release it (or a server is running). " +
                $"List it with 'ipcs -m' (or 'sysvipc ls') and remove it, if it is yours, with 'ipcrm -M {key}' (or 'sysvipc rm -M {key}').");
            return 2;
        }
        catch (IpcException e)
        {
            error.WriteLine($"C# channel server: {e.Message}");
            return 1;
        }

        try
        {
            using var replies = new ReplyChannels(channel.Id, output);
            return Serve(channel, replies, output, cancellationToken);
        }
        catch (IpcException e)
        {
            error.WriteLine($"C# channel server: {e.Message}");
            return 1;
        }
        finally
        {
            // The creator releases what it allocated, also after a failure.
            channel.Remove();
            channel.Dispose();
        }
    }

    private static int Serve(SharedMemoryChannel channel, ReplyChannels replies, TextWriter output, CancellationToken cancellationToken)
    {
        int pid = Environment.ProcessId;
        using SharedMemoryChannelReader reader = channel.OpenReader();
        output.WriteLine($"C# channel server {pid} ready: key {channel.Key}, shmid {channel.Id}, {channel.Mode} request channel of {channel.Capacity} bytes");
        output.Flush();

        var buffer = new byte[channel.MaxMessageSize];
        int served = 0;
        int lastDeadWriter = 0;
        while (true)
        {
            int length;
            try
            {
                length = reader.Read(buffer, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                output.WriteLine($"C# channel server {pid}: interrupted");
                break;
            }
            catch (ChannelPeerDiedException e)
            {
                // Every client that had the channel open died (their places stay taken until reused): keep serving the next ones.
                if (e.ProcessId != lastDeadWriter)
                {
                    output.WriteLine($"C# channel server {pid}: client {e.ProcessId} died; waiting for others");
                    output.Flush();
                    lastDeadWriter = e.ProcessId;
                }

                continue;
            }

            // The message is another process's bytes: only a request of exactly the agreed size is read as one.
            if (length != ChannelRequest.Size)
            {
                output.WriteLine($"C# channel server {pid}: ignored a {length}-byte message (a request is {ChannelRequest.Size} bytes)");
                continue;
            }

            ChannelRequest request = MemoryMarshal.Read<ChannelRequest>(buffer);
            MessageId id = request.Call.Id;
            TutorialServer.Execute(ref request.Call, ++served);
            replies.Send(request.ReplyChannelId, request.Call, cancellationToken);
            if (id == MessageId.Quit)
            {
                break;
            }
        }

        output.WriteLine($"C# channel server {pid}: answered {served} requests; removing the request channel");
        output.Flush();
        return 0;
    }

    /// <summary>The clients' reply channels this server writes to, opened by segment id on a client's first request and kept open.</summary>
    private sealed class ReplyChannels(int ownChannel, TextWriter output) : IDisposable
    {
        private readonly Dictionary<int, (SharedMemoryChannel Channel, SharedMemoryChannelWriter Writer)> _open = [];
        private readonly List<int> _recent = [];

        public void Send(int channelId, Syscall reply, CancellationToken cancellationToken)
        {
            if (Writer(channelId) is not { } writer)
            {
                return;
            }

            try
            {
                writer.Write(MemoryMarshal.AsBytes(new ReadOnlySpan<Syscall>(in reply)), ReplyTimeout, cancellationToken);
            }
            catch (Exception e) when (e is IpcException or TimeoutException or ObjectDisposedException)
            {
                output.WriteLine($"C# channel server: the reply to client {reply.Client} #{reply.Seq} through channel {channelId} was not delivered ({e.Message}); closing it");
                Close(channelId);
            }
        }

        public void Dispose()
        {
            foreach (int id in _open.Keys.ToArray())
            {
                Close(id);
            }
        }

        private SharedMemoryChannelWriter? Writer(int channelId)
        {
            if (_open.TryGetValue(channelId, out var open))
            {
                return open.Writer;
            }

            if (channelId == ownChannel)
            {
                output.WriteLine($"C# channel server: a request names the request channel ({channelId}) as its reply channel; not answered");
                return null;
            }

            // A new client: first let go of the channels whose client has gone (reader closed or dead), then of the oldest beyond the limit.
            foreach (int id in _open.Keys.Where(id => !HasLiveReader(_open[id].Channel)).ToArray())
            {
                Close(id);
            }

            while (_open.Count >= MaxReplyChannels)
            {
                Close(_recent[0]);
            }

            SharedMemoryChannel? channel = null;
            try
            {
                channel = SharedMemoryChannel.OpenById(channelId);
                SharedMemoryChannelWriter writer = channel.OpenWriter();
                _open[channelId] = (channel, writer);
                _recent.Add(channelId);
                return writer;
            }
            catch (Exception e) when (e is IpcException or InvalidOperationException)
            {
                channel?.Dispose();
                output.WriteLine($"C# channel server: cannot open reply channel {channelId}: {e.Message}");
                return null;
            }
        }

        private static bool HasLiveReader(SharedMemoryChannel channel)
        {
            try
            {
                return channel.GetParticipants().Any(p => p.Role == ChannelRole.Consumer && p.IsAlive);
            }
            catch (ChannelCorruptedException)
            {
                return false;
            }
        }

        private void Close(int channelId)
        {
            if (_open.Remove(channelId, out var open))
            {
                open.Writer.Dispose();
                open.Channel.Dispose();
            }

            _recent.Remove(channelId);
        }
    }
}
