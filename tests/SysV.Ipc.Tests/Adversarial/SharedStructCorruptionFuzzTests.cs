using System.Globalization;
using System.Runtime.InteropServices;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Adversarial;

/// <summary>
/// Every field of a SharedStruct area's header (docs/area-format.md) set to every interesting value, and
/// (under SYSVIPC_STRESS=1) random bytes on top, then opened read-write and read-only. The opening happens
/// in a child process, so a crash fails the test instead of taking the host down; every open is bounded by
/// its initialization timeout, and the child by a deadline, so a hang fails it too. Each open must succeed
/// or throw one of the documented exceptions; it must write nothing into the area, and nothing into a
/// canary segment attached next to it.
/// </summary>
public sealed class SharedStructCorruptionFuzzTests : IpcLeakGuard
{
    private const byte CanaryByte = 0xA5;

    /// <summary>(offset, width, name) of each header field, from docs/area-format.md section 2.</summary>
    private static readonly (int Offset, int Width, string Name)[] s_fields =
    [
        (0, 8, "magic"), (8, 4, "version"), (12, 4, "header_size"), (16, 8, "data_size"), (24, 8, "layout_hash"),
        (32, 4, "layout_text_offset"), (36, 4, "layout_text_length"), (40, 4, "creator_pid"), (44, 4, "state"),
        (48, 8, "creator_start_time"), (56, 8, "ready_time_ms"),
    ];

    /// <summary>Fields a valid area has exactly one value for: any other must be refused.</summary>
    private static readonly HashSet<string> s_identityFields = ["magic", "version", "header_size", "data_size", "layout_hash"];

    [StructLayout(LayoutKind.Sequential)]
    public struct Sample
    {
        public long Counter;
        public int Flags;
        public short Small;
        public byte Tiny;
    }

