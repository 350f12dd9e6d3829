using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.OtherBindings;

/// <summary>
/// This library and a C program written with the tutorial's own calls (ftok, shmget, shmat, SHM_RDONLY,
/// shmdt, shmctl IPC_RMID; Native/tutorial_shm.c) share one segment through one file and project id.
/// </summary>
public sealed class CInteropTests : IpcLeakGuard
{
    private const string Helper = "tutorial_shm";
    private readonly string _directory = Directory.CreateTempSubdirectory("sysvipc-c-interop-").FullName;
    private readonly string _keyFile;

    public CInteropTests()
    {
        _keyFile = Path.Combine(_directory, "key-file");
        File.WriteAllText(_keyFile, "ftok uses this file's inode and device");
    }

    [Fact]
    public void FtokAgreesWithCForSeveralFilesAndProjectIds()
    {
        string other = Path.Combine(_directory, "another");
        File.WriteAllText(other, string.Empty);
        string[] paths = [_keyFile, other, _directory, "/etc/passwd", typeof(CInteropTests).Assembly.Location];
        byte[] projects = [0, 1, 65, 255];

        List<string> args = ["ftok"];
        List<IpcKey> ours = [];
        foreach (string path in paths)
        {
            foreach (byte project in projects)
            {
                args.Add(path);
                args.Add(project.ToString(CultureInfo.InvariantCulture));
                ours.Add(IpcKey.FromFile(path, project));
            }
        }

        string[] theirs = NativeProgram.Run(Helper, [.. args]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ours.Select(k => k.ToString()), theirs);

        // Project 0 is accepted and distinct from 1; the project id is the top byte.
        Assert.Equal(IpcKey.FromFile(_keyFile, 1).Value & 0x00ffffff, IpcKey.FromFile(_keyFile, 0).Value);
        Assert.Equal(unchecked((int)0xff000000), IpcKey.FromFile(_keyFile, 255).Value & unchecked((int)0xff000000));
    }

    [Fact]
    public void TheStructHasTheSameLayoutInCAndCSharp()
    {
        Dictionary<string, int> c = Fields(NativeProgram.Run(Helper, "layout"));
        Assert.Equal(c["size"], Unsafe.SizeOf<TutorialSyscall>());
        Assert.Equal(c["id"], (int)Marshal.OffsetOf<TutorialSyscall>(nameof(TutorialSyscall.Id)));
        Assert.Equal(c["pid"], (int)Marshal.OffsetOf<TutorialSyscall>(nameof(TutorialSyscall.Pid)));
        Assert.Equal(c["seq"], (int)Marshal.OffsetOf<TutorialSyscall>(nameof(TutorialSyscall.Seq)));
        Assert.Equal(c["buf"], (int)Marshal.OffsetOf<TutorialSyscall>(nameof(TutorialSyscall.Buf)));
    }

