using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SysV.Ipc.Tests.Cli;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.LibSysvIpc;

#pragma warning disable CA1815, CA1051 // test structs: public fields are the point

public struct CdeclPrice
{
    public long Units;
    public int Nanos;
}

[InlineArray(3)]
public struct CdeclThreePrices
{
    private CdeclPrice _element;
}

[StructLayout(LayoutKind.Explicit, Size = 16)]
public struct CdeclUnion
{
    [FieldOffset(0)] public long AsLong;
    [FieldOffset(0)] public double AsDouble;
    [FieldOffset(8)] public int Tag;
}

[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct CdeclPacked
{
    public byte A;
    public long B;
}

/// <summary>Every kind of field cdecl writes: primitives, a nested struct, a fixed buffer, an inline array of structs, bool, char, a union, a packed struct.</summary>
public unsafe struct CdeclOrder
{
    public byte Kind;
    public CdeclPrice Price;
    public fixed byte Symbol[12];
    public CdeclThreePrices History;
    public bool Open;
    public char Side;
    public double Weight;
    public CdeclUnion Extra;
    public CdeclPacked Packed;
    public int Last;
}

#pragma warning restore CA1815, CA1051

/// <summary>
/// <c>sysvipc cdecl</c>: the header it writes compiles with gcc for x86_64 and aarch64 (every size and
/// offset a _Static_assert), and a C program using it with libsysvipc opens a .NET-created
/// SharedStruct&lt;CdeclOrder&gt;, reads what .NET wrote and writes what .NET then reads.
/// </summary>
public sealed class CdeclTests : IpcLeakGuard
{
    private const string Program = """
        #include <errno.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sysvipc/area.h>
        #include "order.h"

        int main(int argc, char **argv) {
            (void)argc;
            key_t key = (key_t)strtol(argv[1], NULL, 10);
            CdeclOrder *o;
            void *v;
            if (sysvipc_area_open(key, sizeof *o, CDECL_ORDER_LAYOUT_SIGNATURE ^ 1, 0, &v) != -EILSEQ) return 2;
            int rc = sysvipc_area_open(key, sizeof *o, CDECL_ORDER_LAYOUT_SIGNATURE, 0, &v);
            if (rc != 0) { fprintf(stderr, "%s: %s\n", sysvipc_strerror(rc), sysvipc_error_detail()); return 1; }
            o = v;
            if (o->Kind != 7 || o->Price.Units != 1234567890123LL || o->Price.Nanos != 42 || memcmp(o->Symbol, "SYSV", 4) != 0
                || o->History[2].Units != 99 || !o->Open || o->Side != 'B' || o->Weight != 0.5 || o->Extra.AsDouble != 2.25
                || o->Extra.Tag != -3 || o->Packed.A != 1 || o->Packed.B != -5 || o->Last != 77) return 3;
            o->Last = 78;
            o->History[1].Nanos = 11;
            o->Packed.B = 6;
            printf("ok %zu\n", sizeof *o);
            return sysvipc_area_close(o) == 0 ? 0 : 4;
        }
        """;

    [Fact]
    public void Header_CompilesForX64AndArm64_AndACProgramSharesTheArea()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"sysvipc-cdecl-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            string header = Path.Combine(dir, "order.h");
            CliRunner.Result cdecl = CliRunner.Run("cdecl", typeof(CdeclOrder).Assembly.Location, typeof(CdeclOrder).FullName!, "--out", header);
            Assert.True(cdecl.ExitCode == 0, cdecl.Error);
            string text = File.ReadAllText(header);
            Assert.Contains($"#define CDECL_ORDER_LAYOUT \"{SharedStruct<CdeclOrder>.LayoutDescription}\"", text, StringComparison.Ordinal);
            Assert.Contains($"UINT64_C(0x{SharedStruct<CdeclOrder>.LayoutSignature:x16})", text, StringComparison.Ordinal);
            Assert.Contains("__attribute__((packed)) CdeclOrder_Packed", text, StringComparison.Ordinal);
            Assert.Contains("union {", text, StringComparison.Ordinal);
            Assert.Contains($"sizeof(struct CdeclOrder) == {Unsafe.SizeOf<CdeclOrder>()}", text, StringComparison.Ordinal);

            string source = Path.Combine(dir, "order.c");
            File.WriteAllText(source, Program);
            string include = Path.Combine(LibSysvIpcBuild.NativeDirectory, "include");
            foreach (string compiler in new[] { "gcc", "aarch64-linux-gnu-gcc" })
            {
                if (compiler != "gcc" && !File.Exists("/usr/bin/" + compiler))
                {
                    continue; // installed by eng/install-prerequisites.sh; the x86_64 check still runs
                }

                Shell.Result compile = Shell.Run(compiler, ["-std=c11", "-Wall", "-Wextra", "-Werror", "-I", include, "-I", dir, "-c", source, "-o", Path.Combine(dir, compiler + ".o")]);
                Assert.True(compile.ExitCode == 0, $"{compiler}:\n{compile.StandardOutput}{compile.StandardError}");
            }

            string program = Path.Combine(dir, "order");
            Shell.Result link = Shell.Run("gcc", ["-std=c11", "-Wall", "-Werror", "-I", include, "-I", dir, "-o", program, source, Path.Combine(LibSysvIpcBuild.Plain, "libsysvipc.a")]);
            Assert.True(link.ExitCode == 0, link.StandardOutput + link.StandardError);

            IpcKey key = TestKeys.Unique();
            using var area = SharedStruct<CdeclOrder>.Create(key, Initialize, options: new() { RemoveOnDispose = true });
            Shell.Result run = Shell.Run(program, [key.Value.ToString(CultureInfo.InvariantCulture)]);
            Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.StandardOutput}{run.StandardError}");
            Assert.Equal($"ok {Unsafe.SizeOf<CdeclOrder>()}\n", run.StandardOutput);
            Assert.Equal(78, area.Value.Last);
            Assert.Equal(11, area.Value.History[1].Nanos);
            Assert.Equal(6, area.Value.Packed.B);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void NotAStruct_OrMissing_IsAClearError()
    {
        string assembly = typeof(CdeclOrder).Assembly.Location;
        CliRunner.Result missing = CliRunner.Run("cdecl", assembly, "NoSuchType");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("defines no type NoSuchType", missing.Error, StringComparison.Ordinal);
        CliRunner.Result notStruct = CliRunner.Run("cdecl", assembly, typeof(CdeclTests).FullName!);
        Assert.Equal(1, notStruct.ExitCode);
        Assert.Contains("is not a struct", notStruct.Error, StringComparison.Ordinal);
        CliRunner.Result noFile = CliRunner.Run("cdecl", "/nonexistent/App.dll", "X");
        Assert.Contains("no assembly at /nonexistent/App.dll", noFile.Error, StringComparison.Ordinal);
    }

    private static unsafe void Initialize(ref CdeclOrder o)
    {
        o.Kind = 7;
        o.Price = new CdeclPrice { Units = 1234567890123, Nanos = 42 };
        "SYSV"u8.CopyTo(new Span<byte>(Unsafe.AsPointer(ref o.Symbol[0]), 12));
        o.History[2].Units = 99;
        o.Open = true;
        o.Side = 'B';
        o.Weight = 0.5;
        o.Extra.AsDouble = 2.25;
        o.Extra.Tag = -3;
        o.Packed = new CdeclPacked { A = 1, B = -5 };
        o.Last = 77;
    }
}
