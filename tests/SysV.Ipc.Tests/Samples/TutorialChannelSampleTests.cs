using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SysV.Ipc.Samples.Tutorial;
using SysV.Ipc.Tests.Infrastructure;
using SysV.Ipc.Tests.LibSysvIpc;
using Xunit;

namespace SysV.Ipc.Tests.Samples;

/// <summary>
/// The tutorial sample's channel variant: the C client (samples/c/channel_client.c, built with gcc against
/// libsysvipc) and the C# server (TutorialChannelServer) as real processes, through shared-memory channels.
/// </summary>
public sealed partial class TutorialChannelSampleTests : IpcLeakGuard
{
    private static readonly Lazy<string> s_client = new(BuildClient);
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(60);

    private readonly string _keyFile;
    private readonly IpcKey _key;

    public TutorialChannelSampleTests()
    {
        // ftok's key of a fresh file, checked unused (ftok keeps only 16 bits of the inode).
        while (true)
        {
            _keyFile = Path.Combine(Path.GetTempPath(), $"sysvipc-tutorial-channel-{Guid.NewGuid():n}.key");
            File.WriteAllBytes(_keyFile, []);
            _key = IpcKey.FromFile(_keyFile, TutorialProtocol.DefaultProjectId);
            if (!IpcSystem.ListAll().Any(o => o.Key == _key))
            {
                break;
            }

            File.Delete(_keyFile);
        }
    }

    [Fact]
    public void Concurrent_C_clients_get_verified_replies_from_the_CSharp_server_through_one_multi_producer_channel()
    {
        const int clients = 3, requests = 300;
        using RemoteProcess server = StartServer();
        var processes = Enumerable.Range(0, clients).Select(_ => StartClient("--verify", requests.ToString(CultureInfo.InvariantCulture))).ToList();
        try
        {
            foreach (RemoteProcess client in processes)
            {
                client.AssertExit(0, s_long);
                Assert.Contains($"verified {requests} replies", client.StandardOutput, StringComparison.Ordinal);
            }

            // One reader took every request in turn: each reply carries a distinct number, none is missing.
            int[] served = [.. processes.SelectMany(c => ServedNumbers(c.StandardOutput)).Order()];
            Assert.Equal(Enumerable.Range(1, clients * requests), served);
        }
        finally
        {
            processes.ForEach(p => p.Dispose());
        }

        Quit(server, expectedServed: clients * requests + 1);
    }

