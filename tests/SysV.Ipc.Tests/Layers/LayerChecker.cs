using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace SysV.Ipc.Tests.Layers;

/// <summary>One layer of the library: the folders (under src/SysV.Ipc) whose files belong to it, and its rank.</summary>
public sealed record Layer(string Name, int Rank, string Folder);

/// <summary>A file of one layer that uses a symbol declared in a layer it may not depend on.</summary>
public sealed record LayerViolation(string File, int Line, string Symbol, string FromLayer, string ToLayer, string Rule)
{
    public override string ToString() => $"{File}:{Line}: {FromLayer} uses {Symbol} of {ToLayer} ({Rule})";
}

/// <summary>
/// The dependency rule of docs/design.md, checked on meaning, not on text: every source file is compiled
/// with Roslyn, every name in it is bound to the symbol it means, and the folder of the file that declares
/// that symbol gives the symbol's layer. A file may use its own layer's folder and lower ranks only: nothing
/// upward, nothing sideways between peers of one rank. Renaming or aliasing a type cannot hide a use,
/// because the binding, not the spelling, decides.
/// </summary>
public static class LayerChecker
{
    /// <summary>Interop ← Core ← the primitives ← Structured / Synchronization ← Channels ← Inspection.</summary>
    public static IReadOnlyList<Layer> Layers { get; } =
    [
        new("Interop", 0, "Interop"),
        new("Core", 1, "Core"),
        new("SharedMemory", 2, "SharedMemory"),
        new("MessageQueues", 2, "MessageQueues"),
        new("Semaphores", 2, "Semaphores"),
        new("Structured", 3, "Structured"),
        new("Synchronization", 3, "Synchronization"),
        new("Channels", 4, "Channels"),
        new("Inspection", 5, "Inspection"),
    ];

    /// <summary>What the SDK's ImplicitUsings add to every file of the library.</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    /// <summary>Checks the library's real sources.</summary>
    public static IReadOnlyList<LayerViolation> CheckLibrary(string libraryDirectory)
    {
        var files = Directory.EnumerateFiles(libraryDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Select(f => (Path.GetRelativePath(libraryDirectory, f), File.ReadAllText(f)));
        return Check(files);
    }

    /// <summary>Checks any set of files given by their path relative to the library folder (tests feed small synthetic ones).</summary>
    public static IReadOnlyList<LayerViolation> Check(IEnumerable<(string RelativePath, string Text)> files)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        List<SyntaxTree> trees = [.. files.Select(f => CSharpSyntaxTree.ParseText(f.Text, parse, path: f.RelativePath.Replace('\\', '/')))];
        SyntaxTree implicitUsings = CSharpSyntaxTree.ParseText(ImplicitUsings, parse, path: "<implicit usings>");
        var compilation = CSharpCompilation.Create(
            "LayerCheck",
            [.. trees, implicitUsings],
            PlatformReferences(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));

        var violations = new List<LayerViolation>();
        foreach (SyntaxTree tree in trees)
        {
            Layer? from = LayerOf(tree.FilePath);
            SyntaxNode root = tree.GetRoot();
            if (from is null)
            {
                if (root.DescendantNodes().OfType<BaseTypeDeclarationSyntax>().Any() || root.DescendantNodes().OfType<DelegateDeclarationSyntax>().Any())
                {
                    violations.Add(new(tree.FilePath, 1, "(its types)", "(no layer)", "(no layer)",
                        $"every file that declares a type must be in a layer folder: {string.Join(", ", Layers.Select(l => l.Folder))}"));
                }

                continue;
            }

            SemanticModel model = compilation.GetSemanticModel(tree);
            foreach (SyntaxNode node in root.DescendantNodes())
            {
                ISymbol? symbol = node switch
                {
                    SimpleNameSyntax or ImplicitObjectCreationExpressionSyntax or BinaryExpressionSyntax or PrefixUnaryExpressionSyntax => Bound(model, node),
                    _ => null,
                };
                if (symbol is null)
                {
                    continue;
                }

                foreach (Layer to in DeclaringLayers(symbol).Distinct())
                {
                    string? rule = Forbidden(from, to);
                    if (rule is not null)
                    {
                        violations.Add(new(tree.FilePath, node.GetLocation().GetLineSpan().StartLinePosition.Line + 1,
                            symbol.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat), from.Name, to.Name, rule));
                    }
                }
            }
        }

        return [.. violations.DistinctBy(v => (v.File, v.Symbol, v.ToLayer))];
    }

    /// <summary>The layer of a file from its first folder under the library; null for files at the top.</summary>
    public static Layer? LayerOf(string relativePath)
    {
        int slash = relativePath.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return null;
        }

        string folder = relativePath[..slash];
        return Layers.FirstOrDefault(l => l.Folder == folder)
            ?? new Layer($"unknown folder '{folder}'", int.MaxValue, folder);
    }

    private static string? Forbidden(Layer from, Layer to)
    {
        if (from.Rank == int.MaxValue)
        {
            return $"the folder '{from.Folder}' is not one of the layers; add it to LayerChecker.Layers and docs/design.md";
        }

        if (to.Folder == from.Folder || to.Rank < from.Rank)
        {
            return null;
        }

        return to.Rank > from.Rank
            ? $"upward: {from.Name} (rank {from.Rank}) may not depend on {to.Name} (rank {to.Rank})"
            : $"sideways: {from.Name} and {to.Name} are peers (rank {from.Rank}) and may not depend on each other; move what both need down to Core";
    }

    private static ISymbol? Bound(SemanticModel model, SyntaxNode node)
    {
        SymbolInfo info = model.GetSymbolInfo(node);
        ISymbol? symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
        return symbol switch
        {
            null or ILocalSymbol or IParameterSymbol or IRangeVariableSymbol or ILabelSymbol or INamespaceSymbol or ITypeParameterSymbol or IDiscardSymbol => null,
            IMethodSymbol { ReducedFrom: { } extension } => extension.OriginalDefinition,
            _ => symbol.OriginalDefinition,
        };
    }

    private static IEnumerable<Layer> DeclaringLayers(ISymbol symbol)
    {
        // Implicit members (a record's generated ones, default constructors) belong to their type.
        for (ISymbol? s = symbol; s is not null; s = s.ContainingType)
        {
            if (s.DeclaringSyntaxReferences.Length > 0)
            {
                foreach (SyntaxReference reference in s.DeclaringSyntaxReferences)
                {
                    if (LayerOf(reference.SyntaxTree.FilePath) is { } layer)
                    {
                        yield return layer;
                    }
                }

                yield break;
            }
        }
    }

    private static List<MetadataReference> PlatformReferences() =>
        [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => MetadataReference.CreateFromFile(p))];
}
