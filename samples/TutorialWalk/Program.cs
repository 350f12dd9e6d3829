using System.Globalization;
using System.Runtime.CompilerServices;
using SysV.Ipc;
using SysV.Ipc.Samples.TutorialWalk;

// The shared-memory steps of the System V IPC tutorial, run for real with SysV.Ipc, each printed next to
// the C call it replaces. Whatever happens, everything this program created is removed before it exits.
//
//   dotnet run --project samples/TutorialWalk [-- --key-file PATH] [--fail-at STEP]
//
// --key-file: an existing file for ftok (default: a temporary file made and deleted by this program).
// --fail-at: stop with an error at a step (key, allocate, attach, write, open, read, ipcs, detach, remove)
//            to see that the cleanup still runs.
const byte Proj = 1;
string? keyFile = null;
string? failAt = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--key-file" when i + 1 < args.Length:
            keyFile = args[++i];
            break;
        case "--fail-at" when i + 1 < args.Length:
            failAt = args[++i];
            break;
        default:
            Console.Error.WriteLine("usage: TutorialWalk [--key-file PATH] [--fail-at STEP]");
            return 2;
    }
}

bool ownKeyFile = keyFile is null;
keyFile ??= Path.Combine(Path.GetTempPath(), $"sysvipc-tutorial-{Environment.ProcessId}.key");
if (ownKeyFile)
{
    File.WriteAllText(keyFile, "ftok derives the key from this file's inode and device\n");
}

