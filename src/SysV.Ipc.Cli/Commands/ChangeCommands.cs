using System.Runtime.InteropServices;

namespace SysV.Ipc.Cli.Commands;

/// <summary>
/// <c>sysvipc chmod</c> and <c>sysvipc chown</c>: IPC_SET on a segment, queue or semaphore set, through
/// the library's SetPermissions and SetOwner, with ipcrm-style messages ("invalid id (5)",
/// "permission denied for id (5)"). Only the owner, the creator or root may change either.
/// </summary>
internal static partial class ChangeCommands
{
    private static readonly Option<bool> s_verbose = new("--verbose", "-v") { Description = "Say what changed, from what to what." };

    public static Command CreateChmod()
    {
        Argument<string> id = new("ID") { Description = "The object's id." };
        Argument<string> mode = new("MODE") { Description = "Permission bits in octal: 600, 0640, 666." };
        var command = new Command("chmod", "Change the permission bits of a segment (-m), queue (-q) or semaphore set (-s) (IPC_SET). Only its owner, its creator or root may.")
        {
            ListCommand.s_shm, ListCommand.s_queues, ListCommand.s_semaphores, s_verbose, id, mode,
        };
        command.SetAction(result => Run(result, result.GetValue(id)!, info => Chmod(result, info, ArgumentParsers.ParseMode(result.GetValue(mode)!))));
        HelpExamples.Register(command, """
              sysvipc chmod -m 7 0640          # owner read-write, group read
              sysvipc chmod -q 4 666 -v        # anyone may send and receive; says what changed
            """);
        return command;
    }

    public static Command CreateChown()
    {
        Argument<string> id = new("ID") { Description = "The object's id." };
        Argument<string> owner = new("OWNER") { Description = "USER, USER:GROUP or :GROUP, by name or number." };
        var command = new Command("chown", "Change the owner (uid, gid) of a segment (-m), queue (-q) or semaphore set (-s) (IPC_SET). Only its owner, its creator or root may; the creator stays recorded.")
        {
            ListCommand.s_shm, ListCommand.s_queues, ListCommand.s_semaphores, s_verbose, id, owner,
        };
        command.SetAction(result => Run(result, result.GetValue(id)!, info => Chown(result, info, result.GetValue(owner)!)));
        HelpExamples.Register(command, """
              sysvipc chown -m 7 www-data        # the segment now belongs to www-data (group unchanged)
              sysvipc chown -s 2 1000:1000 -v
              sysvipc chown -q 4 :staff
            """);
        return command;
    }

    private static int Run(ParseResult result, string idText, Action<IpcObjectInfo> change)
    {
        bool shm = result.GetValue(ListCommand.s_shm), msg = result.GetValue(ListCommand.s_queues), sem = result.GetValue(ListCommand.s_semaphores);
        if ((shm ? 1 : 0) + (msg ? 1 : 0) + (sem ? 1 : 0) != 1)
        {
            throw new CliUsageException("say which kind of object: exactly one of -m (segment), -q (queue) or -s (semaphore set)");
        }

        if (!ArgumentParsers.TryParseId(idText, out int id, out string error))
        {
            throw new CliUsageException(error);
        }

        IpcObjectKind kind = shm ? IpcObjectKind.SharedMemory : msg ? IpcObjectKind.MessageQueue : IpcObjectKind.SemaphoreSet;
        IpcObjectInfo? info = RemoveCommand.List(kind).FirstOrDefault(o => o.Id == id);
        if (info is null)
        {
            CommandOutput.Fail(result, $"invalid id ({CText.Number(id)}): no {CliErrors.Kind(kind)} has this id ('sysvipc ls -{RemoveCommand.Letter(kind)}' lists them)");
            return 1;
        }

        try
        {
            change(info);
            return 0;
        }
        catch (IpcPermissionDeniedException)
        {
            CommandOutput.Fail(result, $"permission denied for id ({CText.Number(id)}): {CliErrors.Kind(kind)} {CText.Number(id)}: {Removability.WhyNot(info).Replace("may remove it", "may change it", StringComparison.Ordinal)}");
            return 1;
        }
        catch (IpcObjectNotFoundException)
        {
            CommandOutput.Fail(result, $"invalid id ({CText.Number(id)}): the {CliErrors.Kind(kind)} was removed meanwhile");
            return 1;
        }
    }

    private static void Chmod(ParseResult result, IpcObjectInfo info, UnixFileMode mode)
    {
        switch (info.Kind)
        {
            case IpcObjectKind.SharedMemory:
                using (SharedMemorySegment s = SharedMemorySegment.OpenById(info.Id))
                {
                    s.SetPermissions(mode);
                }

                break;
            case IpcObjectKind.MessageQueue:
                using (MessageQueue q = MessageQueue.OpenById(info.Id))
                {
                    q.SetPermissions(mode);
                }

                break;
            default:
                using (SemaphoreSet set = SemaphoreSet.OpenById(info.Id))
                {
                    set.SetPermissions(mode);
                }

                break;
        }

        if (result.GetValue(s_verbose))
        {
            CommandOutput.Out(result).Write($"mode of {CliErrors.Kind(info.Kind)} id `{CText.Number(info.Id)}' changed from {Octal(info.Mode)} to {Octal((int)mode)}\n");
        }
    }

    private static void Chown(ParseResult result, IpcObjectInfo info, string text)
    {
        string[] parts = text.Split(':', 2);
        uint uid = parts[0].Length == 0 ? info.OwnerUserId : Resolve(parts[0], user: true);
        uint gid = parts.Length < 2 || parts[1].Length == 0 ? info.OwnerGroupId : Resolve(parts[1], user: false);
        switch (info.Kind)
        {
            case IpcObjectKind.SharedMemory:
                using (SharedMemorySegment s = SharedMemorySegment.OpenById(info.Id))
                {
                    s.SetOwner(uid, gid);
                }

                break;
            case IpcObjectKind.MessageQueue:
                using (MessageQueue q = MessageQueue.OpenById(info.Id))
                {
                    q.SetOwner(uid, gid);
                }

                break;
            default:
                using (SemaphoreSet set = SemaphoreSet.OpenById(info.Id))
                {
                    set.SetOwner(uid, gid);
                }

                break;
        }

        if (result.GetValue(s_verbose))
        {
            CommandOutput.Out(result).Write($"owner of {CliErrors.Kind(info.Kind)} id `{CText.Number(info.Id)}' changed from {Accounts.UserOrId(info.OwnerUserId)}:{Accounts.GroupOrId(info.OwnerGroupId)} to {Accounts.UserOrId(uid)}:{Accounts.GroupOrId(gid)}\n");
        }
    }

    private static string Octal(int mode) => "0" + Convert.ToString(mode & 0x1FF, 8).PadLeft(3, '0');

    /// <summary>A user or group by number or name (getpwnam/getgrnam, so NSS answers as for chown(1)).</summary>
    private static uint Resolve(string text, bool user)
    {
        if (uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint number))
        {
            return number;
        }

        nint entry = user ? getpwnam(text) : getgrnam(text);
        if (entry == 0)
        {
            throw new CliUsageException($"invalid {(user ? "user" : "group")}: '{text}' (no such {(user ? "user" : "group")}; give a name or a number)");
        }

        // struct passwd: name, passwd, uid, gid; struct group: name, passwd, gid.
        return (uint)Marshal.ReadInt32(entry, 2 * IntPtr.Size);
    }

    [LibraryImport("libc", EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getpwnam(string name);

    [LibraryImport("libc", EntryPoint = "getgrnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getgrnam(string name);
}
