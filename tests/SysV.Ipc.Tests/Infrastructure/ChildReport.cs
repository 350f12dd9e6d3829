using System.Globalization;

namespace SysV.Ipc.Tests.Infrastructure;

/// <summary>
/// How a child process reports what each step did: one line "STEP|ok" or "STEP|ExceptionType|errno|message",
/// which the parent reads back with <see cref="Parse"/> to make its assertions.
/// </summary>
internal static class ChildReport
{
    public static void Step(string name, Action action)
    {
        try
        {
            action();
            Console.WriteLine($"{name}|ok");
        }
        catch (Exception e)
        {
            int errno = e is IpcException ipc ? ipc.ErrorNumber : 0;
            Console.WriteLine($"{name}|{e.GetType().Name}|{errno.ToString(CultureInfo.InvariantCulture)}|{e.Message.ReplaceLineEndings(" ")}");
        }
    }

    public static Dictionary<string, Outcome> Parse(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('|', 4))
            .Where(parts => parts.Length is 2 or 4)
            .ToDictionary(
                parts => parts[0],
                parts => parts.Length == 2
                    ? new Outcome(null, 0, string.Empty)
                    : new Outcome(parts[1], int.Parse(parts[2], CultureInfo.InvariantCulture), parts[3].TrimEnd('\r')));

    internal sealed record Outcome(string? ExceptionType, int ErrorNumber, string Message)
    {
        public bool Succeeded => ExceptionType is null;
    }
}
