namespace SysV.Ipc.Nats;

/// <summary>
/// The out bridge's record for a <see cref="ChannelMode.Broadcast"/> channel, in its host's IPC namespace:
/// the channel's identity and the ring position after the last message JetStream acknowledged (until the
/// first acknowledgement: where the bridge joined, written as soon as it joined). A
/// broadcast reader that dies loses its place (a new reader joins at the newest message), so a restarted
/// bridge joins at the oldest message the ring still holds and uses this record to skip what was already
/// published, and to tell (not hide) when messages were overwritten while no bridge was running.
/// </summary>
/// <remarks>Layout: magic u64 @0, channel key i64 @8, creator pid i64 @16, creation time (Unix ms) i64 @24, next position i64 @32.</remarks>
internal sealed class BroadcastOutState : IDisposable
{
    private const ulong Magic = 0x3130_4342_4942_5653; // "SVBIBC01"
    private readonly StateSegment _segment;

    private BroadcastOutState(StateSegment segment, long resumeAt)
    {
        _segment = segment;
        ResumeAt = resumeAt;
    }

    /// <summary>The position after the last message a previous bridge published for this very channel, or -1 when there is none.</summary>
    public long ResumeAt { get; }

    public static BroadcastOutState OpenOrCreate(BridgedObject target, SharedMemoryChannel channel)
    {
        IpcKey key = BridgeKeys.For(BridgeDirection.Out, target);
        return StateSegment.OpenOrCreate(key, segment =>
        {
            long pid = channel.CreatorProcessId;
            long created = channel.CreatedAt.ToUnixTimeMilliseconds();
            ulong magic = segment.ReadUInt64(0);
            long resumeAt = -1;
            if (magic == Magic && (int)segment.ReadInt64(8) == target.Key.Value)
            {
                long next = segment.ReadInt64(32);
                // Another channel made under the same key since: its positions mean nothing here.
                if (segment.ReadInt64(16) == pid && segment.ReadInt64(24) == created && next >= 0 && (next & 15) == 0)
                {
                    resumeAt = next;
                }
            }
            else if (magic != 0)
            {
                throw StateSegment.Foreign(key, $"an out bridge's state for {target}");
            }

            segment.Clear();
            segment.WriteInt64(8, target.Key.Value);
            segment.WriteInt64(16, pid);
            segment.WriteInt64(24, created);
            segment.WriteInt64(32, resumeAt);
            segment.WriteUInt64(0, Magic);
            return new BroadcastOutState(segment, resumeAt);
        });
    }

    /// <summary>Records that everything before <paramref name="position"/> was acknowledged by JetStream, or is not this bridge's to publish (it joined there).</summary>
    public void Published(long position) => _segment.WriteInt64(32, position);

    public void Remove() => _segment.Remove();

    public void Dispose() => _segment.Dispose();
}