    [Fact]
    public void The_server_answers_every_kind_of_request_and_survives_a_killed_client_and_hostile_messages()
    {
        using RemoteProcess server = StartServer();
        using (RemoteProcess client = StartClient("echo:hello", "upper:hello, World 1", "add:2:40", "add:9223372036854775807:1", "time", "pid", "unspec"))
        {
            client.AssertExit(0, s_long);
            string transcript = client.StandardOutput;
            Assert.Contains("MESG_ECHO \"hello\" -> MESG_OK \"hello\"", transcript, StringComparison.Ordinal);
            Assert.Contains("-> MESG_OK \"HELLO, WORLD 1\"", transcript, StringComparison.Ordinal);
            Assert.Contains("MESG_ADD 2 40 -> MESG_OK \"42\" result 42", transcript, StringComparison.Ordinal);
            Assert.Contains("MESG_ADD 9223372036854775807 1 -> MESG_EBADARG \"overflow\"", transcript, StringComparison.Ordinal);
            Assert.Contains($"MESG_PID -> MESG_OK \"C# server\" result {server.Id}", transcript, StringComparison.Ordinal);
            Assert.Contains("MESG_UNSPEC -> MESG_EBADREQ \"unknown request 0\"", transcript, StringComparison.Ordinal);
        }

        // A client killed with its request in flight: its reply channel goes with it (marked for removal at
        // creation; the server either finds it gone or replies into it unread), and the next client is served.
        using (RemoteProcess crashing = StartClient("crash"))
        {
            int code = crashing.WaitForExit(s_long);
            Assert.True(code is 137 or -9, $"the crashing client exited with {code}\n{crashing.StandardOutput}{crashing.StandardError}");
        }

        // Hostile writers in the same channel: a message of the wrong size, and a request naming the
        // request channel itself as its reply channel. Neither is answered; neither stops the server.
        using (var channel = SharedMemoryChannel.Open(_key))
        using (SharedMemoryChannelWriter writer = channel.OpenWriter())
        {
            writer.Write(new byte[17]);
            var request = new ChannelRequest { ReplyChannelId = channel.Id };
            request.Call.Id = MessageId.Echo;
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<ChannelRequest>(in request)));
        }

        using (RemoteProcess after = StartClient("echo:after"))
        {
            after.AssertExit(0, s_long);
            // 7 requests, the crashed one (answered into a channel that was gone), the self-addressed one, this one.
            Assert.Contains("#1 MESG_ECHO \"after\" -> MESG_OK \"after\" result 0 served 10", after.StandardOutput, StringComparison.Ordinal);
        }

        Quit(server, expectedServed: 11);
        Assert.Contains("ignored a 17-byte message", server.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("names the request channel", server.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void The_C_struct_of_a_request_is_the_CSharp_one()
    {
        // channel_client.c asserts 312 bytes and the call at offset 8 at compile time; the C# side must agree.
        Assert.Equal(312, ChannelRequest.Size);
        Assert.Equal(8, (int)System.Runtime.InteropServices.Marshal.OffsetOf<ChannelRequest>(nameof(ChannelRequest.Call)));
        Assert.True(File.Exists(s_client.Value));
    }

    protected override void Dispose(bool disposing)
    {
        File.Delete(_keyFile);
        base.Dispose(disposing);
    }

    private static int RunServer(string[] args)
    {
        int code = TutorialChannelServer.Run(args, Console.Out, Console.Error);
        return code == 0 ? RemoteExecutor.SuccessExitCode : code;
    }

    private RemoteProcess StartServer()
    {
        RemoteProcess server = RemoteExecutor.Start((Func<string[], int>)RunServer, _keyFile);
        server.WaitForOutput(" ready: ", s_long);
        Assert.Contains(IpcSystem.ListSharedMemory(), s => s.Key == _key);
        return server;
    }

    private RemoteProcess StartClient(params string[] args)
    {
        var psi = new ProcessStartInfo(s_client.Value) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (string arg in (string[])[_keyFile, .. args])
        {
            psi.ArgumentList.Add(arg);
        }

        return RemoteProcess.Start(psi, "channel_client " + string.Join(' ', args));
    }

    private void Quit(RemoteProcess server, int expectedServed)
    {
        using (RemoteProcess quitter = StartClient("quit"))
        {
            quitter.AssertExit(0, s_long);
            Assert.Contains("MESG_QUIT -> MESG_OK \"bye\"", quitter.StandardOutput, StringComparison.Ordinal);
        }

        server.AssertExit(RemoteExecutor.SuccessExitCode, s_long);
        Assert.Contains($"answered {expectedServed} requests", server.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(IpcSystem.ListAll(), o => o.Key == _key);
    }

    /// <summary>gcc, as a user of libsysvipc would: the sample against the library native/'s Makefile built.</summary>
    private static string BuildClient()
    {
        string output = Path.Combine(LibSysvIpcBuild.Plain, "channel_client");
        string source = Path.Combine(RepositoryPaths.Root, "samples", "c", "channel_client.c");
        Shell.Result gcc = Shell.Run("gcc", ["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-I", Path.Combine(LibSysvIpcBuild.NativeDirectory, "include"),
            "-o", output, source, Path.Combine(LibSysvIpcBuild.Plain, "libsysvipc.a")]);
        return gcc.ExitCode == 0 ? output : throw new InvalidOperationException($"gcc failed on {source}:\n{gcc.StandardOutput}{gcc.StandardError}");
    }

    private static IEnumerable<int> ServedNumbers(string transcript) =>
        ServedLine().Matches(transcript).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"client \d+ #\d+ .* served (\d+)\r?$", RegexOptions.Multiline)]
    private static partial Regex ServedLine();
}
