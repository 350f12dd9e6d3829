using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SysV.Ipc.Samples.Tutorial;

/// <summary>
/// A request of the channel variant (docs/tutorial-sample.md, "The channel variant"): the shared-memory
/// channel of the client's replies, then the same <see cref="Syscall"/> the area variant shares. 312 bytes;
/// samples/c/channel_client.c declares the same struct.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct ChannelRequest
{
    /// <summary>The size of a request message.</summary>
    public static int Size => Unsafe.SizeOf<ChannelRequest>();

    /// <summary>The segment id of the client's reply channel (single producer: the server writes, the client reads).</summary>
    public int ReplyChannelId;

    /// <summary>Padding, kept zero.</summary>
    public int Reserved;

    /// <summary>The request itself; the reply is this struct alone, executed.</summary>
    public Syscall Call;
}
