using System.Text;

namespace SysV.Ipc;

/// <summary>
/// What the 64-byte header of a <see cref="SharedStruct{T}"/> area says (docs/structured-sharing.md): the
/// struct's layout signature (format version 1 records the layout, not the C# type's name), its size, the initialization state and the creator. Read by
/// <see cref="TryRead"/> from any attachment, read-only ones included, without opening the area as a struct;
/// this is what <c>sysvipc show</c> prints and how orphan cleanup recognizes an area.
/// </summary>
/// <param name="Layout">The layout text (field names, types and offsets), or a placeholder when absent or out of bounds.</param>
/// <param name="LayoutHash">The 64-bit hash of the layout text that openers compare.</param>
/// <param name="DataSize">The struct's size in bytes.</param>
/// <param name="FormatVersion">The header's format version.</param>
/// <param name="State">Initialization state.</param>
/// <param name="CreatorProcessId">The pid of the process that created (and initialized) it.</param>
/// <param name="IsCreatorRunning">Whether that process still runs (pid and start time match, so a reused pid is not taken for it).</param>
/// <param name="ReadyTime">When initialization finished, or null before.</param>
public sealed record SharedStructAreaInfo(
    string Layout,
    ulong LayoutHash,
    long DataSize,
    uint FormatVersion,
    SharedStructAreaState State,
    int CreatorProcessId,
    bool IsCreatorRunning,
    DateTimeOffset? ReadyTime)
{
    /// <summary>Reads the area header at the start of an attachment.</summary>
    /// <param name="attachment">An attachment of the segment (read-only is enough).</param>
    /// <returns>The header, or null when the segment does not start with the area magic ("SHSTRUCT"): it is not a <see cref="SharedStruct{T}"/> area.</returns>
    /// <exception cref="SharedAreaFormatException">It starts with the magic, but the header's sizes do not fit the segment.</exception>
    /// <exception cref="ObjectDisposedException">The attachment is disposed.</exception>
    public static SharedStructAreaInfo? TryRead(SharedMemoryAttachment attachment)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        if (attachment.Length < SharedStructHeader.Size)
        {
            return null;
        }

        // One copy of the header: another process may write the segment while we look.
        SharedStructHeader h = attachment.AsReadOnlyRef<SharedStructHeader>();
        if (h.Magic != SharedStructHeader.MagicValue)
        {
            return null;
        }

        if (h.DataSize > (ulong)attachment.Length || (ulong)attachment.Length - h.DataSize < SharedStructHeader.Size)
        {
            throw new SharedAreaFormatException(
                $"The shared memory segment of {attachment.Length} bytes has a SharedStruct header announcing a {h.DataSize}-byte struct, more than the segment holds: the header was overwritten.", null, null);
        }

        string? layout = null;
        ulong end = (ulong)h.LayoutTextOffset + h.LayoutTextLength;
        if (h.LayoutTextLength != 0 && h.LayoutTextOffset >= SharedStructHeader.Size && h.LayoutTextLength <= SharedStructHeader.MaxLayoutTextLength && end <= (ulong)attachment.Length)
        {
            layout = Encoding.UTF8.GetString(attachment.GetReadOnlySpan(h.LayoutTextOffset, (int)h.LayoutTextLength));
        }

        SharedStructAreaState state = h.State <= SharedAreaHandshake.StateFailed ? (SharedStructAreaState)h.State : SharedStructAreaState.Unknown;
        return new SharedStructAreaInfo(
            layout ?? (h.LayoutTextLength == 0 ? "(not recorded by its creator)" : $"(layout text out of bounds: offset {h.LayoutTextOffset}, length {h.LayoutTextLength})"),
            h.LayoutHash,
            (long)h.DataSize,
            h.Version,
            state,
            h.CreatorProcessId,
            ProcessIdentity.IsAlive(h.CreatorProcessId, h.CreatorStartTime),
            h.ReadyTimeMilliseconds > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(h.ReadyTimeMilliseconds) : null);
    }
}
