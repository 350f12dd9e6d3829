using System.Buffers.Binary;
using System.Diagnostics;

namespace SysV.Ipc.NatsBench;

/// <summary>
/// The first 16 bytes of every message: its sequence number and the sender's Stopwatch timestamp
/// (CLOCK_MONOTONIC, the same clock in every process and IPC namespace of the machine).
/// </summary>
internal static class Stamp
{
    public const int Size = 16;

    public static void Write(Span<byte> body, long sequence)
    {
        BinaryPrimitives.WriteInt64LittleEndian(body, sequence);
        BinaryPrimitives.WriteInt64LittleEndian(body[8..], Stopwatch.GetTimestamp());
    }

    public static (long Sequence, long Timestamp) Read(ReadOnlySpan<byte> body) =>
        (BinaryPrimitives.ReadInt64LittleEndian(body), BinaryPrimitives.ReadInt64LittleEndian(body[8..]));
}

/// <summary>What a receiving role measured: messages, first stamp to last arrival, latencies.</summary>
internal sealed record Measurement(int Count, double Seconds, double P50Microseconds, double P99Microseconds, int OutOfOrder)
{
    public double Rate => Count / Seconds;

    public string ToLine() => FormattableString.Invariant($"RESULT {Count} {Seconds:R} {P50Microseconds:R} {P99Microseconds:R} {OutOfOrder}");

    public static Measurement ParseLine(string output)
    {
        string line = output.Split('\n').LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal)) ?? throw new InvalidOperationException("no RESULT line in: " + output);
        string[] f = line.Trim().Split(' ');
        return new Measurement(int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture), double.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture), double.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture), double.Parse(f[4], System.Globalization.CultureInfo.InvariantCulture), int.Parse(f[5], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>From the arrival timestamps and the stamps in the bodies.</summary>
    public static Measurement From(long[] sent, long[] arrived, int outOfOrder)
    {
        var latencies = new double[sent.Length];
        for (int i = 0; i < sent.Length; i++)
        {
            latencies[i] = (arrived[i] - sent[i]) * 1e6 / Stopwatch.Frequency;
        }

        Array.Sort(latencies);
        double seconds = (arrived.Max() - sent.Min()) / (double)Stopwatch.Frequency;
        return new Measurement(sent.Length, seconds, Percentile(latencies, 0.50), Percentile(latencies, 0.99), outOfOrder);
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
