namespace SysV.Ipc.Nats;

/// <summary>Every line the bridges log, in one place (source-generated, no allocation when disabled).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Connected to NATS at {Url} (server {Version})")]
    public static partial void Connected(ILogger logger, string url, string version);

    [LoggerMessage(2, LogLevel.Warning, "Cannot reach NATS at {Url}: {Reason}. Is nats-server running there, with JetStream on (-js), and is the address right? Trying again in {Seconds:0.0} s")]
    public static partial void Unreachable(ILogger logger, string url, string reason, double seconds);

    [LoggerMessage(3, LogLevel.Information, "Bridge out started: {Source} -> subject {Subject} (stream {Stream}), message ids {IdPrefix}<n>")]
    public static partial void OutStarted(ILogger logger, string source, string subject, string stream, string idPrefix);

    [LoggerMessage(4, LogLevel.Warning, "The previous bridge (pid {Pid}) died while holding the lock; recovering its last batch from the state it left")]
    public static partial void Abandoned(ILogger logger, int pid);

    [LoggerMessage(5, LogLevel.Information, "Republishing {Count} message(s) of the interrupted batch with their old ids (JetStream drops those it already has)")]
    public static partial void Republishing(ILogger logger, int count);

    [LoggerMessage(6, LogLevel.Warning, "{Count} message(s) of the interrupted batch are no longer at the head of queue {Queue}: another process receives from it (the bridge must be its only receiver)")]
    public static partial void BatchGone(ILogger logger, int count, string queue);

    [LoggerMessage(7, LogLevel.Warning, "Publishing to JetStream failed ({Reason}); {Pending} message(s) stay where they are and are published again in {Seconds:0.0} s")]
    public static partial void PublishFailed(ILogger logger, string reason, int pending, double seconds);

    [LoggerMessage(8, LogLevel.Error, "Queue {Queue}: the message of type {Type} the bridge removed is not the one it published (another process receives from this queue); publishing it now so it is not lost")]
    public static partial void Stolen(ILogger logger, string queue, long type);

    [LoggerMessage(9, LogLevel.Information, "Bridge {Direction} stopped: {Messages} message(s), {Bytes} byte(s) moved")]
    public static partial void Stopped(ILogger logger, string direction, long messages, long bytes);

    [LoggerMessage(10, LogLevel.Information, "Created stream {Stream} for subjects {Subjects} ({Replicas} replica(s), duplicate window {Window})")]
    public static partial void StreamCreated(ILogger logger, string stream, string subjects, int replicas, TimeSpan window);

    [LoggerMessage(11, LogLevel.Information, "Bridge in started: subject {Subject} (stream {Stream}, durable {Durable}) -> {Target}, from stream sequence {Start}")]
    public static partial void InStarted(ILogger logger, string subject, string stream, string durable, string target, ulong start);

    [LoggerMessage(12, LogLevel.Warning, "The {Target} has been full for 2 s: holding stream message {Sequence} and pulling nothing more until a receiver makes room (backpressure, nothing is dropped)")]
    public static partial void QueueFull(ILogger logger, string target, ulong sequence);

    [LoggerMessage(13, LogLevel.Information, "The {Target} has room again after {Seconds:0.0} s")]
    public static partial void QueueRoom(ILogger logger, string target, double seconds);

    [LoggerMessage(14, LogLevel.Error, "Parked stream message {Sequence} (subject {Subject}, type {Type}, {Length} bytes): {Reason}. Kept in {Path}; it is acknowledged so the bridge goes on")]
    public static partial void Parked(ILogger logger, ulong sequence, string subject, string type, int length, string reason, string path);

    [LoggerMessage(15, LogLevel.Warning, "Pulling from JetStream failed ({Reason}); resuming after stream sequence {Sequence} in {Seconds:0.0} s")]
    public static partial void PullFailed(ILogger logger, string reason, ulong sequence, double seconds);

    [LoggerMessage(16, LogLevel.Debug, "Skipped redelivered stream message {Sequence}: already delivered to this host")]
    public static partial void SkippedRedelivery(ILogger logger, ulong sequence);

    [LoggerMessage(17, LogLevel.Warning, "Deliveries from the consumer skipped ({Expected} expected, {Got} received): restarting it after stream sequence {Sequence} so nothing is missed")]
    public static partial void DeliveryGap(ILogger logger, ulong expected, ulong got, ulong sequence);

    [LoggerMessage(18, LogLevel.Debug, "Pipelined publication stopped ({Reason}); publishing the remaining {Pending} message(s) of the batch one at a time")]
    public static partial void ChainBroken(ILogger logger, string reason, int pending);

    [LoggerMessage(19, LogLevel.Information, "The channel was completed by its writer and everything in it is published: bridge out stops")]
    public static partial void ChannelCompleted(ILogger logger);

    [LoggerMessage(20, LogLevel.Warning, "No JetStream stream stores subject '{Subject}' yet: start the out bridge (it creates the stream with --stream NAME), or create one with nats stream add. Looking again in {Seconds:0.0} s")]
    public static partial void NoStream(ILogger logger, string subject, double seconds);

    [LoggerMessage(21, LogLevel.Information, "Broadcast channel: {Start}; this bridge takes one reader place, the channel's other readers are not affected")]
    public static partial void BroadcastJoined(ILogger logger, string start);

    [LoggerMessage(22, LogLevel.Error, "Broadcast channel {Channel}: {Bytes} byte(s) of messages were overwritten by its writer before this bridge read them ({Reason}); they are lost to JetStream (counted in sysvipc.bridge.lost)")]
    public static partial void BroadcastLost(ILogger logger, string channel, long bytes, string reason);
}
