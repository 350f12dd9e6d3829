using System.Text;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

public static partial class IpcSystem
{
    /// <summary>
    /// Whether a process with this pid exists now in this process's pid namespace (kill with signal 0:
    /// ESRCH means gone; EPERM means it exists but belongs to another user, so it counts as running).
    /// </summary>
    /// <param name="processId">A pid as the kernel reports it in cpid, lpid, lspid, lrpid or sempid.</param>
    /// <returns><see langword="false"/> for 0 and negative pids (the kernel's "none" or "not visible").</returns>
    /// <remarks>A pid can be reused by an unrelated process after its owner exits; this answer is then "running". <see cref="IsOrphan"/> does not use it: it checks each pid with the time the kernel recorded it, so a reused pid is told from the original.</remarks>
    public static bool IsProcessRunning(int processId)
    {
        PlatformGuard.ThrowIfUnsupported();
        if (processId <= 0)
        {
            return false;
        }

        return Libc.kill(processId, 0) == 0 || Marshal.GetLastPInvokeError() != Errno.ESRCH;
    }

    /// <summary>
    /// The command line of a running process, as <c>lsipc</c> shows it in its COMMAND column: the arguments
    /// of /proc/PID/cmdline joined by spaces, or "[name]" for a process without arguments (a kernel thread).
    /// </summary>
    /// <param name="processId">The pid.</param>
    /// <returns>The command line; <see langword="null"/> when the process does not run or its /proc entry cannot be read.</returns>
    public static string? GetProcessCommandLine(int processId)
    {
        PlatformGuard.ThrowIfUnsupported();
        if (processId <= 0)
        {
            return null;
        }

        string directory = "/proc/" + processId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/";
        try
        {
            byte[] raw = File.ReadAllBytes(directory + "cmdline");
            int length = raw.Length;
            while (length > 0 && raw[length - 1] == 0)
            {
                length--;
            }

            if (length > 0)
            {
                string text = Encoding.UTF8.GetString(raw, 0, length);
                return text.Replace('\0', ' ');
            }

            string name = File.ReadAllText(directory + "comm").TrimEnd('\n');
            return "[" + name + "]";
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
