using System.Globalization;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>
/// The one place where an errno becomes an exception. Every message says what happened, to which
/// object (kind, key, id), and what to do about it.
/// </summary>
internal static class IpcErrors
{
    /// <summary>Reads errno after a failed call and builds the matching exception.</summary>
    internal static IpcException FromLastError(string call, IpcObjectKind kind, IpcKey? key = null, int? id = null, string? detail = null, bool idCall = false)
        => Create(Marshal.GetLastPInvokeError(), call, kind, key, id, detail, idCall);

    // idCall: the call named the object by id (shmat, shmctl...), where the kernel's EINVAL means "no
    // object has this id". Calls made with only an id and no key are treated so too.
    internal static IpcException Create(int errno, string call, IpcObjectKind kind, IpcKey? key, int? id, string? detail = null, bool idCall = false)
    {
        string target = Describe(kind, key, id);
        string reason = Marshal.GetPInvokeErrorMessage(errno);
        string suffix = detail is null ? string.Empty : " " + detail;
        char l = ListFlag(kind);
        string keyText = key?.ToString() ?? string.Empty;

        if (kind == IpcObjectKind.SemaphoreSet && SemaphoreError(errno, call, target, reason, key, id, suffix) is { } semaphoreError)
        {
            return semaphoreError;
        }

        switch (errno)
        {
            case Errno.EEXIST:
                return new IpcObjectExistsException(
                    $"{Capitalize(target)} already exists ({call}: {reason}). It may be left over from an earlier run that did not remove it: open it instead, or inspect it with 'ipcs -{l}' and remove it with 'ipcrm -{char.ToUpperInvariant(l)} {keyText}' (or 'sysvipc rm -{char.ToUpperInvariant(l)} {keyText}').{suffix}",
                    errno, kind, key, id);
            case Errno.ENOENT:
                return new IpcObjectNotFoundException(
                    $"No {KindName(kind)} exists with key {keyText} ({call}: {reason}). Create it first, or check that every party derives the same key ('ipcs -{l}' lists the existing ones).{suffix}",
                    errno, kind, key, id);
            case Errno.EINVAL when id is not null && (idCall || key is null):
                return new IpcObjectNotFoundException(
                    $"No {KindName(kind)} has id {id}{(key is { IsPrivate: false } k ? $" (it had key {k})" : string.Empty)} ({call}: {reason}): it was removed, or the id is stale or wrong. 'ipcs -{l}' lists the existing ones.{suffix}",
                    errno, kind, key, id);
            case Errno.EIDRM:
                return new IpcObjectRemovedException(
                    $"{Capitalize(target)} was removed while this process was using it ({call}: {reason}); another process called IPC_RMID or ran ipcrm. Recreate it if the work must go on.{suffix}",
                    errno, kind, key, id);
            case Errno.EACCES:
                return new IpcPermissionDeniedException(
                    $"Permission denied on {target} ({call}: {reason}): its mode does not grant this user (euid {Libc.geteuid()}) the requested access. Check owner and mode with 'ipcs -{l} -i ID', and have its owner widen them (SetPermissions) if this is intended.{suffix}",
                    errno, kind, key, id);
            case Errno.EPERM:
                return new IpcPermissionDeniedException(
                    $"Operation not permitted on {target} ({call}: {reason}): only its owner, its creator or a process with the needed capability (CAP_SYS_ADMIN, CAP_IPC_OWNER, CAP_IPC_LOCK or CAP_SYS_RESOURCE) may do this.{suffix}",
                    errno, kind, key, id);
            case Errno.ENOSPC:
                return new IpcLimitExceededException(
                    $"Cannot create {target}: a system limit is reached ({call}: {reason}). {LimitAdvice(kind)}{suffix}",
                    errno, kind, key, id);
            case Errno.ENOMEM:
                return new IpcLimitExceededException(
                    $"Not enough memory for {target} ({call}: {reason}). {detail ?? LimitAdvice(kind)}",
                    errno, kind, key, id);
            case Errno.E2BIG when kind == IpcObjectKind.MessageQueue:
                return new MessageBufferTooSmallException(
                    $"The next matching message in {target} is longer than the receive buffer ({call}: {reason}); it was NOT received and stays in the queue. Receive it with a buffer of MaxMessageSize bytes (MSGMAX, /proc/sys/kernel/msgmax), or pass MessageReceiveOptions.AllowTruncation to take only what fits (MSG_NOERROR; the rest is discarded).{suffix}",
                    errno, kind, key, id);
            case Errno.ENOSYS:
                return new IpcException(
                    $"{call} on {target} is not supported by this kernel ({reason}).{suffix}",
                    errno, kind, key, id);
            default:
                return new IpcException(
                    $"{call} failed on {target} with errno {errno.ToString(CultureInfo.InvariantCulture)} ({reason}).{suffix}",
                    errno, kind, key, id);
        }
    }

