namespace SysV.Ipc.Tests.Infrastructure;

/// <summary>Keys no other test and (almost certainly) no other program uses: random, checked absent, never 0.</summary>
public static class TestKeys
{
    public static IpcKey Unique()
    {
        while (true)
        {
            // 0x7e prefix marks keys made by this test suite, so a stray one is easy to spot in ipcs.
            int value = 0x7e000000 | Random.Shared.Next(1, 0x00ffffff);
            var key = new IpcKey(value);
            if (!IpcSystem.ListAll().Any(o => o.Key == key))
            {
                return key;
            }
        }
    }
}
