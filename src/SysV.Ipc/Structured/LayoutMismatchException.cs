namespace SysV.Ipc;

/// <summary>
/// A shared area was created with a different organization than the struct this process opens it with
/// (a field added, removed, renamed, reordered, retyped, or a different size). Reading it would give garbage.
/// </summary>
public sealed class LayoutMismatchException : IpcException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What differs and what to do.</param>
    /// <param name="expectedLayout">The layout of the struct this process uses.</param>
    /// <param name="actualLayout">The layout recorded in the area (or a description of its size in raw mode).</param>
    /// <param name="key">The segment's key.</param>
    /// <param name="id">The segment's id.</param>
    public LayoutMismatchException(string message, string expectedLayout, string actualLayout, IpcKey? key, int? id)
        : base(message, 0, IpcObjectKind.SharedMemory, key, id)
    {
        ExpectedLayout = expectedLayout;
        ActualLayout = actualLayout;
    }

    /// <summary>The layout of the struct this process opened the area with.</summary>
    public string ExpectedLayout { get; }

    /// <summary>The layout the area was created with.</summary>
    public string ActualLayout { get; }
}
