namespace SysV.Ipc.Tests.Adversarial;

/// <summary>What the adversarial tests share: how long they run, and the values that break code.</summary>
internal static class Adversity
{
    /// <summary>SYSVIPC_STRESS=1 runs every adversarial test for minutes instead of seconds.</summary>
    public static bool Stress => Environment.GetEnvironmentVariable("SYSVIPC_STRESS") == "1";

    /// <summary>
    /// The "interesting" values for a field: boundaries, signs, sizes one step off, and the values that
    /// are valid somewhere else in the header.
    /// </summary>
    public static IEnumerable<long> Interesting(long dataSize, long segmentSize)
    {
        long[] fixedValues =
        [
            0, 1, -1, 2, 3, 4, 7, 8, 63, 64, 65, 255, 256, 4095, 4096, 4097, 65535, 65536, 65537,
            int.MaxValue, int.MinValue, (long)int.MaxValue + 1, uint.MaxValue, long.MaxValue, long.MinValue,
            0x5443555254534853, // the area magic, where it does not belong
        ];
        foreach (long value in fixedValues)
        {
            yield return value;
        }

        foreach (long size in new[] { dataSize, segmentSize, 64 + dataSize })
        {
            yield return size - 8;
            yield return size - 1;
            yield return size;
            yield return size + 1;
            yield return size + 8;
        }
    }
}
