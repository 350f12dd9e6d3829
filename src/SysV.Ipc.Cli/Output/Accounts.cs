using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace SysV.Ipc.Cli.Output;

/// <summary>
/// User and group names for uids and gids, through the C library (getpwuid_r, getgrgid_r) so that NSS
/// sources such as LDAP answer exactly as they do for ipcs. Cached: a listing asks for the same ids often.
/// </summary>
internal static partial class Accounts
{
    private const int ERANGE = 34;
    private static readonly ConcurrentDictionary<uint, string?> s_users = new();
    private static readonly ConcurrentDictionary<uint, string?> s_groups = new();

    /// <summary>The user's name, or null when the user database has no entry for the uid.</summary>
    internal static string? UserName(uint uid) => s_users.GetOrAdd(uid, static id => Lookup(id, user: true));

    /// <summary>The group's name, or null when the group database has no entry for the gid.</summary>
    internal static string? GroupName(uint gid) => s_groups.GetOrAdd(gid, static id => Lookup(id, user: false));

    /// <summary>The name, or the number when there is no name (what ipcs prints).</summary>
    internal static string UserOrId(uint uid) => UserName(uid) ?? CText.Number(uid);

    /// <summary>The group name, or the number when there is no name.</summary>
    internal static string GroupOrId(uint gid) => GroupName(gid) ?? CText.Number(gid);

    private static unsafe string? Lookup(uint id, bool user)
    {
        // struct passwd and struct group start with the name pointer; 64 bytes cover either on 64-bit Linux.
        byte* record = stackalloc byte[64];
        for (int size = 1024; size <= 1 << 20; size *= 4)
        {
            byte[] buffer = new byte[size];
            nint result;
            int error;
            fixed (byte* b = buffer)
            {
                error = user
                    ? getpwuid_r(id, record, b, (nuint)size, &result)
                    : getgrgid_r(id, record, b, (nuint)size, &result);
                if (error == 0)
                {
                    return result == 0 ? null : Marshal.PtrToStringUTF8(*(nint*)record);
                }
            }

            if (error != ERANGE)
            {
                return null;
            }
        }

        return null;
    }

    [LibraryImport("libc", EntryPoint = "getpwuid_r")]
    private static unsafe partial int getpwuid_r(uint uid, byte* passwd, byte* buffer, nuint length, nint* result);

    [LibraryImport("libc", EntryPoint = "getgrgid_r")]
    private static unsafe partial int getgrgid_r(uint gid, byte* group, byte* buffer, nuint length, nint* result);
}
