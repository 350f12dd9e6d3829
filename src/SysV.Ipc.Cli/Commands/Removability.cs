using System.Runtime.InteropServices;

namespace SysV.Ipc.Cli.Commands;

/// <summary>
/// Whether this process may remove an object (IPC_RMID): the kernel allows its owner, its creator and a
/// process with CAP_SYS_ADMIN. Asked before a dry run lists an object and before --all or --orphans try one,
/// so that what a dry run lists is exactly what the real run removes.
/// </summary>
internal static partial class Removability
{
    private const int CapSysAdmin = 21;
    private static readonly Lazy<bool> s_hasSysAdmin = new(ReadHasSysAdmin);

    internal static uint EffectiveUserId => geteuid();

    public static bool CanRemove(IpcObjectInfo info)
    {
        uint euid = geteuid();
        return euid == info.OwnerUserId || euid == info.CreatorUserId || s_hasSysAdmin.Value;
    }

    /// <summary>"root (uid 0)", "uid 1234" when the account has no name.</summary>
    internal static string User(uint uid) => Accounts.UserName(uid) is { } name
        ? $"{name} (uid {CText.Number(uid)})"
        : "uid " + CText.Number(uid);

    /// <summary>Why this user may not remove it: whose it is, and who may.</summary>
    internal static string WhyNot(IpcObjectInfo info)
        => $"it belongs to {User(info.OwnerUserId)}, created by {User(info.CreatorUserId)}, and you are {User(geteuid())}; only its owner, its creator or root (CAP_SYS_ADMIN) may remove it";

    private static bool ReadHasSysAdmin()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("CapEff:", StringComparison.Ordinal))
                {
                    ulong caps = ulong.Parse(line.AsSpan(7).Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
                    return (caps & (1UL << CapSysAdmin)) != 0;
                }
            }
        }
        catch (IOException)
        {
        }

        return geteuid() == 0;
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint geteuid();
}
