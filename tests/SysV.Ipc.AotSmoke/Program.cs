using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using SysV.Ipc;
using SysV.Ipc.AotSmoke;

// Modes: (none) runs every scenario and prints "ok <name>" for each; "describe" prints the layout texts;
// "child-struct ID MUTEXID" and "child-writer SEGMENTID COUNT" are the second processes of two scenarios.
// SYSVIPC_SMOKE_EMULATOR (e.g. "qemu-aarch64-static -L /usr/aarch64-linux-gnu") starts those under an emulator.
try
{
    return args switch
    {
        ["describe"] => Describe(),
        ["child-struct", string structId, string mutexId] => Scenarios.StructChild(Parse(structId), Parse(mutexId)),
        ["child-writer", string segmentId, string count] => Scenarios.ChannelChild(Parse(segmentId), Parse(count)),
        [] => Scenarios.RunAll(),
        _ => Usage(),
    };
}
catch (Exception e)
{
    Console.Error.WriteLine($"FAILED: {e}");
    return 1;
}

static int Describe()
{
    Console.WriteLine("Outer " + SharedStruct<Outer>.LayoutDescription);
    Console.WriteLine("Explicit " + SharedStruct<Explicit>.LayoutDescription);
    try
    {
        Console.WriteLine("Unkept " + SharedStruct<Unkept>.LayoutDescription);
    }
    catch (NotSupportedException e)
    {
        Console.WriteLine("Unkept refused: " + e.Message);
    }

    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: SysV.Ipc.AotSmoke [describe | child-struct ID MUTEXID | child-writer SEGMENTID COUNT]");
    return 2;
}

static int Parse(string text) => int.Parse(text, CultureInfo.InvariantCulture);

/// <summary>The scenarios; each throws on the first wrong result.</summary>
internal static class Scenarios
{
    private const int StructIncrements = 2000;

    public static int RunAll()
    {
        Keys();
        SharedMemory();
        MessageQueues();
        Semaphores();
        StructAcrossProcesses();
        ChannelAcrossProcesses();
        return 0;
    }

    private static void Keys()
    {
        string path = Path.GetTempFileName();
        try
        {
            IpcKey key = IpcKey.FromFile(path, 7);
            Check(IpcKey.Parse(key.ToString()) == key, $"Parse(ToString()) of {key}");
            var missing = Throws<FileNotFoundException>(() => IpcKey.FromFile(path + ".missing", 7));
            Check(missing.Message.Contains(path + ".missing", StringComparison.Ordinal), "the missing file is named: " + missing.Message);
        }
        finally
        {
            File.Delete(path);
        }

        Console.WriteLine("ok keys");
    }

    private static void SharedMemory()
    {
        using var segment = SharedMemorySegment.Create(IpcKey.Private, 4096, options: new() { RemoveOnDispose = true });
        using (SharedMemoryAttachment writable = segment.Attach())
        using (SharedMemoryAttachment readOnly = segment.Attach(SharedMemoryAccess.ReadOnly))
        {
            writable.Write(8, 0x1122334455667788L);
            Check(readOnly.Read<long>(8) == 0x1122334455667788L, "a read-only attachment sees the write");
            Throws<InvalidOperationException>(() => readOnly.Write(8, 1L));
            Check(IpcSystem.ListAll().Any(o => o.Kind == IpcObjectKind.SharedMemory && o.Id == segment.Id), "ListAll lists the segment");
        }

        SharedMemoryAttachment disposed = segment.Attach();
        disposed.Dispose();
        Throws<ObjectDisposedException>(() => disposed.Read<long>(0));
        Console.WriteLine("ok shared-memory");
    }

    private static void MessageQueues()
    {
        using var queue = MessageQueue.Create(IpcKey.Private);
        queue.RemoveOnDispose = true;
        queue.Send(long.MaxValue, "hello"u8);
        var buffer = new byte[16];
        int length = queue.Receive(buffer, out long type);
        Check(type == long.MaxValue && buffer.AsSpan(0, length).SequenceEqual("hello"u8), "the message comes back with its type");

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Throws<OperationCanceledException>(() => queue.ReceiveAsync(MessageSelector.Any, cancel.Token).AsTask().GetAwaiter().GetResult());
        queue.Send(3, "after"u8);
        ReceivedMessage received = queue.ReceiveAsync(MessageSelector.OfType(3)).AsTask().GetAwaiter().GetResult();
        Check(received.Type == 3 && received.Body.AsSpan().SequenceEqual("after"u8), "ReceiveAsync after a cancelled one");
        Throws<IpcObjectNotFoundException>(() => MessageQueue.OpenById(queue.Id + 1_000_000));
        Console.WriteLine("ok message-queues");
    }

