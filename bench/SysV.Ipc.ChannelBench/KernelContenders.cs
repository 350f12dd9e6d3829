using System.Buffers.Binary;
using System.Globalization;
using System.IO.Pipes;
using System.Net.Sockets;

namespace SysV.Ipc.ChannelBench;

/// <summary>The System V message queue through this library's <see cref="MessageQueue"/>: one msgsnd and one msgrcv per message.</summary>
internal sealed class MessageQueueContender : IContender
{
    public string Name => "SysV message queue (SysV.Ipc MessageQueue)";

    public bool SystemCallPerMessage => true;

    public bool Supports(int size) => size <= MaxMessage;

    internal static int MaxMessage => int.Parse(File.ReadAllText("/proc/sys/kernel/msgmax").Trim(), CultureInfo.InvariantCulture);

    public ThroughputResult Throughput(int size, long count)
    {
        using MessageQueue queue = MessageQueue.Create(IpcKey.Private);
        queue.RemoveOnDispose = true;
        using ChildProcess consumer = ChildProcess.Partner("msgq-consume", Arg(queue.Id), Arg(size), Arg(count));
        consumer.WaitFor("READY", TimeSpan.FromSeconds(60));
        var body = new byte[size];
        long start = Clock.NowNanoseconds();
        for (long i = 0; i < count; i++)
        {
            queue.Send(1, body);
        }

        long end = consumer.WaitForLong("END", TimeSpan.FromMinutes(10));
        consumer.WaitForSuccess(TimeSpan.FromSeconds(30));
        return new ThroughputResult(Name, size, count, (end - start) / 1e9);
    }

    public LatencyResult PingPong(int size, int rounds)
    {
        using MessageQueue queue = MessageQueue.Create(IpcKey.Private);
        queue.RemoveOnDispose = true;
        using ChildProcess ponger = ChildProcess.Partner("msgq-pong", Arg(queue.Id), Arg(size), Arg(rounds));
        ponger.WaitFor("READY", TimeSpan.FromSeconds(60));
        var body = new byte[size];
        var samples = new long[rounds];
        for (int i = 0; i < rounds; i++)
        {
            long t = Clock.NowNanoseconds();
            queue.Send(1, body);
            queue.Receive(body, out _, MessageSelector.OfType(2));
            samples[i] = Clock.NowNanoseconds() - t;
        }

        ponger.WaitForSuccess(TimeSpan.FromSeconds(60));
        return LatencyResult.From(Name, size, samples);
    }

    public static void ConsumeChild(string[] args)
    {
        using MessageQueue queue = MessageQueue.OpenById(int.Parse(args[0], CultureInfo.InvariantCulture));
        var buffer = new byte[int.Parse(args[1], CultureInfo.InvariantCulture)];
        long count = long.Parse(args[2], CultureInfo.InvariantCulture);
        Console.WriteLine("READY");
        for (long i = 0; i < count; i++)
        {
            queue.Receive(buffer, out _, MessageSelector.OfType(1));
        }

        Console.WriteLine($"END {Clock.NowNanoseconds()}");
    }

    public static void PongChild(string[] args)
    {
        using MessageQueue queue = MessageQueue.OpenById(int.Parse(args[0], CultureInfo.InvariantCulture));
        var buffer = new byte[int.Parse(args[1], CultureInfo.InvariantCulture)];
        int rounds = int.Parse(args[2], CultureInfo.InvariantCulture);
        Console.WriteLine("READY");
        for (int i = 0; i < rounds; i++)
        {
            int length = queue.Receive(buffer, out _, MessageSelector.OfType(1));
            queue.Send(2, buffer.AsSpan(0, length));
        }
    }

