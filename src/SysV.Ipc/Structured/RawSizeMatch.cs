namespace SysV.Ipc;

/// <summary>How the size of a raw area (one without a header, as C programs make it) must match <c>sizeof(T)</c>.</summary>
public enum RawSizeMatch
{
    /// <summary>The segment is exactly <c>sizeof(T)</c> bytes: any other size means the two sides disagree on the struct.</summary>
    Exact = 0,

    /// <summary>The segment is at least <c>sizeof(T)</c> bytes, and its start holds the struct (for segments that carry more after it).</summary>
    AtLeast = 1,
}
