using System.Globalization;
using SysV.Ipc.NatsBench;

// Bridge throughput and added latency, queue to queue across two IPC namespaces through one local
// nats-server, against NATS.Net publishing to and consuming from JetStream directly, in the same run.
// Roles (run by the harness as child processes): send, receive (queues, inside a namespace), publish,
// consume (NATS.Net, the direct baseline).
try
{
    return args.Length > 0 && Roles.IsRole(args[0]) ? await Roles.RunAsync(args) : await Harness.RunAsync(HarnessOptions.Parse(args));
}
catch (UsageException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("usage: SysV.Ipc.NatsBench [--count N] [--sizes 64,8192] [--repeats R] [--latency-count N] [--latency-interval-us US]");
    return 2;
}

internal sealed class UsageException(string message) : Exception(message);

internal sealed record HarnessOptions(int Count, int[] Sizes, int Repeats, int LatencyCount, int LatencyIntervalMicroseconds)
{
    public static HarnessOptions Parse(string[] args)
    {
        int count = 20_000, repeats = 3, latencyCount = 2000, interval = 1000;
        int[] sizes = [64, 8192];
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new UsageException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--count": count = Positive(value, args[i]); break;
                case "--repeats": repeats = Positive(value, args[i]); break;
                case "--latency-count": latencyCount = Positive(value, args[i]); break;
                case "--latency-interval-us": interval = Positive(value, args[i]); break;
                case "--sizes": sizes = [.. value.Split(',').Select(s => Positive(s, "--sizes"))]; break;
                default: throw new UsageException($"unknown option {args[i]}");
            }

            i++;
        }

        if (sizes.Any(s => s < Stamp.Size || s > 8192))
        {
            throw new UsageException($"--sizes: each size must be {Stamp.Size} to 8192 bytes (a queue message of a new namespace's MSGMAX)");
        }

        return new HarnessOptions(count, sizes, repeats, latencyCount, interval);
    }

    private static int Positive(string text, string option) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new UsageException($"{option}: '{text}' is not a positive whole number");
}
