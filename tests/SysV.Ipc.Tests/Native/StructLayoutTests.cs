using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using SysV.Ipc.Interop;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Native;

/// <summary>
/// The native layer's structs and constants against the C headers (as Tmds.LibC does): a generated C file
/// asserts, for every field declared in C#, its offset, its size and its signedness, the size of every struct,
/// and the value of every constant, and gcc must compile it. x64 with gcc, arm64 with aarch64-linux-gnu-gcc.
/// </summary>
public sealed class StructLayoutTests
{
    private const string CrossCompiler = "aarch64-linux-gnu-gcc";
    private const string CrossHint = "Debian package gcc-aarch64-linux-gnu; eng/install-prerequisites.sh installs it";

    private static readonly Architecture[] s_both = [Architecture.X64, Architecture.Arm64];

    /// <summary>Every struct of the native layer, with its C name and the ABIs it describes.</summary>
    private static readonly NativeStruct[] s_structs =
    [
        new(typeof(IpcPerm), "ipc_perm", s_both),
        new(typeof(ShmidDs), "shmid_ds", s_both),
        new(typeof(MsqidDs), "msqid_ds", s_both),
        new(typeof(SemidDsX64), "semid_ds", [Architecture.X64]),
        new(typeof(SemidDsArm64), "semid_ds", [Architecture.Arm64]),
        new(typeof(Sembuf), "sembuf", s_both),
        new(typeof(Timespec), "timespec", s_both),
        new(typeof(ShmInfoLimits), "shminfo", s_both),
        new(typeof(ShmInfoUsage), "shm_info", s_both),
        new(typeof(MsgInfo), "msginfo", s_both),
        new(typeof(SemInfo), "seminfo", s_both),
        new(typeof(FutexWaitv), "futex_waitv", s_both),
    ];

    private static readonly string[] s_headers =
    [
        "stddef.h", "errno.h", "time.h", "signal.h", "unistd.h", "sys/types.h", "sys/ipc.h", "sys/shm.h",
        "sys/msg.h", "sys/sem.h", "sys/mman.h", "sys/syscall.h", "linux/futex.h", "linux/membarrier.h",
    ];