    private static string Arg(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// A byte stream between the processes, framed as a 4-byte length and the payload (one write per
/// message; the throughput reader buffers 64 KiB). An anonymous pipe, or a Unix domain socket.
/// </summary>
internal sealed class StreamContender(bool socket) : IContender
{
    public string Name => socket ? "Unix domain socket (.NET Socket)" : "anonymous pipe (.NET AnonymousPipeServerStream)";

    public bool SystemCallPerMessage => true;

    public bool Supports(int size) => true;

    public ThroughputResult Throughput(int size, long count)
    {
        using Connection connection = Connection.Open(socket, "stream-consume", [Arg(size), Arg(count)]);
        var frame = new byte[4 + size];
        BinaryPrimitives.WriteInt32LittleEndian(frame, size);
        long start = Clock.NowNanoseconds();
        for (long i = 0; i < count; i++)
        {
            connection.Output.Write(frame);
        }

        connection.Output.Flush();
        long end = connection.Child.WaitForLong("END", TimeSpan.FromMinutes(10));
        connection.Child.WaitForSuccess(TimeSpan.FromSeconds(30));
        return new ThroughputResult(Name, size, count, (end - start) / 1e9);
    }

    public LatencyResult PingPong(int size, int rounds)
    {
        using Connection connection = Connection.Open(socket, "stream-pong", [Arg(size), Arg(rounds)]);
        var frame = new byte[4 + size];
        BinaryPrimitives.WriteInt32LittleEndian(frame, size);
        var samples = new long[rounds];
        for (int i = 0; i < rounds; i++)
        {
            long t = Clock.NowNanoseconds();
            connection.Output.Write(frame);
            connection.Input.ReadExactly(frame.AsSpan(0, 4));
            connection.Input.ReadExactly(frame.AsSpan(4, BinaryPrimitives.ReadInt32LittleEndian(frame)));
            samples[i] = Clock.NowNanoseconds() - t;
        }

        connection.Child.WaitForSuccess(TimeSpan.FromSeconds(60));
        return LatencyResult.From(Name, size, samples);
    }

    /// <summary>Child: args are (socket|pipe) (path | in-handle out-handle) size count.</summary>
    public static void ConsumeChild(string[] args)
    {
        using ChildConnection connection = ChildConnection.Open(args, out string[] rest);
        long count = long.Parse(rest[1], CultureInfo.InvariantCulture);
        var buffered = new BufferedStream(connection.Input, 1 << 16);
        var frame = new byte[4 + int.Parse(rest[0], CultureInfo.InvariantCulture)];
        Console.WriteLine("READY");
        for (long i = 0; i < count; i++)
        {
            buffered.ReadExactly(frame.AsSpan(0, 4));
            buffered.ReadExactly(frame.AsSpan(4, BinaryPrimitives.ReadInt32LittleEndian(frame)));
        }

        Console.WriteLine($"END {Clock.NowNanoseconds()}");
    }

    public static void PongChild(string[] args)
    {
        using ChildConnection connection = ChildConnection.Open(args, out string[] rest);
        int rounds = int.Parse(rest[1], CultureInfo.InvariantCulture);
        var frame = new byte[4 + int.Parse(rest[0], CultureInfo.InvariantCulture)];
        Console.WriteLine("READY");
        for (int i = 0; i < rounds; i++)
        {
            connection.Input.ReadExactly(frame.AsSpan(0, 4));
            int length = BinaryPrimitives.ReadInt32LittleEndian(frame);
            connection.Input.ReadExactly(frame.AsSpan(4, length));
            connection.Output.Write(frame.AsSpan(0, 4 + length));
        }
    }

    private static string Arg(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The parent's end: a stream to the child and one back, and the child itself.</summary>
    private sealed class Connection : IDisposable
    {
        private readonly List<IDisposable> _owned = [];

        private Connection(ChildProcess child, Stream output, Stream input)
        {
            Child = child;
            Output = output;
            Input = input;
        }

        public ChildProcess Child { get; }

        public Stream Output { get; }

        public Stream Input { get; }

        public static Connection Open(bool socket, string role, string[] args)
        {
            if (socket)
            {
                string path = Path.Combine(Path.GetTempPath(), $"channelbench-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
                var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                listener.Bind(new UnixDomainSocketEndPoint(path));
                listener.Listen(1);
                ChildProcess child = ChildProcess.Partner([role, "socket", path, .. args]);
                Socket accepted = listener.Accept();
                listener.Dispose();
                File.Delete(path);
                child.WaitFor("READY", TimeSpan.FromSeconds(60));
                var stream = new NetworkStream(accepted, ownsSocket: true);
                var connection = new Connection(child, stream, stream);
                connection._owned.AddRange([stream, child]);
                return connection;
            }

            var toChild = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.Inheritable);
            var fromChild = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.Inheritable);
            ChildProcess pipeChild = ChildProcess.Partner([role, "pipe", toChild.GetClientHandleAsString(), fromChild.GetClientHandleAsString(), .. args]);
            toChild.DisposeLocalCopyOfClientHandle();
            fromChild.DisposeLocalCopyOfClientHandle();
            pipeChild.WaitFor("READY", TimeSpan.FromSeconds(60));
            var result = new Connection(pipeChild, toChild, fromChild);
            result._owned.AddRange([toChild, fromChild, pipeChild]);
            return result;
        }

        public void Dispose() => _owned.ForEach(o => o.Dispose());
    }

    /// <summary>The child's end.</summary>
    private sealed class ChildConnection(Stream input, Stream output, IDisposable[] owned) : IDisposable
    {
        public Stream Input => input;

        public Stream Output => output;

        public static ChildConnection Open(string[] args, out string[] rest)
        {
            if (args[0] == "socket")
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                socket.Connect(new UnixDomainSocketEndPoint(args[1]));
                var stream = new NetworkStream(socket, ownsSocket: true);
                rest = args[2..];
                return new ChildConnection(stream, stream, [stream]);
            }

            var input = new AnonymousPipeClientStream(PipeDirection.In, args[1]);
            var output = new AnonymousPipeClientStream(PipeDirection.Out, args[2]);
            rest = args[3..];
            return new ChildConnection(input, output, [input, output]);
        }

        public void Dispose()
        {
            foreach (IDisposable d in owned)
            {
                d.Dispose();
            }
        }
    }
}
