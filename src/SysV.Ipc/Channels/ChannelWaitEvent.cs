namespace SysV.Ipc;

/// <summary>One reader or writer of a <see cref="ChannelWaitSet"/> that is ready, as <see cref="ChannelWaitSet.Wait(Span{ChannelWaitEvent}, TimeSpan, CancellationToken)"/> reports it.</summary>
/// <param name="Index">The index <see cref="ChannelWaitSet.Add(SharedMemoryChannelReader)"/> returned for it.</param>
/// <param name="Readiness">What its next call will find.</param>
public readonly record struct ChannelWaitEvent(int Index, ChannelReadiness Readiness);
