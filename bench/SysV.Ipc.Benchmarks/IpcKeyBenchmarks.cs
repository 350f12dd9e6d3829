using System.Globalization;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using SysV.Ipc.Interop;

namespace SysV.Ipc.Benchmarks;

/// <summary>
/// <see cref="IpcKey.FromFile"/> (argument checks, then glibc's ftok, then errno to an exception) against
/// the raw ftok binding; <see cref="IpcKey.Parse"/> against parsing the same hexadecimal digits with
/// <see cref="uint.Parse(string, NumberStyles, IFormatProvider)"/>. No kernel objects: ftok only stats a file.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class IpcKeyBenchmarks
{
    private const string HexKey = "0x1a2b3c4d";
    private const string HexDigits = "1a2b3c4d";

    private string? _path;

    [GlobalSetup]
    public void GlobalSetup() => KernelObjectSetup.Run(() => _path = Path.GetTempFileName(), GlobalCleanup);

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        if (_path is not null)
        {
            File.Delete(_path);
            _path = null;
        }
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("FromFile")]
    public int RawFtok()
    {
        int key = Libc.ftok(_path!, 1);
        return key != -1 ? key : throw new InvalidOperationException($"ftok failed with errno {Marshal.GetLastPInvokeError()}");
    }

    [Benchmark]
    [BenchmarkCategory("FromFile")]
    public int FromFile() => IpcKey.FromFile(_path!, 1).Value;

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Parse")]
    public int UIntParseHex() => unchecked((int)uint.Parse(HexDigits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));

    [Benchmark]
    [BenchmarkCategory("Parse")]
    public int Parse() => IpcKey.Parse(HexKey).Value;
}