SharedMemorySegment? segment = null;
SharedMemoryAttachment? writer = null;
SharedMemoryAttachment? reader = null;
try
{
    Console.WriteLine("SysV.Ipc tutorial walk: the tutorial's shared-memory steps, for real.");
    Console.WriteLine();

    Step("key", "ipckey = ftok(path_to_existing_file, PROJ);", $"IpcKey key = IpcKey.FromFile(\"{keyFile}\", {Proj});");
    IpcKey key = IpcKey.FromFile(keyFile, Proj);
    Result($"key {key}");

    int size = Unsafe.SizeOf<Syscall>();
    Step("allocate", "shmid = shmget(ipckey, sizeof(struct _syscall), IPC_CREAT | IPC_EXCL | PERMS);",
        $"var segment = SharedMemorySegment.Create(key, {size}, new() {{ Permissions = UnixFileMode.UserRead | UnixFileMode.UserWrite }});");
    try
    {
        segment = SharedMemorySegment.Create(key, size, new() { Permissions = UnixFileMode.UserRead | UnixFileMode.UserWrite });
    }
    catch (IpcObjectExistsException e)
    {
        // The tutorial's "*** allocate failed ***": perhaps a leftover of an earlier run. Not ours: leave it.
        Console.Error.WriteLine($"*** allocate failed *** {e.Message}");
        return 1;
    }

    Result($"shmid {segment.Id}, {segment.Size} bytes, mode {Octal((int)segment.GetInfo().Permissions)}");

    Step("attach", "shm_ptr = (struct _syscall *)shmat(shmid, NULL, 0); clear_syscall(shm_ptr);",
        "using var writer = segment.Attach(); ref Syscall shm = ref writer.AsRef<Syscall>(); shm.Clear();");
    writer = segment.Attach();
    ref Syscall shm = ref writer.AsRef<Syscall>();
    shm.Clear();
    Result($"attached read-write, nattch {segment.GetInfo().AttachCount}");

    Step("write", "shm_ptr->id = 1; shm_ptr->pid = getpid(); shm_ptr->seq = 1; strcpy(shm_ptr->buf, \"...\");",
        "shm.Id = 1; shm.Pid = Environment.ProcessId; shm.Seq = 1; shm.SetText(\"...\");");
    shm.Id = 1;
    shm.Pid = Environment.ProcessId;
    shm.Seq = 1;
    shm.SetText("hello through System V shared memory");
    Result($"wrote id={shm.Id} pid={shm.Pid} seq={shm.Seq} buf=\"{shm.GetText()}\"");

    Step("open", "shmid = shmget(ipckey, sizeof(struct _syscall), PERMS);", "var opened = SharedMemorySegment.Open(key);");
    using SharedMemorySegment opened = SharedMemorySegment.Open(key);
    Result($"shmid {opened.Id} (same segment: {opened.Id == segment.Id})");

    Step("read", "shm_ptr = (struct _syscall *)shmat(shmid, NULL, SHM_RDONLY); /* then shm_ptr->buf */",
        "using var reader = opened.Attach(SharedMemoryAccess.ReadOnly); Syscall copy = reader.Read<Syscall>(0);");
    reader = opened.Attach(SharedMemoryAccess.ReadOnly);
    Syscall copy = reader.Read<Syscall>(0);
    Result($"read id={copy.Id} pid={copy.Pid} seq={copy.Seq} buf=\"{copy.GetText()}\"");
    try
    {
        reader.Write(0, (sbyte)2);
    }
    catch (InvalidOperationException e)
    {
        Result($"writing through the SHM_RDONLY attachment: InvalidOperationException, no SIGSEGV ({e.Message})");
    }

    Step("ipcs", "$ ipcs -m", "IpcSystem.ListSharedMemory()");
    PrintIpcs(segment.Id);

    Step("detach", "shmdt(shm_ptr); /* the reader */", "reader.Dispose();");
    reader.Dispose();
    Result($"nattch {segment.GetInfo().AttachCount}");

    Step("remove", "shmctl(shmid, IPC_RMID, (struct shmid_ds *)0);", "segment.Remove();");
    segment.Remove();
    Result("removed while the writer is still attached: the key is free at once, the memory stays until the last detach");
    PrintIpcs(segment.Id);

    Step("detach", "shmdt(shm_ptr); /* the writer, the last one */", "writer.Dispose();");
    writer.Dispose();
    PrintIpcs(segment.Id);
    Result(IpcSystem.ListSharedMemory().Any(s => s.Id == segment.Id) ? "STILL THERE" : $"shmid {segment.Id} is gone");
    return 0;
}
catch (Exception e) when (e is IpcException or IOException or InvalidOperationException)
{
    Console.Error.WriteLine($"failed: {e.Message}");
    return 1;
}
finally
{
    // Clean up whatever the steps left, in the order C would: detach, then remove what we created.
    reader?.Dispose();
    writer?.Dispose();
    if (segment is not null && SharedMemorySegment.TryRemove(segment.Id))
    {
        Console.WriteLine($"cleanup: removed shmid {segment.Id}");
    }

    if (ownKeyFile)
    {
        File.Delete(keyFile);
    }
}

void Step(string name, string c, string dotnet)
{
    if (name == failAt)
    {
        throw new InvalidOperationException($"stopping at step '{name}' as asked (--fail-at)");
    }

    Console.WriteLine($"[{name}]");
    Console.WriteLine($"  C:    {c}");
    Console.WriteLine($"  .NET: {dotnet}");
}

static void Result(string text) => Console.WriteLine($"  ->    {text}");

static string Octal(int value) => Convert.ToString(value, 8);

// What `ipcs -m` prints for one segment (its format: key, shmid, owner, perms, bytes, nattch, status).
static void PrintIpcs(int id)
{
    SharedMemoryInfo? row = IpcSystem.ListSharedMemory().FirstOrDefault(s => s.Id == id);
    Console.WriteLine("  ipcs: key        shmid      owner      perms      bytes      nattch     status");
    if (row is null)
    {
        Console.WriteLine($"        (no segment with shmid {id})");
        return;
    }

    string status = (row.IsMarkedForRemoval ? "dest " : string.Empty) + (row.IsLocked ? "locked" : string.Empty);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"        {row.Key,-10} {row.Id,-10} {row.OwnerUserId,-10} {Octal((int)row.Permissions),-10} {row.Size,-10} {row.AttachCount,-10} {status}"));
}
