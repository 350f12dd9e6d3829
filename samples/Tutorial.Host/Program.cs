using SysV.Ipc.Samples.Tutorial;

// The tutorial's sample without the sysvipc tool:
//   dotnet run --project samples/Tutorial.Host -- demo
//   dotnet run --project samples/Tutorial.Host -- server PATH [--proj N]
//   dotnet run --project samples/Tutorial.Host -- client PATH [--proj N] [--verify N] [REQUEST...]
//   dotnet run --project samples/Tutorial.Host -- channel-server PATH [--proj N]   (clients: samples/c/channel_client.c)
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // let the server remove what it created before exiting
    cancellation.Cancel();
};

string verb = args.Length > 0 ? args[0] : "demo";
string[] rest = args.Length > 0 ? args[1..] : [];
return verb switch
{
    "demo" => TutorialDemo.Run(Console.Out, (role, roleArgs) => TutorialDemo.StartCurrentExecutable([role, .. roleArgs]),
        rest.Length > 0 ? new TutorialDemoOptions { KeyFile = rest[0] } : null, cancellation.Token),
    "server" => TutorialServer.Run(rest, Console.Out, Console.Error, cancellation.Token),
    "client" => TutorialClient.Run(rest, Console.Out, Console.Error, cancellation.Token),
    "channel-server" => TutorialChannelServer.Run(rest, Console.Out, Console.Error, cancellation.Token),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Tutorial.Host demo [KEYFILE]\n       Tutorial.Host " + TutorialArguments.Usage.Replace("\n", "\n       Tutorial.Host ", StringComparison.Ordinal) +
        "\n       Tutorial.Host channel-server PATH [--proj N]");
    return 1;
}
