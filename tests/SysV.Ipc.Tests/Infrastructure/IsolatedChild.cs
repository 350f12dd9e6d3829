using System.Diagnostics;

namespace SysV.Ipc.Tests.Infrastructure;

/// <summary>
/// Like <see cref="RemoteExecutor"/>, but the child runs as another user (setpriv) or in a fresh IPC
/// namespace (unshare --ipc): for permission errors and for limits that may only be changed where nobody
/// else can be affected. Both need root.
/// </summary>
public static class IsolatedChild
{
    /// <summary>The unprivileged user the permission tests run children as.</summary>
    public const uint NobodyId = 65534;

    /// <summary>Runs the static method as uid/gid <paramref name="userId"/> with no supplementary groups and no capabilities.</summary>
    /// <remarks>The child runs a world-readable copy of the test output (<see cref="CrossUser"/>), so a checkout the user cannot enter does not matter.</remarks>
    public static RemoteProcess StartAsUser(uint userId, Delegate method, params string[] args)
    {
        var info = method.Method;
        if (!info.IsStatic)
        {
            throw new ArgumentException("Only static methods can run in a child process.", nameof(method));
        }

        return RemoteProcess.Start(CrossUser.RemoteStartInfo(userId, info.DeclaringType!, info.Name, args), $"setpriv (uid {userId}) {info.DeclaringType!.Name}.{info.Name}");
    }

    /// <summary>Runs the static method in a new, empty IPC namespace (its objects and its /proc/sys/kernel/shm* are its own).</summary>
    public static RemoteProcess StartInNewIpcNamespace(Delegate method, params string[] args) =>
        Start(["unshare", "--ipc"], method, args);

    private static RemoteProcess Start(string[] wrapper, Delegate method, string[] args)
    {
        var info = method.Method;
        if (!info.IsStatic)
        {
            throw new ArgumentException("Only static methods can run in a child process.", nameof(method));
        }

        var psi = new ProcessStartInfo(wrapper[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string part in wrapper[1..])
        {
            psi.ArgumentList.Add(part);
        }

        psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(typeof(RemoteExecutor).Assembly.Location);
        psi.ArgumentList.Add(RemoteExecutor.RemoteFlag);
        psi.ArgumentList.Add(info.DeclaringType!.FullName!);
        psi.ArgumentList.Add(info.Name);
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        // Another user cannot write root's home; the host needs none for 'dotnet exec'.
        psi.Environment["HOME"] = Path.GetTempPath();
        psi.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
        return RemoteProcess.Start(psi, $"{string.Join(' ', wrapper)} {info.DeclaringType.Name}.{info.Name}");
    }
}
