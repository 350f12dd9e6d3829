namespace SysV.Ipc.Tests.Semaphores;

/// <summary>Runs a blocking call on its own thread (blocked semop calls must not sit on the thread pool) and hands back its result or exception.</summary>
internal sealed class BackgroundCall<T>
{
    private readonly Thread _thread;
    private T? _result;
    private Exception? _exception;

    private BackgroundCall(Func<T> call)
    {
        _thread = new Thread(() =>
        {
            try
            {
                _result = call();
            }
            catch (Exception e)
            {
                _exception = e;
            }
        })
        { IsBackground = true, Name = "blocking semaphore call" };
    }

    public bool IsCompleted => !_thread.IsAlive;

    public static BackgroundCall<T> Start(Func<T> call)
    {
        var background = new BackgroundCall<T>(call);
        background._thread.Start();
        return background;
    }

    /// <summary>Waits for the call; fails if it is still blocked after <paramref name="timeout"/> or threw.</summary>
    public T Result(TimeSpan timeout)
    {
        Join(timeout);
        return _exception is null ? _result! : throw new Xunit.Sdk.XunitException("The background call threw: " + _exception);
    }

    /// <summary>Waits for the call and returns what it threw (fails if it returned).</summary>
    public Exception Exception(TimeSpan timeout)
    {
        Join(timeout);
        return _exception ?? throw new Xunit.Sdk.XunitException($"The background call returned {_result} instead of throwing.");
    }

    private void Join(TimeSpan timeout)
    {
        if (!_thread.Join(timeout))
        {
            throw new TimeoutException($"The background call was still blocked after {timeout}.");
        }
    }
}

internal static class BackgroundCall
{
    public static BackgroundCall<bool> Start(Action call) => BackgroundCall<bool>.Start(() => { call(); return true; });

    public static BackgroundCall<T> Start<T>(Func<T> call) => BackgroundCall<T>.Start(call);
}