    [Fact]
    public void EveryHeaderField_AtEveryInterestingValue_OpensOrFailsAsDocumented_AndWritesNothing()
    {
        using var area = SharedStruct<Sample>.Create(IpcKey.Private, (ref Sample s) => s.Counter = 0x0102030405060708, options: new() { RemoveOnDispose = true });
        using var canary = SharedMemorySegment.Create(IpcKey.Private, 4096, options: new() { RemoveOnDispose = true });
        using (SharedMemoryAttachment fill = canary.Attach())
        {
            fill.Span.Fill(CanaryByte);
        }

        int randomRounds = Adversity.Stress ? 200_000 : 1_000;
        using RemoteProcess child = RemoteExecutor.Start(FuzzInChild,
            area.Id.ToString(CultureInfo.InvariantCulture), canary.Id.ToString(CultureInfo.InvariantCulture), randomRounds.ToString(CultureInfo.InvariantCulture));
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromMinutes(Adversity.Stress ? 60 : 3));
        Assert.Contains("unexpected 0", child.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void ZeroedMagic_WithAReadyState_IsRefused()
    {
        using var area = SharedStruct<Sample>.Create(IpcKey.Private, options: new() { RemoveOnDispose = true });
        using (SharedMemoryAttachment raw = SharedMemorySegment.OpenById(area.Id).Attach())
        {
            raw.Write(0, 0L);
        }

        Assert.Throws<SharedAreaFormatException>(() => SharedStruct<Sample>.OpenById(area.Id).Dispose());
        Assert.Throws<SharedAreaFormatException>(() => SharedStruct<Sample>.OpenById(area.Id, SharedMemoryAccess.ReadOnly).Dispose());
    }

    private static int FuzzInChild(string areaIdText, string canaryIdText, string roundsText)
    {
        int areaId = int.Parse(areaIdText, CultureInfo.InvariantCulture);
        using var segment = SharedMemorySegment.OpenById(areaId);
        using SharedMemoryAttachment raw = segment.Attach();
        using SharedMemoryAttachment canary = SharedMemorySegment.OpenById(int.Parse(canaryIdText, CultureInfo.InvariantCulture)).Attach(SharedMemoryAccess.ReadOnly);
        byte[] original = raw.ReadOnlySpan.ToArray();
        var options = new SharedStructOptions { InitializationTimeout = TimeSpan.FromMilliseconds(100) };
        long dataSize = Marshal.SizeOf<Sample>();
        var outcomes = new Dictionary<string, int>();
        int mutations = 0, unexpected = 0;

        void Try(string what, bool mustRefuse)
        {
            byte[] corrupted = raw.ReadOnlySpan.ToArray();
            for (int mode = 0; mode < 2; mode++)
            {
                mutations++;
                string outcome;
                try
                {
                    using SharedStruct<Sample> opened = SharedStruct<Sample>.OpenById(areaId, mode == 1 ? SharedMemoryAccess.ReadOnly : SharedMemoryAccess.ReadWrite, options);
                    long counter = opened.ReadOnlyValue.Counter; // the data must be readable when the open succeeded
                    outcome = "opened";
                    GC.KeepAlive(counter);
                }
                catch (Exception e) when (e is SharedAreaFormatException or LayoutMismatchException or TimeoutException)
                {
                    outcome = e.GetType().Name;
                }
                catch (Exception e)
                {
                    outcome = "UNEXPECTED " + e.GetType().Name;
                    unexpected++;
                    Console.WriteLine($"{what} ({(mode == 1 ? "read-only" : "read-write")}): {e}");
                }

                if (mustRefuse && outcome == "opened")
                {
                    unexpected++;
                    Console.WriteLine($"{what} ({(mode == 1 ? "read-only" : "read-write")}): a corrupt header opened as valid");
                }

                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                if (!raw.ReadOnlySpan.SequenceEqual(corrupted))
                {
                    unexpected++;
                    Console.WriteLine($"{what}: opening wrote into the area");
                }

                if (canary.ReadOnlySpan.IndexOfAnyExcept(CanaryByte) >= 0)
                {
                    unexpected++;
                    Console.WriteLine($"{what}: the canary segment next to it changed");
                    return;
                }
            }
        }

        foreach ((int offset, int width, string name) in s_fields)
        {
            foreach (long value in Adversity.Interesting(dataSize, original.Length))
            {
                original.CopyTo(raw.Span);
                Write(raw.Span, offset, width, value);
                bool changed = !raw.ReadOnlySpan.SequenceEqual(original);
                // A zeroed magic with a "ready" state is the one case still accepted on main: covered, skipped
                // until the fix lands, by ZeroedMagic_WithAReadyState_IsRefused below.
                bool zeroedMagic = name == "magic" && value == 0;
                Try($"{name} = {value}", changed && !zeroedMagic && s_identityFields.Contains(name));
            }
        }

        // Random bytes over the header and the layout text, one to eight at a time.
        var random = new Random(20261201);
        int rounds = int.Parse(roundsText, CultureInfo.InvariantCulture);
        for (int round = 0; round < rounds; round++)
        {
            original.CopyTo(raw.Span);
            int changes = random.Next(1, 9);
            for (int c = 0; c < changes; c++)
            {
                int at = random.Next(0, original.Length);
                if (!Adversity.Stress && at is >= 44 and < 48)
                {
                    continue; // a state other than "ready" costs a wait of the open timeout: the field loop covers it
                }

                raw.Span[at] = (byte)random.Next(256);
            }

            Try($"random round {round}", mustRefuse: false);
        }

        original.CopyTo(raw.Span);
        Console.WriteLine($"mutations {mutations}, unexpected {unexpected}; " + string.Join(", ", outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value}")));
        return unexpected == 0 ? RemoteExecutor.SuccessExitCode : 1;
    }

    private static void Write(Span<byte> area, int offset, int width, long value)
    {
        if (width == 8)
        {
            MemoryMarshal.Write(area[offset..], in value);
        }
        else
        {
            int narrow = unchecked((int)value);
            MemoryMarshal.Write(area[offset..], in narrow);
        }
    }
}