    [Fact]
    public void CCreatesAndWrites_DotNetReads_DotNetWrites_CReadsReadOnly_CRemoves()
    {
        IpcKey key = IpcKey.FromFile(_keyFile, 1);
        try
        {
            // C: ftok, shmget(IPC_CREAT | IPC_EXCL | 0600), shmat, clear_syscall, fill, shmdt, exit.
            Dictionary<string, string> created = Strings(NativeProgram.Run(Helper, "create", _keyFile, "1", "-7", "1234567890123", "hello from C"));
            int cPid = int.Parse(created["pid"], CultureInfo.InvariantCulture);

            // .NET: the same file and project give the same key; the segment outlived its creator.
            using var segment = SharedMemorySegment.Open(key);
            Assert.Equal(int.Parse(created["shmid"], CultureInfo.InvariantCulture), segment.Id);
            Assert.Equal(Unsafe.SizeOf<TutorialSyscall>(), segment.Size);
            SharedMemoryInfo info = segment.GetInfo();
            Assert.Equal(cPid, info.CreatorProcessId);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, info.Permissions);
            Assert.Equal(0, info.AttachCount);

            using (SharedMemoryAttachment reader = segment.Attach(SharedMemoryAccess.ReadOnly))
            {
                TutorialSyscall fromC = reader.Read<TutorialSyscall>(0);
                Assert.Equal(-7, fromC.Id);
                Assert.Equal(cPid, fromC.Pid);
                Assert.Equal(1234567890123L, fromC.Seq);
                Assert.Equal("hello from C", fromC.GetText());
            }

            // .NET writes in place through a reference into the segment; C reads it with SHM_RDONLY.
            using (SharedMemoryAttachment writer = segment.Attach())
            {
                ref TutorialSyscall shared = ref writer.AsRef<TutorialSyscall>();
                shared.Id = 42;
                shared.Pid = Environment.ProcessId;
                shared.Seq = -99;
                shared.SetText("réponse de .NET");
            }

            Dictionary<string, string> read = Strings(NativeProgram.Run(Helper, "read", _keyFile, "1"));
            Assert.Equal("42", read["id"]);
            Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), read["pid"]);
            Assert.Equal("-99", read["seq"]);
            Assert.Equal("réponse de .NET", read["buf"]);

            // C: shmctl(shmid, IPC_RMID, 0). This side sees the removal.
            NativeProgram.Run(Helper, "remove", _keyFile, "1");
            var gone = Assert.Throws<IpcObjectNotFoundException>(segment.GetInfo);
            Assert.Equal(segment.Id, gone.Id);
            Assert.Throws<IpcObjectNotFoundException>(() => SharedMemorySegment.Open(key));
        }
        finally
        {
            RemoveIfPresent(key);
        }
    }

    [Fact]
    public void DotNetCreates_CReadsAndWrites_CsExclusiveCreateFailsAsTheTutorialSays()
    {
        IpcKey key = IpcKey.FromFile(_keyFile, 255);
        using var segment = SharedMemorySegment.Create(key, Unsafe.SizeOf<TutorialSyscall>(), options: new() { RemoveOnDispose = true });
        using SharedMemoryAttachment attachment = segment.Attach();
        attachment.Write(0, TutorialSyscall.Create(5, Environment.ProcessId, 1, "from .NET, project 255"));

        Dictionary<string, string> read = Strings(NativeProgram.Run(Helper, "read", _keyFile, "255"));
        Assert.Equal("5", read["id"]);
        Assert.Equal("from .NET, project 255", read["buf"]);

        Dictionary<string, string> written = Strings(NativeProgram.Run(Helper, "write", _keyFile, "255", "127", "77", "C was here"));
        TutorialSyscall fromC = attachment.Read<TutorialSyscall>(0);
        Assert.Equal(127, fromC.Id);
        Assert.Equal(int.Parse(written["pid"], CultureInfo.InvariantCulture), fromC.Pid);
        Assert.Equal(77, fromC.Seq);
        Assert.Equal("C was here", fromC.GetText());
        Assert.Equal(int.Parse(written["pid"], CultureInfo.InvariantCulture), segment.GetInfo().LastProcessId);

        // "The creation could fail ... if the shared memory has already been allocated".
        using RemoteProcess c = NativeProgram.Start(Helper, "create", _keyFile, "255", "0", "0", "again");
        c.AssertExit(1, TimeSpan.FromSeconds(30));
        Assert.Contains("*** allocate failed *** errno 17", c.StandardError, StringComparison.Ordinal);
    }

    protected override void Dispose(bool disposing)
    {
        try
        {
            base.Dispose(disposing);
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static void RemoveIfPresent(IpcKey key)
    {
        foreach (SharedMemoryInfo row in IpcSystem.ListSharedMemory().Where(s => s.Key == key))
        {
            SharedMemorySegment.TryRemove(row.Id);
        }
    }

    private static Dictionary<string, string> Strings(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .ToDictionary(parts => parts[0], parts => parts[1]);

    private static Dictionary<string, int> Fields(string output) =>
        Strings(output).ToDictionary(p => p.Key, p => int.Parse(p.Value, CultureInfo.InvariantCulture));
}
