using System.Diagnostics.CodeAnalysis;

namespace SysV.Ipc;

/// <summary>
/// The Try form of an Open, the same for every kind: <see langword="false"/> when no object has the key
/// (<see cref="IpcObjectNotFoundException"/>); every other failure is thrown as the Open throws it.
/// </summary>
internal static class IpcTryOpen
{
    internal static bool Run<T>(Func<T> open, [NotNullWhen(true)] out T? opened)
        where T : class
    {
        try
        {
            opened = open();
            return true;
        }
        catch (IpcObjectNotFoundException)
        {
            opened = null;
            return false;
        }
    }
}
