using System.Globalization;
using System.Runtime.CompilerServices;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Semaphores;

/// <summary>
/// SemaphoreOperation spans are handed to semop as <c>struct sembuf</c> arrays, and the flag values are
/// passed through unchanged: gcc checks both against the C headers.
/// </summary>
public sealed class SemaphoreAbiTests
{
    [Fact]
    public void SemaphoreOperationAndFlags_MatchTheCHeaders()
    {
        var op = new SemaphoreOperation(1, 2, SemaphoreOperationFlags.Undo);
        string source = string.Create(CultureInfo.InvariantCulture, $$"""
            #include <stddef.h>
            #include <sys/ipc.h>
            #include <sys/sem.h>
            _Static_assert(sizeof(struct sembuf) == {{Unsafe.SizeOf<SemaphoreOperation>()}}, "sizeof sembuf");
            _Static_assert(offsetof(struct sembuf, sem_num) == 0, "sem_num");
            _Static_assert(offsetof(struct sembuf, sem_op) == 2, "sem_op");
            _Static_assert(offsetof(struct sembuf, sem_flg) == 4, "sem_flg");
            _Static_assert(IPC_NOWAIT == {{(int)SemaphoreOperationFlags.NoWait}}, "IPC_NOWAIT");
            _Static_assert(SEM_UNDO == {{(int)SemaphoreOperationFlags.Undo}}, "SEM_UNDO");
            _Static_assert(GETPID == {{Interop.Libc.GETPID}} && GETVAL == {{Interop.Libc.GETVAL}} && GETALL == {{Interop.Libc.GETALL}}, "get commands");
            _Static_assert(GETNCNT == {{Interop.Libc.GETNCNT}} && GETZCNT == {{Interop.Libc.GETZCNT}}, "count commands");
            _Static_assert(SETVAL == {{Interop.Libc.SETVAL}} && SETALL == {{Interop.Libc.SETALL}}, "set commands");
            """);
        string directory = Directory.CreateTempSubdirectory("sysvipc-sem-abi-").FullName;
        try
        {
            string path = Path.Combine(directory, "sembuf.c");
            File.WriteAllText(path, source);
            (int exitCode, string output) = NativeProgram.CompileOnly("gcc", path, Path.Combine(directory, "sembuf.o"));
            Assert.True(exitCode == 0, "gcc rejected the layout:\n" + output + "\n" + source);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        // And the managed side reads its fields where sembuf has them.
        Interop.Sembuf raw = Unsafe.As<SemaphoreOperation, Interop.Sembuf>(ref op);
        Assert.Equal((1, 2, 0x1000), (raw.sem_num, raw.sem_op, raw.sem_flg));
    }
}
