namespace SysV.Ipc;

/// <summary>The ways a <see cref="MessageSelector"/> picks a message.</summary>
public enum MessageSelectorKind
{
    /// <summary>The first message, whatever its type.</summary>
    Any,

    /// <summary>The first message of one type.</summary>
    OfType,

    /// <summary>The first message of any other type (MSG_EXCEPT).</summary>
    NotOfType,

    /// <summary>The first message of the lowest type up to a bound.</summary>
    UpToType,
}
