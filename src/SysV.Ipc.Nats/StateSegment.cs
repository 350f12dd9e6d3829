using System.Runtime.CompilerServices;

namespace SysV.Ipc.Nats;

/// <summary>
/// A bridge's state in a small System V shared memory segment of the bridged queue's IPC namespace: it
/// survives the bridge (a SIGKILL loses nothing written to it) and dies with the host's queues. Every
/// value read back is validated by the owner type before use; a second bridge cannot write it at the
/// same time (the lock is taken first).
/// </summary>
internal sealed class StateSegment : IDisposable
{
    public const int Size = 4096;

    private readonly SharedMemorySegment _segment;
    private readonly SharedMemoryAttachment _attachment;

    private StateSegment(SharedMemorySegment segment, SharedMemoryAttachment attachment)
    {
        _segment = segment;
        _attachment = attachment;
    }

    public bool WasCreated => _segment.WasCreated;

    public IpcKey Key => _segment.Key;

    private static StateSegment OpenOrCreate(IpcKey key)
    {
        SharedMemorySegment segment = SharedMemorySegment.OpenOrCreate(key, Size);
        try
        {
            if (segment.Size < Size)
            {
                throw new BridgeStateFormatException($"The bridge state segment {BridgeKeys.Describe(key)} is {segment.Size} bytes, not {Size}: another program uses this key. Remove it (sysvipc rm -M {BridgeKeys.Describe(key)}) if it is not in use.");
            }

            return new StateSegment(segment, segment.Attach());
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens or creates the state segment with this key and hands it to <paramref name="wrap"/>, which checks
    /// what it holds (or writes a fresh record) and returns the owner type; when that throws, the segment is
    /// let go before the exception leaves.
    /// </summary>
    public static T OpenOrCreate<T>(IpcKey key, Func<StateSegment, T> wrap)
    {
        StateSegment segment = OpenOrCreate(key);
        try
        {
            return wrap(segment);
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    /// <summary>The error for a segment under a bridge's key that holds something else: <paramref name="expected"/> says what it should be.</summary>
    public static BridgeStateFormatException Foreign(IpcKey key, string expected) =>
        new($"Shared memory segment {BridgeKeys.Describe(key)} is not {expected}: another program uses this key. Remove it (sysvipc rm -M {BridgeKeys.Describe(key)}) if nothing uses it.");

    public ulong ReadUInt64(int offset) => Volatile.Read(ref Ref<ulong>(offset));

    public void WriteUInt64(int offset, ulong value) => Volatile.Write(ref Ref<ulong>(offset), value);

    public long ReadInt64(int offset) => Volatile.Read(ref Ref<long>(offset));

    public void WriteInt64(int offset, long value) => Volatile.Write(ref Ref<long>(offset), value);

    public uint ReadUInt32(int offset) => Volatile.Read(ref Ref<uint>(offset));

    public void WriteUInt32(int offset, uint value) => Volatile.Write(ref Ref<uint>(offset), value);

    public void Clear() => _attachment.GetSpan(0, Size).Clear();

    /// <summary>Removes the segment (a clean stop with nothing pending).</summary>
    public void Remove()
    {
        try
        {
            _segment.Remove();
        }
        catch (IpcException)
        {
            // Already removed.
        }
    }

    public void Dispose()
    {
        _attachment.Dispose();
        _segment.Dispose();
    }

    private ref T Ref<T>(int offset)
        where T : unmanaged
    {
        if (offset < 0 || offset > Size - Unsafe.SizeOf<T>() || offset % Unsafe.SizeOf<T>() != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        return ref _attachment.AsRef<T>(offset);
    }
}
