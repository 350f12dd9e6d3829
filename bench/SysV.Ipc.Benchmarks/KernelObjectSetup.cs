namespace SysV.Ipc.Benchmarks;

/// <summary>Global setup that never leaks: if creating the kernel objects fails halfway, what was made is removed.</summary>
public static class KernelObjectSetup
{
    /// <summary>Runs <paramref name="setup"/>; if it throws, runs <paramref name="cleanup"/> (which must accept a half-built state) and rethrows.</summary>
    public static void Run(Action setup, Action cleanup)
    {
        try
        {
            setup();
        }
        catch
        {
            cleanup();
            throw;
        }
    }
}
