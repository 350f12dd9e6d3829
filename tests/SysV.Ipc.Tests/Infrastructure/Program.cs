using System.Reflection;

namespace SysV.Ipc.Tests.Infrastructure;

/// <summary>
/// Entry point used only for child processes: <c>dotnet SysV.Ipc.Tests.dll --remote TYPE METHOD ARGS...</c>
/// runs a static method of this assembly and exits with its return value (see <see cref="RemoteExecutor"/>).
/// The test runner loads the assembly as a library and never calls this.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length < 3 || args[0] != RemoteExecutor.RemoteFlag)
        {
            Console.Error.WriteLine("usage: SysV.Ipc.Tests --remote TYPE METHOD [ARGS...] (run the tests with dotnet test)");
            return 2;
        }

        Type type = typeof(Program).Assembly.GetType(args[1], throwOnError: true)!;
        MethodInfo method = type.GetMethod(args[2], BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            ?? throw new MissingMethodException(args[1], args[2]);
        string[] rest = args[3..];
        object?[] parameters = method.GetParameters().Length == 1 && method.GetParameters()[0].ParameterType == typeof(string[])
            ? [rest]
            : rest;
        try
        {
            object? result = method.Invoke(null, parameters);
            if (result is Task<int> asyncResult)
            {
                return asyncResult.GetAwaiter().GetResult();
            }

            return result is int code ? code : RemoteExecutor.SuccessExitCode;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            Console.Error.WriteLine(e.InnerException);
            return 1;
        }
    }
}
