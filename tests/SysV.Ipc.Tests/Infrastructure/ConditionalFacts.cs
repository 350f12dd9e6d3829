namespace SysV.Ipc.Tests.Infrastructure;

/// <summary>A fact that is skipped, with the reason shown, when a program is not on PATH.</summary>
public sealed class RequiresProgramFactAttribute : Xunit.FactAttribute
{
    public RequiresProgramFactAttribute(string program, string installHint)
    {
        if (!ProgramLocator.Exists(program))
        {
            Skip = $"{program} is not installed ({installHint}).";
        }
    }
}

/// <summary>A fact that needs root (to switch users or make an IPC namespace); skipped otherwise, with the reason.</summary>
public sealed class RequiresRootFactAttribute : Xunit.FactAttribute
{
    public RequiresRootFactAttribute()
    {
        if (Interop.Libc.geteuid() != 0)
        {
            Skip = "needs root: it runs a child as another user or in a new IPC namespace.";
        }
    }
}

public static class ProgramLocator
{
    public static bool Exists(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, program)));
}
