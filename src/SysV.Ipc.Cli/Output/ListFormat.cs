namespace SysV.Ipc.Cli.Output;

/// <summary>The output forms of <c>ipcs</c> (one at a time; the last option given wins, as in ipcs).</summary>
internal enum ListFormat
{
    /// <summary>key, id, owner, perms and the kind's sizes.</summary>
    Default,

    /// <summary>-l: the system limits.</summary>
    Limits,

    /// <summary>-u: what is in use.</summary>
    Summary,

    /// <summary>-c: creator and owner.</summary>
    Creator,

    /// <summary>-t: times.</summary>
    Time,

    /// <summary>-p: pids.</summary>
    Pid,
}

/// <summary>How ipcs prints sizes: its default, bytes (-b), or human-readable (--human). Kilobytes is what the default means for SHMMAX in -l.</summary>
internal enum SizeUnit
{
    Default,
    Kilobytes,
    Bytes,
    Human,
}
