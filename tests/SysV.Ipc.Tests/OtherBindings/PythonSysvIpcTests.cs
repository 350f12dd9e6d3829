using System.Diagnostics;
using System.Globalization;
using System.Text;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.OtherBindings;

/// <summary>
/// The library next to python's sysv_ipc (Debian's python3-sysv-ipc), another binding people already
/// run: the same ftok keys, and queues, segments and semaphores made on one side used on the other.
/// The python side is Python/sysv_peer.py.
/// </summary>
public sealed class PythonSysvIpcTests : IpcLeakGuard
{
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [RequiresPythonSysvIpcFact]
    public void Ftok_GivesPythonsKey()
    {
        string file = Path.GetTempFileName();
        try
        {
            foreach (byte project in new byte[] { 1, 7, (byte)'A', 255 })
            {
                int python = int.Parse(Peer("ftok", file, project.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
                Assert.Equal(new IpcKey(python), IpcKey.FromFile(file, project));
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [RequiresPythonSysvIpcFact]
    public void AQueueMadeHere_CarriesMessagesToAndFromPython()
    {
        using var queue = MessageQueue.Create(TestKeys.Unique());
        queue.RemoveOnDispose = true;
        using RemoteProcess echo = StartPeer("mq-echo", queue.Key.ToString());
        byte[] body = Encoding.ASCII.GetBytes("hello from .NET");
        queue.Send(5, body);

        var reply = new byte[64];
        Assert.True(queue.TryReceive(reply, out long type, out int length, MessageSelector.OfType(6), MessageReceiveOptions.None, s_timeout));
        Assert.Equal("TEN. morf olleh", Encoding.ASCII.GetString(reply, 0, length));
        echo.AssertExit(0, s_timeout);
        Assert.Equal($"type=5 length={body.Length}", echo.StandardOutput.Trim());
        Assert.Equal(6, type);

        // A type above a C int, which python cannot send (its send takes an int), is received by it intact.
        using RemoteProcess receiver = StartPeer("mq-receive", queue.Key.ToString());
        queue.Send(1L << 40, "wide"u8);
        receiver.AssertExit(0, s_timeout);
        Assert.Equal($"type={1L << 40} body=wide", receiver.StandardOutput.Trim());
    }

    [RequiresPythonSysvIpcFact]
    public void ASegmentMadeByPython_IsReadAndWrittenHere_AndPythonSeesTheWrite()
    {
        IpcKey key = TestKeys.Unique();
        int id = int.Parse(Peer("shm-create", key.ToString(), "4096"), CultureInfo.InvariantCulture);
        try
        {
            using SharedMemorySegment segment = SharedMemorySegment.Open(key);
            Assert.Equal(id, segment.Id);
            Assert.Equal(4096, segment.Size);
            using (SharedMemoryAttachment attachment = segment.Attach())
            {
                Assert.Equal("from python", Encoding.ASCII.GetString(attachment.ReadOnlySpan.Slice(100, 11)));
                "from dotnet"u8.CopyTo(attachment.Span[200..]);
            }

            Assert.Equal("from dotnet", Peer("shm-read", key.ToString(), "200", "11"));
            SharedMemoryInfo info = segment.GetInfo();
            Assert.Equal(0, info.AttachCount);
            Assert.Equal(Convert.ToInt32("600", 8), (int)info.Permissions);
        }
        finally
        {
            SharedMemorySegment.TryRemove(id);
        }
    }

    [RequiresPythonSysvIpcFact]
    public void ASemaphoreMadeByPython_IsNotInitializedByProtocol_SoItOpensWithWaitForInitializationOff()
    {
        IpcKey key = TestKeys.Unique();
        int id = int.Parse(Peer("sem-create", key.ToString(), "1"), CultureInfo.InvariantCulture);
        try
        {
            // python sets the value with semctl and never operates, so sem_otime stays 0: the default open
            // waits for an initialization that never comes, and says what to do.
            var timeout = Assert.Throws<TimeoutException>(() => SemaphoreSet.Open(key, new() { InitializationTimeout = TimeSpan.FromMilliseconds(200) }));
            Assert.Contains("open with WaitForInitialization = false", timeout.Message, StringComparison.Ordinal);

            using SemaphoreSet set = SemaphoreSet.Open(key, new() { WaitForInitialization = false });
            Assert.Equal((id, 1, (short)1), (set.Id, set.Count, (short)set.GetValue(0)));
            set.Wait(0);

            using RemoteProcess waiter = StartPeer("sem-acquire", key.ToString());
            waiter.WaitForOutput("waiting", s_timeout);
            SpinWait.SpinUntil(() => set.GetWaitingCount(0) == 1, s_timeout);
            Assert.Equal(1, set.GetWaitingCount(0));
            set.Release(0);
            waiter.AssertExit(0, s_timeout);
            Assert.Equal("waiting\nacquired value=0", waiter.StandardOutput.Trim().ReplaceLineEndings("\n"));
            Assert.Equal(waiter.Id, set.GetLastProcessId(0));
        }
        finally
        {
            SemaphoreSet.TryRemove(id);
        }
    }

    private static string Peer(params string[] args)
    {
        Shell.Result result = Shell.Run(Python, [ScriptPath, .. args], s_timeout);
        Assert.True(result.ExitCode == 0, $"sysv_peer.py {string.Join(' ', args)} exited with {result.ExitCode}:\n{result.StandardError}");
        return result.StandardOutput.Trim();
    }

    private static RemoteProcess StartPeer(params string[] args)
    {
        var psi = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(ScriptPath);
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        return RemoteProcess.Start(psi, "sysv_peer.py " + string.Join(' ', args));
    }

    private static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "Python", "sysv_peer.py");
}

/// <summary>A fact skipped, with the reason shown, when Debian's python3 cannot import sysv_ipc.</summary>
public sealed class RequiresPythonSysvIpcFactAttribute : FactAttribute
{
    private static readonly bool s_available = File.Exists("/usr/bin/python3") && Shell.Run("/usr/bin/python3", ["-c", "import sysv_ipc"]).ExitCode == 0;

    public RequiresPythonSysvIpcFactAttribute()
    {
        if (!s_available)
        {
            Skip = "/usr/bin/python3 cannot import sysv_ipc (eng/install-prerequisites.sh installs it: apt-get install python3-sysv-ipc).";
        }
    }
}
