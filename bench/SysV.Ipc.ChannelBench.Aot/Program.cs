using SysV.Ipc.ChannelBench;

// The channel roles of bench/SysV.Ipc.ChannelBench, for its Native AOT rows: --child ROLE ARGS.
if (args.Length >= 2 && args[0] == "--child" && ChannelRoles.Run(args[1], args[2..]))
{
    return 0;
}

Console.Error.WriteLine("usage: SysV.Ipc.ChannelBench.Aot --child channel-throughput|channel-pingpong|channel-consume|channel-pong ARGS (started by bench/SysV.Ipc.ChannelBench)");
return 2;
