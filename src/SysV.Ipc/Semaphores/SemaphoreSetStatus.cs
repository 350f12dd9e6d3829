using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// semctl IPC_STAT and IPC_SET on the architecture's <c>struct semid_ds</c> (x86_64 pads each time with a
/// reserved word, aarch64 does not); the rest of the library sees only <see cref="SemaphoreSetInfo"/>.
/// </summary>
internal static class SemaphoreSetStatus
{
    private static readonly bool s_arm64 = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    /// <summary>IPC_STAT; returns 0 or the errno.</summary>
    internal static unsafe int TryStat(int id, out SemaphoreSetInfo? info)
    {
        Libc.SemidDsBuffer buffer = default;
        if (Libc.semctl(id, 0, Libc.IPC_STAT, (nint)(&buffer)) != 0)
        {
            info = null;
            return Marshal.GetLastPInvokeError();
        }

        IpcPerm perm = buffer.X64.sem_perm; // at offset 0 on both
        (long otime, long ctime, ulong nsems) = s_arm64
            ? (buffer.Arm64.sem_otime, buffer.Arm64.sem_ctime, buffer.Arm64.sem_nsems)
            : (buffer.X64.sem_otime, buffer.X64.sem_ctime, buffer.X64.sem_nsems);
        info = new SemaphoreSetInfo
        {
            Id = id,
            Key = new IpcKey(perm.__key),
            Mode = (int)perm.mode,
            OwnerUserId = perm.uid,
            OwnerGroupId = perm.gid,
            CreatorUserId = perm.cuid,
            CreatorGroupId = perm.cgid,
            Count = (int)nsems,
            LastOperationTime = IpcTime.FromSeconds(otime),
            LastChangeTime = IpcTime.FromSeconds(ctime),
        };
        return 0;
    }

    internal static SemaphoreSetInfo Stat(int id, IpcKey? key)
    {
        int errno = TryStat(id, out SemaphoreSetInfo? info);
        return errno == 0 ? info! : throw IpcErrors.Create(errno, "semctl(IPC_STAT)", IpcObjectKind.SemaphoreSet, null, id, KeyNote(key));
    }

    /// <summary>Id-based calls pass no key to IpcErrors (so EINVAL reads "no set has id N"); the key still goes in the message.</summary>
    internal static string? KeyNote(IpcKey? key) => key is { IsPrivate: false } k ? $"(The set was opened with key {k}.)" : null;
}
