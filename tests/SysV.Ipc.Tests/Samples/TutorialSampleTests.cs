using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SysV.Ipc.Samples.Tutorial;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Samples;

/// <summary>
/// The tutorial's message.c scenario: C and C# servers and clients in every pairing, as real processes,
/// with verified replies, and nothing left behind.
/// </summary>
public sealed partial class TutorialSampleTests : IpcLeakGuard
{
    private const int Clients = 3;
    private const int RequestsPerClient = 80;

    private readonly string _keyFile;
    private readonly IpcKey _key;

    public TutorialSampleTests()
    {
        // ftok's key of a fresh file, checked unused (ftok keeps only 16 bits of the inode).
        while (true)
        {
            _keyFile = Path.Combine(Path.GetTempPath(), $"sysvipc-tutorial-test-{Guid.NewGuid():n}.key");
            File.WriteAllBytes(_keyFile, []);
            _key = IpcKey.FromFile(_keyFile, TutorialProtocol.DefaultProjectId);
            if (!IpcSystem.ListAll().Any(o => o.Key == _key))
            {
                break;
            }

            File.Delete(_keyFile);
        }
    }

    public enum Side
    {
        C,
        CSharp,
    }

    [Theory]
    [InlineData(Side.CSharp, Side.C)]
    [InlineData(Side.C, Side.CSharp)]
    [InlineData(Side.CSharp, Side.CSharp)]
    [InlineData(Side.C, Side.C)]
    public void ServerAndConcurrentClientsExchangeVerifiedRepliesAndRemoveEverything(Side server, Side clients)
    {
        using RemoteProcess serverProcess = StartServer(server);
        serverProcess.WaitForOutput(" ready: ", TimeSpan.FromSeconds(30));
        Assert.Contains(IpcSystem.ListSharedMemory(), s => s.Key == _key);
        Assert.Contains(IpcSystem.ListSemaphoreSets(), s => s.Key == _key);

        var clientProcesses = Enumerable.Range(0, Clients)
            .Select(_ => StartClient(clients, "--verify", RequestsPerClient.ToString(CultureInfo.InvariantCulture)))
            .ToList();
        try
        {
            foreach (RemoteProcess client in clientProcesses)
            {
                AssertSucceeded(client, clients);
                Assert.Contains($"verified {RequestsPerClient} replies", client.StandardOutput, StringComparison.Ordinal);
            }

            // The lock serialized the clients: every reply carries a distinct number, none is missing.
            int[] served = [.. clientProcesses.SelectMany(c => ServedNumbers(c.StandardOutput)).Order()];
            Assert.Equal(Enumerable.Range(1, Clients * RequestsPerClient), served);

            Quit(clients, serverProcess, server, expectedServed: Clients * RequestsPerClient + 1);
        }
        finally
        {
            clientProcesses.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void AClientKilledHoldingTheLockIsDetectedByTheNextClientInTheOtherLanguage()
    {
        using RemoteProcess serverProcess = StartServer(Side.C);
        serverProcess.WaitForOutput(" ready: ", TimeSpan.FromSeconds(30));

        int served = 0;
        foreach ((Side crasher, Side survivor) in new[] { (Side.C, Side.CSharp), (Side.CSharp, Side.C) })
        {
            using RemoteProcess crashing = StartClient(crasher, "echo:before", "crash");
            int code = crashing.WaitForExit(TimeSpan.FromSeconds(30));
            Assert.True(code is 137 or -9, $"the crashing client exited with {code}\n{crashing.StandardOutput}{crashing.StandardError}");
            Assert.Contains("crashing while holding the lock", crashing.StandardOutput, StringComparison.Ordinal);

            using RemoteProcess next = StartClient(survivor, "echo:after");
            AssertSucceeded(next, survivor);
            Assert.Contains($"previous client (pid {crashing.Id}) died holding the lock", next.StandardOutput, StringComparison.Ordinal);
            Assert.Matches("#1 MESG_ECHO \"after\" -> MESG_OK \"after\"", next.StandardOutput);
            served += 3; // before, the crashed request (answered, its reply consumed by the next client), after
            Assert.Equal([served], ServedNumbers(next.StandardOutput));
        }

        Quit(Side.CSharp, serverProcess, Side.C, expectedServed: served + 1);
    }

    [Theory]
    [InlineData(Side.C)]
    [InlineData(Side.CSharp)]
    public void ServersAnswerEveryKindOfRequestAndRejectBadOnes(Side server)
    {
        using RemoteProcess serverProcess = StartServer(server);
        serverProcess.WaitForOutput(" ready: ", TimeSpan.FromSeconds(30));
        using RemoteProcess client = StartClient(Side.CSharp, "echo:hello", "upper:hello, World 1", "add:2:40", "add:9223372036854775807:1", "time", "pid", "unspec");
        AssertSucceeded(client, Side.CSharp);
        string transcript = client.StandardOutput;
        Assert.Contains("MESG_ECHO \"hello\" -> MESG_OK \"hello\"", transcript, StringComparison.Ordinal);
        Assert.Contains("-> MESG_OK \"HELLO, WORLD 1\"", transcript, StringComparison.Ordinal);
        Assert.Contains("MESG_ADD 2 40 -> MESG_OK \"42\" result 42", transcript, StringComparison.Ordinal);
        Assert.Contains("MESG_ADD 9223372036854775807 1 -> MESG_EBADARG \"overflow\"", transcript, StringComparison.Ordinal);
        Assert.Contains($"MESG_PID -> MESG_OK \"{(server == Side.C ? "C" : "C#")} server\" result {serverProcess.Id}", transcript, StringComparison.Ordinal);
        Assert.Contains("MESG_UNSPEC -> MESG_EBADREQ \"unknown request 0\"", transcript, StringComparison.Ordinal);
        long time = long.Parse(TimeResult().Match(transcript).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(time, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);

        // A hostile client writes a length far beyond the buffer: the server answers with an error, it does not read past it.
        using (var area = SharedStruct<Syscall>.Open(_key))
        using (var semaphores = SemaphoreSet.Open(_key))
        using (IpcMutex.OnSemaphores(semaphores, TutorialProtocol.Lock).Acquire(TimeSpan.FromSeconds(10)))
        {
            area.Value.Id = MessageId.Echo;
            area.Value.Len = 99_999;
            semaphores.Release(TutorialProtocol.Request);
            Assert.True(semaphores.TryWait(TutorialProtocol.Reply, TimeSpan.FromSeconds(10)));
            Assert.Equal(MessageStatus.BadArgument, area.ReadOnlyValue.Status);
            Assert.Equal("bad length 99999", area.ReadOnlyValue.GetTextString());
        }

        Quit(Side.C, serverProcess, server, expectedServed: 9);
    }

    [Theory]
    [InlineData(Side.C)]
    [InlineData(Side.CSharp)]
    public void AServerFindingLeftoverObjectsSaysHowToRemoveThemAndTouchesNothing(Side server)
    {
        using var leftover = SharedMemorySegment.Create(_key, 64, options: new() { RemoveOnDispose = true });
        using RemoteProcess serverProcess = StartServer(server);
        Assert.Equal(2, serverProcess.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains("already exist", serverProcess.StandardError, StringComparison.Ordinal);
        Assert.Contains($"ipcrm -M {_key} -S {_key}", serverProcess.StandardError, StringComparison.Ordinal);

        // Our segment is intact; the semaphore set the server made before finding it is gone.
        Assert.Equal(leftover.Id, IpcSystem.ListSharedMemory().Single(s => s.Key == _key).Id);
        Assert.DoesNotContain(IpcSystem.ListSemaphoreSets(), s => s.Key == _key);
    }

    [Fact]
    public void The_C_program_embeds_the_layout_the_CSharp_struct_has()
    {
        Assert.Equal(SharedStruct<Syscall>.LayoutDescription, NativeProgram.Run("message", "layout").Trim());
    }

    [Fact]
    public void TheDemoRunsServerAndClientsAsProcessesPrintsATranscriptAndLeavesNothing()
    {
        var output = new StringWriter();
        int code = TutorialDemo.Run(output, StartRoleProcess, new TutorialDemoOptions { KeyFile = _keyFile, Clients = 3 });
        string transcript = output.ToString();
        Assert.True(code == 0, transcript);
        Assert.Contains("[server] C# server", transcript, StringComparison.Ordinal);
        Assert.Matches(@"\[client 3\] C# client \d+ #3 MESG_UNSPEC -> MESG_EBADREQ", transcript);
        Assert.Contains("[quit] C# client", transcript, StringComparison.Ordinal);
        Assert.Contains($"Nothing left behind: /proc/sysvipc lists no segment, queue or semaphore set with key {_key}", transcript, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, 10), ServedNumbers(transcript).Order());
        Assert.DoesNotContain(IpcSystem.ListAll(), o => o.Key == _key);
    }

    [Fact]
    public void TheDemoRefusesToRunOverLeftoversAndExplainsTheCleanup()
    {
        using var leftover = SemaphoreSet.Create(_key, 1, [0], options: new() { RemoveOnDispose = true });
        var output = new StringWriter();
        Assert.Equal(2, TutorialDemo.Run(output, StartRoleProcess, new TutorialDemoOptions { KeyFile = _keyFile }));
        Assert.Contains($"a semaphore set (id {leftover.Id}) already exists with key {_key}", output.ToString(), StringComparison.Ordinal);
        Assert.Contains($"sysvipc rm -M {_key} -S {_key}", output.ToString(), StringComparison.Ordinal);
        Assert.Single(IpcSystem.ListSemaphoreSets(), s => s.Key == _key);
    }

    protected override void Dispose(bool disposing)
    {
        File.Delete(_keyFile);
        base.Dispose(disposing);
    }

    /// <summary>A child in a role, exiting as RemoteExecutor expects (42 for success).</summary>
    private static int RunRole(string[] args)
    {
        int code = RunRoleAsProgram(args);
        return code == 0 ? RemoteExecutor.SuccessExitCode : code;
    }

    /// <summary>A child in a role, exiting as the programs do (0 for success), for the demo.</summary>
    private static int RunRoleAsProgram(string[] args) => args[0] == "server"
        ? TutorialServer.Run(args[1..], Console.Out, Console.Error)
        : TutorialClient.Run(args[1..], Console.Out, Console.Error);

    /// <summary>What the CLI does with hidden verbs: the demo starts this test assembly in the given role.</summary>
    private static Process StartRoleProcess(string role, string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])["exec", typeof(TutorialSampleTests).Assembly.Location, "--remote", typeof(TutorialSampleTests).FullName!, nameof(RunRoleAsProgram), role, .. args])
        {
            info.ArgumentList.Add(a);
        }

        return Process.Start(info)!;
    }

    private RemoteProcess StartServer(Side side) => Start(side, "server");

    private RemoteProcess StartClient(Side side, params string[] requests) => Start(side, "client", requests);

    private RemoteProcess Start(Side side, string role, params string[] rest)
    {
        string[] args = [role, _keyFile, .. rest];
        return side == Side.C
            ? NativeProgram.Start("message", args)
            : RemoteExecutor.Start((Func<string[], int>)RunRole, args);
    }

    private static void AssertSucceeded(RemoteProcess process, Side side) =>
        process.AssertExit(side == Side.C ? 0 : RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));

    private void Quit(Side client, RemoteProcess serverProcess, Side server, int expectedServed)
    {
        using RemoteProcess quitter = StartClient(client, "quit");
        AssertSucceeded(quitter, client);
        Assert.Contains("MESG_QUIT -> MESG_OK \"bye\"", quitter.StandardOutput, StringComparison.Ordinal);
        AssertSucceeded(serverProcess, server);
        Assert.Contains($"answered {expectedServed} requests", serverProcess.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(IpcSystem.ListAll(), o => o.Key == _key);
    }

    private static IEnumerable<int> ServedNumbers(string transcript) =>
        ServedLine().Matches(transcript).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"client \d+ #\d+ .* served (\d+)\r?$", RegexOptions.Multiline)]
    private static partial Regex ServedLine();

    [GeneratedRegex(@"MESG_TIME -> MESG_OK ""\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"" result (\d+)")]
    private static partial Regex TimeResult();
}
