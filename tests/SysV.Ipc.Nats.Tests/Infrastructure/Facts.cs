namespace SysV.Ipc.Nats.Tests.Infrastructure;

/// <summary>A fact that needs nats-server and root (for unshare/nsenter); skipped, with the reason, otherwise.</summary>
public sealed class BridgeFactAttribute : FactAttribute
{
    public BridgeFactAttribute()
    {
        if (!NatsServer.IsInstalled)
        {
            Skip = "nats-server is not installed (bash eng/install-prerequisites.sh installs Debian's package).";
        }
        else if (Environment.UserName != "root")
        {
            Skip = "needs root: the two hosts are private IPC namespaces (unshare --ipc, nsenter).";
        }
    }
}

public static class Stress
{
    /// <summary>SYSVIPC_STRESS=1 runs the long versions (100,000 messages, 50+ kills each).</summary>
    public static bool On => Environment.GetEnvironmentVariable("SYSVIPC_STRESS") == "1";

    public static int Pick(int normal, int stress) => On ? stress : normal;
}

/// <summary>What bridge_recv printed: "received R unique U duplicates D order-errors E corrupt C".</summary>
public sealed record ReceiveReport(long Received, long Unique, long Duplicates, long OrderErrors, long Corrupt)
{
    public static ReceiveReport Parse(string output)
    {
        string[] f = output.Trim().Split('\n')[^1].Split(' ');
        Assert.True(f.Length == 10 && f[0] == "received", "unexpected bridge_recv output: " + output);
        return new ReceiveReport(long.Parse(f[1]), long.Parse(f[3]), long.Parse(f[5]), long.Parse(f[7]), long.Parse(f[9]));
    }
}
