using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace SysV.Ipc.Cli.Commands;

/// <summary>
/// <c>sysvipc cdecl ASSEMBLY.dll TYPE [--out file.h]</c>: the C struct of a SharedStruct&lt;T&gt;'s T, with
/// _Static_asserts on its size and every offset and its layout text and signature as constants, so a C
/// program (with libsysvipc's sysvipc_area_open) shares the area with .NET processes.
/// </summary>
internal static class CdeclCommand
{
    private static readonly Argument<string> s_assembly = new("ASSEMBLY") { Description = "The .NET assembly (.dll) that defines the struct." };
    private static readonly Argument<string> s_type = new("TYPE") { Description = "The struct: its full name (Namespace.Outer+Inner) or, when unique, its simple name." };
    private static readonly Option<string> s_out = new("--out", "-o") { Description = "Write the header to this file instead of standard output." };

    public static Command Create()
    {
        var command = new Command("cdecl", "Write the C declaration of a SharedStruct<T>'s T (nested structs, fixed buffers, explicit layouts), with _Static_asserts on its size and every offset and the layout signature as a constant.")
        {
            s_assembly, s_type, s_out,
        };
        command.SetAction(Run);
        HelpExamples.Register(command, """
              sysvipc cdecl bin/Release/net10.0/App.dll App.Counters
              sysvipc cdecl App.dll Counters --out counters.h
            """);
        return command;
    }

    private const string NeedsJit = "cdecl loads the user's assembly and instantiates SharedStruct<T> over its type, which only the JIT build of the tool can do; the native AOT build checks RuntimeFeature.IsDynamicCodeSupported first and says so instead of failing obscurely.";

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = NeedsJit)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = NeedsJit)]
    private static int Run(ParseResult result)
    {
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            throw new CliUsageException("cdecl reads a .NET assembly's types, which this native (ahead-of-time compiled) build of sysvipc cannot load: run the framework-dependent build instead ('dotnet sysvipc.dll cdecl ...' from the SysV.Ipc.Cli package's 'any' build, or from 'dotnet build src/SysV.Ipc.Cli')");
        }

        string path = Path.GetFullPath(result.GetValue(s_assembly)!);
        string typeName = result.GetValue(s_type)!;
        if (!File.Exists(path))
        {
            throw new CliUsageException($"no assembly at {path}: give the path of the .dll that defines {typeName}");
        }

        var context = new AssemblyLoadContext("sysvipc-cdecl", isCollectible: true);
        string directory = Path.GetDirectoryName(path)!;
        context.Resolving += (ctx, name) =>
        {
            string candidate = Path.Combine(directory, name.Name + ".dll");
            return File.Exists(candidate) ? ctx.LoadFromAssemblyPath(candidate) : null;
        };
        try
        {
            Assembly assembly;
            try
            {
                assembly = context.LoadFromAssemblyPath(path);
            }
            catch (BadImageFormatException)
            {
                throw new CliUsageException($"{path} is not a .NET assembly");
            }

            Type type = FindType(assembly, typeName, path);
            string layout = Describe(type, out ulong signature);
            string header = CDeclaration.Write(type.Name, layout, signature, $"C declaration of {type.FullName} from {Path.GetFileName(path)}.");
            string? output = result.GetValue(s_out);
            if (output is null)
            {
                CommandOutput.Out(result).Write(header);
            }
            else
            {
                File.WriteAllText(output, header);
            }

            return 0;
        }
        catch (FormatException e)
        {
            throw new CliUsageException($"{typeName} cannot be written as a C struct: {e.Message}");
        }
        finally
        {
            context.Unload();
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = NeedsJit)]
    private static Type FindType(Assembly assembly, string name, string path)
    {
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = [.. e.Types.Where(t => t is not null)!];
        }

        Type? exact = types.FirstOrDefault(t => t.FullName == name || t.FullName?.Replace('+', '.') == name);
        if (exact is not null)
        {
            return Shareable(exact);
        }

        Type[] simple = [.. types.Where(t => t.Name == name)];
        return simple.Length switch
        {
            1 => Shareable(simple[0]),
            0 => throw new CliUsageException($"{Path.GetFileName(path)} defines no type {name}: give its full name (Namespace.Type, or Namespace.Outer+Inner for a nested type)"),
            _ => throw new CliUsageException($"{Path.GetFileName(path)} defines several types named {name} ({string.Join(", ", simple.Select(t => t.FullName))}): give the full name"),
        };
    }

    private static Type Shareable(Type type) =>
        type.IsValueType && !type.IsEnum && !type.IsPrimitive
            ? type
            : throw new CliUsageException($"{type.FullName} is not a struct: SharedStruct<T> shares unmanaged structs");

    /// <summary>SharedStruct&lt;T&gt;'s own layout text and signature, so the C side is checked against exactly what .NET checks.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2071", Justification = NeedsJit + " The type comes from an assembly loaded whole, so nothing of it is trimmed.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = NeedsJit)]
    private static string Describe(Type type, out ulong signature)
    {
        Type shared;
        try
        {
            shared = typeof(SharedStruct<>).MakeGenericType(type);
        }
        catch (ArgumentException)
        {
            throw new CliUsageException($"{type.FullName} cannot be a SharedStruct<T>: it is not an unmanaged struct (it holds references)");
        }

        try
        {
            string text = (string)shared.GetProperty(nameof(SharedStruct<int>.LayoutDescription))!.GetValue(null)!;
            signature = (ulong)shared.GetProperty(nameof(SharedStruct<int>.LayoutSignature))!.GetValue(null)!;
            return text;
        }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException or NotSupportedException)
        {
            throw new CliUsageException(e.InnerException.Message);
        }
    }
}
