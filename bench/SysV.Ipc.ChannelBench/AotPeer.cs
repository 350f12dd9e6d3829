using System.Runtime.InteropServices;

namespace SysV.Ipc.ChannelBench;

/// <summary>
/// Publishes bench/SysV.Ipc.ChannelBench.Aot (the channel roles, compiled ahead of time) into a temporary
/// directory with its own artifacts path, so the repository's bin and obj stay as the harness's build left them.
/// </summary>
internal static class AotPeer
{
    private static readonly string s_directory = Path.Combine(Path.GetTempPath(), $"channelbench-aot-{Environment.ProcessId}");

    /// <summary>Publishes the peer; returns its executable.</summary>
    public static string Publish(string docs)
    {
        string root = Path.GetDirectoryName(Path.GetFullPath(docs))!;
        string project = Path.Combine(root, "bench", "SysV.Ipc.ChannelBench.Aot");
        string rid = "linux-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        string output = Path.Combine(s_directory, "bin");
        Console.WriteLine($"publishing {project} with Native AOT ({rid}) ...");
        using ChildProcess publish = ChildProcess.Program(
            "dotnet", "publish", project, "-c", "Release", "-r", rid, "-nologo", "-v", "quiet",
            "--artifacts-path", Path.Combine(s_directory, "artifacts"), "-o", output);
        publish.WaitForSuccess(TimeSpan.FromMinutes(15));
        string binary = Path.Combine(output, "SysV.Ipc.ChannelBench.Aot");
        return File.Exists(binary) ? binary : throw new InvalidOperationException($"dotnet publish left no {binary}.");
    }

    public static void Cleanup()
    {
        if (Directory.Exists(s_directory))
        {
            Directory.Delete(s_directory, recursive: true);
        }
    }
}
