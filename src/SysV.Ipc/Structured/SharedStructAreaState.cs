namespace SysV.Ipc;

/// <summary>Where a <see cref="SharedStruct{T}"/> area's one-time initialization stands, as its header records it.</summary>
public enum SharedStructAreaState
{
    /// <summary>Created, not initialized yet (a zero-filled segment).</summary>
    Empty = 0,

    /// <summary>Its creator is running the initializer.</summary>
    Initializing = 1,

    /// <summary>Initialized: openers may use it.</summary>
    Ready = 2,

    /// <summary>The initializer failed; openers are told so.</summary>
    Failed = 3,

    /// <summary>A state value no version of the library writes (the header was overwritten).</summary>
    Unknown = -1,
}
