namespace SysV.Ipc;

/// <summary>
/// A segment does not hold a usable structured area: no or a corrupt header, an unsupported format
/// version, or an area whose creator died or failed before finishing its initialization.
/// </summary>
public sealed class SharedAreaFormatException : IpcException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and what to do.</param>
    /// <param name="key">The segment's key.</param>
    /// <param name="id">The segment's id.</param>
    public SharedAreaFormatException(string message, IpcKey? key, int? id)
        : base(message, 0, IpcObjectKind.SharedMemory, key, id)
    {
    }
}