    private static void Semaphores()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 2, [1, 0], options: new() { RemoveOnDispose = true });
        set.Wait(0);
        set.Release(1, 2);
        Check(set.GetValue(0) == 0 && set.GetValue(1) == 2, "values after wait and release");
        Check(set.TryWait(1, TimeSpan.Zero, count: 2), "TryWait takes 2");
        Check(!set.TryWait(1, TimeSpan.FromMilliseconds(50)), "TryWait times out on zero");
        Console.WriteLine("ok semaphores");
    }

    /// <summary>This process and a second one increment a counter in a SharedStruct under an IpcMutex.</summary>
    private static void StructAcrossProcesses()
    {
        using var shared = SharedStruct<Outer>.Create(IpcKey.Private, Outer.Initialize, options: new() { RemoveOnDispose = true });
        using var mutex = IpcMutex.Create(IpcKey.Private, options: new() { RemoveOnDispose = true });

        using Process child = StartSelf("child-struct", shared.Id.ToString(CultureInfo.InvariantCulture), mutex.Semaphores.Id.ToString(CultureInfo.InvariantCulture));
        Increment(shared, mutex);
        WaitForSuccess(child);
        Check(shared.Value.Counter == 2 * StructIncrements, $"counter is {shared.Value.Counter}, not {2 * StructIncrements}");
        Console.WriteLine("ok shared-struct");
    }

    public static int StructChild(int structId, int mutexSetId)
    {
        using var shared = SharedStruct<Outer>.OpenById(structId);
        using var mutex = IpcMutex.OpenById(mutexSetId);
        Check(Outer.IsInitialized(in shared.Value), "the child sees the initialized struct");
        Increment(shared, mutex);
        return 0;
    }

    private static void Increment(SharedStruct<Outer> shared, IpcMutex mutex)
    {
        for (int i = 0; i < StructIncrements; i++)
        {
            using IpcMutexScope scope = mutex.Acquire(TimeSpan.FromSeconds(30));
            shared.Value.Counter++;
        }
    }

    /// <summary>A second process writes messages of many sizes; this one reads them through the System.Threading.Channels adapter.</summary>
    private static void ChannelAcrossProcesses()
    {
        const int count = 3000;
        using var channel = SharedMemoryChannel.Create(IpcKey.Private, 64 * 1024, new() { RemoveOnDispose = true });
        using SharedMemoryChannelReader reader = channel.OpenReader();
        using Process child = StartSelf("child-writer", channel.Id.ToString(CultureInfo.InvariantCulture), count.ToString(CultureInfo.InvariantCulture));
        int next = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            foreach (byte[] message in reader.AsChannelReader().ReadAllAsync(timeout.Token).ToBlockingEnumerable())
            {
                Check(message.AsSpan().SequenceEqual(Message(next)), $"message {next} arrives intact and in order");
                next++;
            }
        }
        catch (Exception e) when (child.WaitForExit(TimeSpan.FromSeconds(5)))
        {
            // Say what became of the writer, so a failure names both sides.
            throw new InvalidOperationException($"Reading failed after {next} of {count} messages; the writer exited with {child.ExitCode}: {child.StandardError.ReadToEnd()}", e);
        }

        Check(next == count, $"{next} messages arrived, not {count}");
        WaitForSuccess(child);
        Console.WriteLine("ok channel");
    }

    public static int ChannelChild(int segmentId, int count)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenById(segmentId);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        for (int i = 0; i < count; i++)
        {
            writer.Write(Message(i), TimeSpan.FromSeconds(30));
        }

        writer.Complete();
        return 0;
    }

    /// <summary>Message i: its number, then i * 7 % 5000 bytes of a pattern, then an FNV-1a hash of all before it.</summary>
    private static byte[] Message(int i)
    {
        var message = new byte[4 + (i * 7 % 5000) + 4];
        BinaryPrimitives.WriteInt32LittleEndian(message, i);
        for (int j = 4; j < message.Length - 4; j++)
        {
            message[j] = (byte)(i + j);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(message.Length - 4), Fnv1a(message.AsSpan(0, message.Length - 4)));
        return message;
    }

    private static uint Fnv1a(ReadOnlySpan<byte> bytes)
    {
        uint hash = 2166136261;
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * 16777619;
        }

        return hash;
    }

    private static Process StartSelf(params string[] arguments)
    {
        string executable = Environment.ProcessPath ?? throw new InvalidOperationException("The path of the running program is unknown.");
        var info = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardError = true };

        // Under an emulator (qemu-aarch64-static -L SYSROOT, with no binfmt_misc registration to start a
        // foreign executable by itself), the second process runs under the same emulator.
        string[] emulator = (Environment.GetEnvironmentVariable("SYSVIPC_SMOKE_EMULATOR") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (emulator.Length > 0)
        {
            info.FileName = emulator[0];
            foreach (string part in emulator[1..])
            {
                info.ArgumentList.Add(part);
            }

            info.ArgumentList.Add(executable);
        }
        else if (Path.GetFileNameWithoutExtension(executable) == "dotnet")
        {
            info.ArgumentList.Add(Environment.GetCommandLineArgs()[0]); // run on the JIT: the entry assembly's path
        }

        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("Could not start " + executable);
    }

    private static void WaitForSuccess(Process child)
    {
        Task<string> error = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            child.Kill();
            throw new TimeoutException("The child process did not finish in 60 s.");
        }

        child.WaitForExit();
        Check(child.ExitCode == 0, $"the child exited with {child.ExitCode}: {error.Result}");
    }

    private static T Throws<T>(Action action)
        where T : Exception
    {
        try
        {
            action();
        }
        catch (T expected)
        {
            return expected;
        }

        throw new InvalidOperationException($"Expected {typeof(T).Name}, nothing was thrown.");
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Check failed: " + what);
        }
    }
}