    /// <summary>
    /// The error for an object whose id the kernel gave to another object after the first was removed: what the
    /// caller holds is gone, whatever the new object is. <paramref name="difference"/> says how it was told apart.
    /// </summary>
    internal static IpcObjectRemovedException Replaced(IpcObjectKind kind, IpcKey? key, int id, string difference)
    {
        char l = ListFlag(kind);
        return new IpcObjectRemovedException(
            $"The id {id.ToString(CultureInfo.InvariantCulture)} now names a different {KindName(kind)}: the one this object opened{(key is { IsPrivate: false } k ? $" with key {k}" : string.Empty)} was removed and the kernel reused its id ({difference}). Nothing was read or written; open the object again (by key), and list what exists with 'ipcs -{l}'.",
            Errno.EIDRM, kind, key, id);
    }

    /// <summary>The errnos only semop/semctl give, with what they mean there.</summary>
    private static IpcException? SemaphoreError(int errno, string call, string target, string reason, IpcKey? key, int? id, string suffix) => errno switch
    {
        Errno.E2BIG => new IpcLimitExceededException(
            $"Too many operations in one call on {target} ({call}: {reason}): the limit SEMOPM is the third field of /proc/sys/kernel/sem (sysctl kernel.sem). Split the operations, or raise SEMOPM.{suffix}",
            errno, IpcObjectKind.SemaphoreSet, key, id),
        Errno.ERANGE => new IpcLimitExceededException(
            $"The operation would take a semaphore of {target} above SEMVMX (32767, the kernel's largest semaphore value), or its SEM_UNDO adjustment beyond SEMAEM (32767) ({call}: {reason}). Nothing was changed: release less, or check for releases without matching waits.{suffix}",
            errno, IpcObjectKind.SemaphoreSet, key, id),
        Errno.EFBIG => new IpcException(
            $"A semaphore index is not in {target} ({call}: {reason}): indexes run from 0 to the set's size minus 1.{suffix}",
            errno, IpcObjectKind.SemaphoreSet, key, id),
        _ => null,
    };

    /// <summary>"shared memory segment with key 0x0000abcd (id 3)", "message queue with id 5"...</summary>
    internal static string Describe(IpcObjectKind kind, IpcKey? key, int? id)
    {
        string name = KindName(kind);
        if (key is { } k && !k.IsPrivate)
        {
            return id is { } i ? $"{name} with key {k} (id {i})" : $"{name} with key {k}";
        }

        if (id is { } only)
        {
            return $"{name} with id {only}";
        }

        return key is { IsPrivate: true } ? $"private {name} (IPC_PRIVATE)" : name;
    }

    internal static string KindName(IpcObjectKind kind) => kind switch
    {
        IpcObjectKind.SharedMemory => "shared memory segment",
        IpcObjectKind.MessageQueue => "message queue",
        IpcObjectKind.SemaphoreSet => "semaphore set",
        _ => "IPC object",
    };

    /// <summary>The ipcs/ipcrm letter of a kind: m, q or s.</summary>
    internal static char ListFlag(IpcObjectKind kind) => kind switch
    {
        IpcObjectKind.SharedMemory => 'm',
        IpcObjectKind.MessageQueue => 'q',
        _ => 's',
    };

    private static string LimitAdvice(IpcObjectKind kind) => kind switch
    {
        IpcObjectKind.SharedMemory =>
            "Remove unused segments ('ipcs -m', 'ipcrm'), or raise /proc/sys/kernel/shmmni (number of segments) or shmall (total pages).",
        IpcObjectKind.MessageQueue =>
            "Remove unused queues ('ipcs -q', 'ipcrm'), or raise /proc/sys/kernel/msgmni.",
        _ =>
            "Remove unused semaphore sets ('ipcs -s', 'ipcrm'), or raise the limits in /proc/sys/kernel/sem (SEMMSL SEMMNS SEMOPM SEMMNI).",
    };

    private static string Capitalize(string text) => string.Concat(char.ToUpperInvariant(text[0]).ToString(), text.AsSpan(1));
}