    [Fact]
    public void EveryStructOfTheNativeLayerIsDescribedHere()
    {
        Type[] declared = [.. typeof(Libc).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(Libc).Namespace && t.IsValueType && !t.IsEnum && !t.IsNested
                && t.GetCustomAttribute<CompilerGeneratedAttribute>() is null)];
        Type[] missing = [.. declared.Except(s_structs.Select(s => s.Type))];
        Assert.True(missing.Length == 0,
            "Structs in SysV.Ipc.Interop without a C counterpart in StructLayoutTests.s_structs (add them): " + string.Join(", ", missing.Select(t => t.Name)));
        Assert.NotEmpty(Constants());
    }

    [Fact]
    public void X64LayoutsAndConstantsMatchTheHeaders()
    {
        string source = Generate(Architecture.X64);
        AssertCompiles("gcc", source);
    }

    [RequiresProgramFact(CrossCompiler, CrossHint)]
    public void Arm64LayoutsAndConstantsMatchTheHeaders()
    {
        string source = Generate(Architecture.Arm64);
        AssertCompiles(CrossCompiler, source);
    }

    [Fact]
    public void TheGeneratedCheckCatchesAWrongOffsetSizeOrConstant()
    {
        // The same generator with one deliberate mistake each: gcc must refuse, naming what is wrong.
        AssertRejected(Generate(Architecture.X64, offsetDelta: ("shmid_ds", "shm_segsz", 8)), "shmid_ds.shm_segsz offset");
        AssertRejected(Generate(Architecture.X64, offsetDelta: ("ipc_perm", "mode", -4)), "ipc_perm.mode offset");
        AssertRejected(Generate(Architecture.X64, sizeDelta: ("msqid_ds", 8)), "sizeof(struct msqid_ds)");
        AssertRejected(Generate(Architecture.X64, constantDelta: ("IPC_EXCL", 1)), "IPC_EXCL");

        // And the arm64 semid_ds is not the x64 one: checking it against x64 headers must fail.
        string wrongAbi = Generate(Architecture.X64).Replace("/* semid_ds: SemidDsX64 */", Block(s_structs.Single(s => s.Type == typeof(SemidDsArm64)), default, default), StringComparison.Ordinal);
        AssertRejected(wrongAbi, "semid_ds.sem_ctime offset");
    }

    [Fact]
    public void SysFutexIsDescribedForBothArchitectures()
    {
        Assert.Equal(202, Libc.SysFutexFor(Architecture.X64));
        Assert.Equal(98, Libc.SysFutexFor(Architecture.Arm64));
        Assert.Equal(Libc.SysFutexFor(RuntimeInformation.ProcessArchitecture), Libc.SYS_futex);
    }

    private static void AssertCompiles(string compiler, string source)
    {
        (int exitCode, string output) = Compile(compiler, source);
        Assert.True(exitCode == 0, $"{compiler} rejected the layout check:\n{output}\n--- source ---\n{source}");
    }

    private static void AssertRejected(string source, string expectedMessage)
    {
        (int exitCode, string output) = Compile("gcc", source);
        Assert.NotEqual(0, exitCode);
        Assert.Contains(expectedMessage, output, StringComparison.Ordinal);
    }

    private static (int ExitCode, string Output) Compile(string compiler, string source)
    {
        string directory = Directory.CreateTempSubdirectory("sysvipc-layout-").FullName;
        try
        {
            string path = Path.Combine(directory, "layout.c");
            File.WriteAllText(path, source);
            return NativeProgram.CompileOnly(compiler, path, Path.Combine(directory, "layout.o"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Generate(
        Architecture architecture,
        (string Struct, string Field, int Delta) offsetDelta = default,
        (string Struct, int Delta) sizeDelta = default,
        (string Name, long Delta) constantDelta = default)
    {
        var c = new StringBuilder();
        c.AppendLine("#define _GNU_SOURCE");
        foreach (string header in s_headers)
        {
            c.Append("#include <").Append(header).AppendLine(">");
        }

        c.AppendLine("#define SIGNED(e) ((__typeof__(e))-1 < 0)");
        foreach (NativeStruct s in s_structs)
        {
            c.Append("/* ").Append(s.CName).Append(": ").Append(s.Type.Name).AppendLine(" */");
            if (s.Architectures.Contains(architecture))
            {
                c.Append(Block(s, offsetDelta, sizeDelta));
            }
        }

        foreach ((string name, long value) in Constants())
        {
            long expected = value + (name == constantDelta.Name ? constantDelta.Delta : 0);
            c.Append(CultureInfo.InvariantCulture, $"_Static_assert({name} == {expected}L, \"{name} == {value}\");\n");
        }

        c.Append(CultureInfo.InvariantCulture, $"_Static_assert(SYS_futex == {Libc.SysFutexFor(architecture)}, \"SYS_futex\");\n");
        c.Append(CultureInfo.InvariantCulture, $"_Static_assert(SYS_membarrier == {Libc.SysMembarrierFor(architecture)}, \"SYS_membarrier\");\n");
        c.Append(CultureInfo.InvariantCulture, $"_Static_assert(SYS_futex_waitv == {Libc.SysFutexWaitvFor(architecture)}, \"SYS_futex_waitv\");\n");
        return c.ToString();
    }

    private static string Block(NativeStruct s, (string Struct, string Field, int Delta) offsetDelta, (string Struct, int Delta) sizeDelta)
    {
        var c = new StringBuilder();
        string type = "struct " + s.CName;
        int size = ManagedSize(s.Type) + (sizeDelta.Struct == s.CName ? sizeDelta.Delta : 0);
        c.Append(CultureInfo.InvariantCulture, $"_Static_assert(sizeof({type}) == {size}, \"sizeof({type}) == {size}\");\n");
        foreach (FieldInfo field in s.Type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            int offset = Offset(s.Type, field) + (offsetDelta.Struct == s.CName && offsetDelta.Field == field.Name ? offsetDelta.Delta : 0);
            int fieldSize = ManagedSize(field.FieldType);
            string member = $"(({type}*)0)->{field.Name}";
            c.Append(CultureInfo.InvariantCulture, $"_Static_assert(offsetof({type}, {field.Name}) == {offset}, \"{s.CName}.{field.Name} offset {offset}\");\n");
            c.Append(CultureInfo.InvariantCulture, $"_Static_assert(sizeof({member}) == {fieldSize}, \"{s.CName}.{field.Name} size {fieldSize}\");\n");
            if (IsSigned(field.FieldType) is bool signed)
            {
                c.Append(CultureInfo.InvariantCulture, $"_Static_assert(SIGNED({member}) == {(signed ? 1 : 0)}, \"{s.CName}.{field.Name} is {(signed ? "signed" : "unsigned")}\");\n");
            }
        }

        return c.ToString();
    }

    /// <summary>sizeof(T) as the runtime lays T out (what a pointer to it covers).</summary>
    private static int ManagedSize(Type type) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;

    /// <summary>The offset the C# code declares: the FieldOffset attribute, or the sequential layout's.</summary>
    private static int Offset(Type type, FieldInfo field) =>
        field.GetCustomAttribute<FieldOffsetAttribute>()?.Value ?? (int)Marshal.OffsetOf(type, field.Name);

    private static bool? IsSigned(Type type) => Type.GetTypeCode(type) switch
    {
        TypeCode.SByte or TypeCode.Int16 or TypeCode.Int32 or TypeCode.Int64 => true,
        TypeCode.Byte or TypeCode.UInt16 or TypeCode.UInt32 or TypeCode.UInt64 => false,
        _ when type == typeof(nint) => true,
        _ when type == typeof(nuint) => false,
        _ => null,
    };

    /// <summary>Every numeric const of the Libc and Errno classes, by its C name.</summary>
    private static List<(string Name, long Value)> Constants() =>
        [.. new[] { typeof(Libc), typeof(Errno) }
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            .Where(f => f.IsLiteral && f.FieldType != typeof(string))
            .Select(f => (f.Name, Convert.ToInt64(f.GetRawConstantValue(), CultureInfo.InvariantCulture)))];

    private sealed record NativeStruct(Type Type, string CName, Architecture[] Architectures);
}
