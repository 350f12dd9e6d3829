namespace SysV.Ipc.Tests.Infrastructure;

/// <summary>Where the repository and the outputs of projects built beside the test assembly are.</summary>
public static class RepositoryPaths
{
    /// <summary>The directory holding SysVIpc.slnx, found upwards from the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// The output of another project of the repository, built in this test assembly's configuration
    /// (the test project references it so it is built first), e.g. <c>bench/SysV.Ipc.ChannelBench</c>.
    /// </summary>
    public static string BuiltAssembly(string projectDirectory, string assemblyName)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        string framework = testOutput.Name;
        string configuration = testOutput.Parent!.Name;
        return Path.Combine(Root, projectDirectory, "bin", configuration, framework, assemblyName + ".dll");
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "SysVIpc.slnx")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException($"No SysVIpc.slnx above {AppContext.BaseDirectory}.");
    }
}
