using System.Globalization;
using SysV.Ipc.ChannelBench;
using SysV.Ipc.PingPong;

// Message-queue and semaphore ping-pong between two processes, through SysV.Ipc and in C, side by side.
//   dotnet run -c Release --project bench/SysV.Ipc.PingPong -- [--iterations N] [--warmup N] [--rounds N] [--only msg|sem|local] [--cpus A,B|none]
// (the same executable plays the child side when started with --pong). Both sides of every pair are pinned:
// this process (the library's side, and the C programs it starts) on CPU A, every partner on CPU B.
if (args.Length > 0 && args[0] == Ponger.Flag)
{
    return Ponger.Run(args[1..]);
}

var options = HarnessOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: SysV.Ipc.PingPong [--iterations N] [--warmup N] [--rounds N] [--only msg|sem|local] [--cpus A,B|none]");
    return 2;
}

try
{
    options = options with { Pinned = CpuPinning.PinPair(options.Cpus) };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

return new Harness(options, Console.Out).Run();

namespace SysV.Ipc.PingPong
{
    /// <summary>What to run: round trips per measurement, untimed warm-up round trips, interleaved rounds.</summary>
    internal sealed record HarnessOptions(long Iterations, long Warmup, int Rounds, string? Only, string? Cpus = null)
    {
        /// <summary>The CPUs the two sides run on, once pinned; null when not pinned.</summary>
        internal (int Own, int Peer)? Pinned { get; init; }

        internal static HarnessOptions? Parse(string[] args)
        {
            long iterations = 200_000, warmup = 100_000;
            int rounds = 5;
            string? only = null, cpus = null;
            for (int i = 0; i < args.Length; i++)
            {
                if (i + 1 < args.Length && args[i] == "--only" && args[i + 1] is "msg" or "sem" or "local")
                {
                    only = args[++i];
                    continue;
                }

                if (i + 1 < args.Length && args[i] == "--cpus")
                {
                    cpus = args[++i];
                    continue;
                }

                if (i + 1 >= args.Length || !long.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value <= 0)
                {
                    return null;
                }

                switch (args[i])
                {
                    case "--iterations": iterations = value; break;
                    case "--warmup": warmup = value; break;
                    case "--rounds": rounds = (int)Math.Min(value, 1000); break;
                    default: return null;
                }

                i++;
            }

            return new HarnessOptions(iterations, warmup, rounds, only, cpus);
        }
    }
}
