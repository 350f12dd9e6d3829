namespace SysV.Ipc;

/// <summary>
/// The 64-byte header at the start of a <see cref="SharedStruct{T}"/> segment, byte for byte as
/// docs/structured-sharing.md documents it for C programs. Every field is read from memory another
/// process can write, so readers validate it before use. The normative description, shared with the C
/// library's sysvipc_area_open (native/), is docs/area-format.md.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
internal struct SharedStructHeader
{
    internal const int Size = 64;
    internal const uint CurrentVersion = 1;

    /// <summary>"SHSTRUCT" in ASCII, read as a little-endian u64.</summary>
    internal const ulong MagicValue = 0x5443555254534853;

    /// <summary>Upper bound accepted for the layout text another process recorded.</summary>
    internal const int MaxLayoutTextLength = 64 * 1024;

    [FieldOffset(0)] public ulong Magic;
    [FieldOffset(8)] public uint Version;
    [FieldOffset(12)] public uint HeaderSize;
    [FieldOffset(16)] public ulong DataSize;
    [FieldOffset(24)] public ulong LayoutHash;
    [FieldOffset(32)] public uint LayoutTextOffset;
    [FieldOffset(36)] public uint LayoutTextLength;
    [FieldOffset(40)] public int CreatorProcessId;

    /// <summary>The <see cref="SharedAreaHandshake"/> state: 0 empty (fresh zero-filled segment), 1 initializing, 2 ready, 3 initialization failed. The futex word openers sleep on.</summary>
    [FieldOffset(44)] public uint State;

    /// <summary>The creator's start time in clock ticks after boot (/proc/PID/stat field 22), so a reused pid is not taken for the creator.</summary>
    [FieldOffset(48)] public ulong CreatorStartTime;

    /// <summary>When initialization finished, in Unix milliseconds (0 until ready).</summary>
    [FieldOffset(56)] public long ReadyTimeMilliseconds;

    /// <summary>Where the layout text goes: after the data, 8-byte aligned.</summary>
    internal static long LayoutTextOffsetFor(long dataSize) => (Size + dataSize + 7) & ~7L;
}
