using System.Globalization;
using SysV.Ipc.Interop;

namespace SysV.Ipc;

/// <summary>Which message a receive takes: every mode of msgrcv's <c>msgtyp</c> argument and MSG_EXCEPT.</summary>
/// <remarks>
/// Within the messages a selector matches, the queue is first in, first out. The default value is <see cref="Any"/>.
/// </remarks>
public readonly struct MessageSelector : IEquatable<MessageSelector>
{
    private MessageSelector(MessageSelectorKind kind, long type)
    {
        Kind = kind;
        Type = type;
    }

    /// <summary>The first message of any type (msgtyp 0).</summary>
    public static MessageSelector Any => default;

    /// <summary>How the selector picks a message.</summary>
    public MessageSelectorKind Kind { get; }

    /// <summary>The type the selector compares with (positive), or 0 for <see cref="Any"/>.</summary>
    public long Type { get; }

    /// <summary>The <c>msgtyp</c> argument msgrcv receives: 0, the type, or minus the type for <see cref="UpToType"/>.</summary>
    internal long KernelType => Kind == MessageSelectorKind.UpToType ? -Type : Type;

    /// <summary>The msgrcv flags the selector adds (MSG_EXCEPT for <see cref="NotOfType"/>).</summary>
    internal int KernelFlags => Kind == MessageSelectorKind.NotOfType ? Libc.MSG_EXCEPT : 0;

    /// <summary>The first message of exactly this type (msgtyp &gt; 0).</summary>
    /// <param name="type">A message type, at least 1.</param>
    /// <returns>The selector.</returns>
    public static MessageSelector OfType(long type) => new(MessageSelectorKind.OfType, Positive(type));

    /// <summary>The first message of any type except this one (msgtyp &gt; 0 with MSG_EXCEPT).</summary>
    /// <param name="type">The type to skip, at least 1.</param>
    /// <returns>The selector.</returns>
    public static MessageSelector NotOfType(long type) => new(MessageSelectorKind.NotOfType, Positive(type));

    /// <summary>
    /// The first message of the lowest type that is at most <paramref name="type"/> (msgtyp &lt; 0, as the
    /// kernel does it): with types 4, 3, 2, 1 queued, <c>UpToType(2)</c> takes the 1. A priority queue where
    /// low types come first.
    /// </summary>
    /// <param name="type">The highest type taken, at least 1.</param>
    /// <returns>The selector.</returns>
    public static MessageSelector UpToType(long type) => new(MessageSelectorKind.UpToType, Positive(type));

    /// <inheritdoc/>
    public bool Equals(MessageSelector other) => Kind == other.Kind && Type == other.Type;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is MessageSelector other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, Type);

    /// <summary>Describes the selector, for messages and logs.</summary>
    /// <returns>For example "the lowest type up to 2".</returns>
    public override string ToString() => Kind switch
    {
        MessageSelectorKind.OfType => "type " + Type.ToString(CultureInfo.InvariantCulture),
        MessageSelectorKind.NotOfType => "any type but " + Type.ToString(CultureInfo.InvariantCulture),
        MessageSelectorKind.UpToType => "the lowest type up to " + Type.ToString(CultureInfo.InvariantCulture),
        _ => "any type",
    };

    /// <summary>Compares two selectors.</summary>
    /// <param name="left">A selector.</param>
    /// <param name="right">Another selector.</param>
    /// <returns>Whether they select the same way.</returns>
    public static bool operator ==(MessageSelector left, MessageSelector right) => left.Equals(right);

    /// <summary>Compares two selectors.</summary>
    /// <param name="left">A selector.</param>
    /// <param name="right">Another selector.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(MessageSelector left, MessageSelector right) => !left.Equals(right);

    private static long Positive(long type)
    {
        if (type <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(type), type,
                "Message types are positive (1 to long.MaxValue): the kernel reserves 0 for \"any type\" (MessageSelector.Any) and negative values for \"up to a type\" (MessageSelector.UpToType).");
        }

        return type;
    }
}
