using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Channels;

/// <summary>
/// The channel's reason to exist, checked with strace: writing and reading a message, copying or zero-copy,
/// makes no system call when nobody has to wait, also across ring wraps and batch head publications.
/// </summary>
public sealed class ChannelSystemCallTests : IpcLeakGuard
{
    private const string BeginMarker = "/sysvipc-strace-marker/begin";
    private const string EndMarker = "/sysvipc-strace-marker/end";
    private const int Messages = 100_000;

    [RequiresProgramFact("strace", "eng/install-prerequisites.sh installs it: apt-get install strace")]
    public void WritingAndReadingMessages_MakesNoSystemCall()
    {
        // Methods compiled once, before the measured loop: no tier-up patching on this thread during it.
        string[] lines = Strace.RunRemote(
            typeof(ChannelSystemCallTests), nameof(WriteAndReadInALoop), [], new Dictionary<string, string> { ["DOTNET_TieredCompilation"] = "0" }, Messages.ToString(CultureInfo.InvariantCulture));
        int begin = Array.FindIndex(lines, l => l.Contains(BeginMarker, StringComparison.Ordinal));
        int end = Array.FindIndex(lines, l => l.Contains(EndMarker, StringComparison.Ordinal));
        Assert.True(begin >= 0 && end > begin, $"markers not found in the strace log ({lines.Length} lines)");
        string thread = lines[begin].Split(' ')[0];
        Assert.Equal(thread, lines[end].Split(' ')[0]);

        string[] inLoop = lines[(begin + 1)..end].Where(l => l.StartsWith(thread + " ", StringComparison.Ordinal)).ToArray();
        Assert.True(inLoop.Length == 0, $"{inLoop.Length} system calls by the writing and reading thread during {2 * Messages} messages, e.g.:\n{string.Join('\n', inLoop.Take(10))}");
    }

    /// <summary>Child: warms up, then writes and reads <paramref name="countText"/> messages each way (copying, zero-copy) between two markers.</summary>
    private static int WriteAndReadInALoop(string countText)
    {
        int count = int.Parse(countText, CultureInfo.InvariantCulture);
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 20, new() { RemoveOnDispose = true });
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using SharedMemoryChannelReader reader = channel.OpenReader();
        var body = new byte[64];
        var received = new byte[64];

        void Loop(int messages)
        {
            for (int i = 0; i < messages; i++)
            {
                body[0] = (byte)i;
                if (!writer.TryWrite(body) || !reader.TryRead(received, out int length) || length != body.Length || received[0] != (byte)i)
                {
                    throw new InvalidOperationException($"copying message {i} did not go through");
                }

                if (!writer.TryClaim(body.Length, out Span<byte> claimed))
                {
                    throw new InvalidOperationException($"no room for zero-copy message {i}");
                }

                claimed[0] = (byte)~i;
                writer.Commit();
                if (!reader.TryPeek(out ReadOnlySpan<byte> peeked) || peeked[0] != (byte)~i)
                {
                    throw new InvalidOperationException($"zero-copy message {i} did not go through");
                }

                reader.Advance();
            }
        }

        Loop(count / 10);
        _ = File.Exists(BeginMarker);
        Loop(count); // 2 * count * 80 bytes of records: many wraps of the 1 MiB ring
        _ = File.Exists(EndMarker);
        return RemoteExecutor.SuccessExitCode;
    }
}
