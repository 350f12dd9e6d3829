using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using SysV.Ipc.Interop;

namespace SysV.Ipc.Benchmarks;

/// <summary>
/// One 64-byte message sent and received again in one process (no second process, no wake-up):
/// <see cref="MessageQueue.Send"/> + <see cref="MessageQueue.Receive"/> against msgsnd + msgrcv on a
/// <c>struct msgbuf</c> the caller fills itself. Both make exactly two system calls; the difference is the
/// library's checks and the copies of the body into and out of its stack buffer. Neither may allocate.
/// </summary>
[MemoryDiagnoser]
public unsafe class MessageQueueBenchmarks
{
    private const int BodySize = 64;
    private const long MessageType = 1;

    private readonly byte[] _body = new byte[BodySize];
    private readonly byte[] _received = new byte[BodySize];
    private MessageQueue? _queue;
    private int _id = -1;

    [GlobalSetup]
    public void GlobalSetup() => KernelObjectSetup.Run(() =>
    {
        _queue = MessageQueue.Create(IpcKey.Private);
        _id = _queue.Id;
        for (int i = 0; i < _body.Length; i++)
        {
            _body[i] = (byte)i;
        }
    }, GlobalCleanup);

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        _queue?.Remove();
        _queue?.Dispose();
        _queue = null;
        _id = -1;
    }

    [Benchmark(Baseline = true)]
    public int RawMsgsndMsgrcv()
    {
        RawMessage message = default;
        message.Type = MessageType;
        if (Libc.msgsnd(_id, &message, BodySize, 0) != 0)
        {
            throw new InvalidOperationException($"msgsnd failed with errno {Marshal.GetLastPInvokeError()}");
        }

        nint received = Libc.msgrcv(_id, &message, BodySize, 0, 0);
        return received == BodySize && message.Type == MessageType
            ? (int)received
            : throw new InvalidOperationException($"msgrcv returned {received}, errno {Marshal.GetLastPInvokeError()}");
    }

    [Benchmark]
    public int SendReceive()
    {
        MessageQueue queue = _queue!;
        queue.Send(MessageType, _body);
        int length = queue.Receive(_received, out long type);
        return type == MessageType ? length : throw new InvalidOperationException($"received type {type}");
    }

    /// <summary>struct msgbuf with a 64-byte body: a C long type, then the body.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct RawMessage
    {
        public long Type; // a C long: 64 bits on linux-x64 and linux-arm64
        public fixed byte Body[BodySize];
    }
}
