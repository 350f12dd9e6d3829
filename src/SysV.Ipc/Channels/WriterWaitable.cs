namespace SysV.Ipc;

/// <summary>A writer waiting for room for a message of a given length, as a <see cref="IChannelWaitable"/>.</summary>
internal sealed unsafe class WriterWaitable : IChannelWaitable
{
    private readonly SharedMemoryChannelWriter _writer;
    private readonly int _length;
    private long _waitStart; // when the drop-after allowance of a broadcast writer started counting; 0 while there is room

    internal WriterWaitable(SharedMemoryChannelWriter writer, int length)
    {
        _writer = writer;
        _length = length;
    }

    internal SharedMemoryChannelWriter Writer => _writer;

    public SharedMemoryChannel Channel => _writer.Channel;

    public ChannelWaitStrategy Strategy => _writer.Strategy;

    public int* SleepWord => _writer.SpaceWord;

    public int AnnounceSleep() => _writer.AnnounceSpaceSleep();

    public void WithdrawSleep() => _writer.WithdrawSpaceSleep();

    public ChannelReadiness Check(bool checkPeers) => _writer.CheckRoom(_length, checkPeers, ref _waitStart);
}
