using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Docs;

/// <summary>
/// Every ```csharp block of the README and of docs/ compiles against the library as built, so a rename
/// cannot leave the docs behind. Each block (or each "// Process ..." part of one) is compiled as the body of
/// an async method, its type declarations beside it; names a snippet uses without declaring (key, token, body, a Counters struct, the caller's
/// Repair/Fill helpers) come from a small prelude, added only when the snippet does not declare them.
/// </summary>
public sealed partial class DocSnippetTests
{
    private static readonly (string Name, string Declaration)[] s_prelude =
    [
        ("key", "IpcKey key = IpcKey.Private;"),
        ("lockKey", "IpcKey lockKey = IpcKey.Private;"),
        ("body", "byte[] body = [1, 2, 3];"),
        ("token", "CancellationToken token = CancellationToken.None;"),
        ("Counters", "struct Counters { public long Requests; public long Errors; }"),
        ("Price", "struct Price { public long Cents; }"),
        ("Repair", "static void Repair(ref Counters c) { }"),
        ("Fill", "static void Fill(Span<byte> slot) { }"),
        ("RepairSharedData", "static void RepairSharedData() { }"),
        ("UpdateSharedData", "static void UpdateSharedData() { }"),
    ];

    private static readonly string[] s_usings =
    [
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Threading", "System.Threading.Tasks",
        "System.Diagnostics.CodeAnalysis", "SysV.Ipc",
    ];

    public static TheoryData<string> Documents()
    {
        var data = new TheoryData<string> { "README.md" };
        foreach (string doc in Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "docs"), "*.md").Order(StringComparer.Ordinal))
        {
            if (File.ReadAllText(doc).Contains("```csharp", StringComparison.Ordinal))
            {
                data.Add(Path.GetRelativePath(RepositoryPaths.Root, doc));
            }
        }

        return data;
    }

    [Fact]
    public void TheReadmeHasAnApiTourToCompile() =>
        Assert.True(Snippets(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"))).Count() >= 5);

    [Theory]
    [MemberData(nameof(Documents))]
    public void EveryCSharpSnippet_Compiles(string document)
    {
        string text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, document));
        var failures = new List<string>();
        foreach ((int line, string snippet) in Snippets(text))
        {
            foreach (string error in Compile(snippet))
            {
                failures.Add($"{document}, snippet at line {line}: {error}\n{snippet}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    [Fact]
    public void TheCompilerReallyChecks_ARenamedMemberFails()
    {
        Assert.Empty(Compile("using var set = SemaphoreSet.Create(key, 1, [1]);\nset.Release(0);"));
        Assert.NotEmpty(Compile("using var set = SemaphoreSet.Create(key, 1, [1]);\nset.ReleaseRenamed(0);"));
    }

    /// <summary>The ```csharp blocks with the line they start on, split where a block shows two processes.</summary>
    private static IEnumerable<(int Line, string Code)> Snippets(string markdown)
    {
        string[] lines = markdown.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith("```csharp", StringComparison.Ordinal))
            {
                int start = i + 1;
                var part = new List<string>();
                int partStart = start;
                for (i = start; i < lines.Length && !lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal); i++)
                {
                    if (lines[i].TrimStart().StartsWith("// Process", StringComparison.Ordinal) && part.Any(l => l.Trim().Length > 0))
                    {
                        yield return (partStart + 1, string.Join('\n', part));
                        part.Clear();
                        partStart = i;
                    }

                    part.Add(lines[i]);
                }

                yield return (partStart + 1, string.Join('\n', part));
            }
        }
    }

    private static List<string> Compile(string snippet)
    {
        // Usings the snippet writes go first, with ours; type declarations go to class level; the rest is
        // the body of an async method. The prelude declares what the snippet leaves undeclared.
        var usings = new List<string>(s_usings.Select(u => $"using {u};"));
        var types = new List<string>();
        var body = new List<string>();
        string[] lines = snippet.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (UsingDirective().IsMatch(lines[i]))
            {
                usings.Add(lines[i].Trim());
            }
            else if (TypeDeclaration().IsMatch(lines[i]))
            {
                int depth = 0;
                bool opened = false;
                for (; i < lines.Length; i++)
                {
                    types.Add(lines[i]);
                    depth += lines[i].Count(c => c == '{') - lines[i].Count(c => c == '}');
                    opened |= lines[i].Contains('{', StringComparison.Ordinal);
                    if (opened && depth == 0)
                    {
                        break;
                    }
                }
            }
            else
            {
                body.Add(lines[i]);
            }
        }

        string all = string.Join('\n', lines);
        string[] missing = [.. s_prelude.Where(p => !Declares(all, p.Name)).Select(p => p.Declaration)];
        string code =
            string.Join('\n', usings.Distinct()) + "\n" +
            "internal static class Snippet\n{\n" +
            string.Join('\n', missing.Where(d => !IsLocal(d)).Select(d => d.StartsWith("static", StringComparison.Ordinal) ? d : "internal " + d)) + "\n" +
            string.Join('\n', types) + "\n" +
            "internal static async Task Run()\n{\n" +
            string.Join('\n', missing.Where(IsLocal)) + "\n" +
            "await Task.CompletedTask;\n" +
            "#line 1\n" + string.Join('\n', body) + "\n}\n}\n";

        SyntaxTree tree = CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Preview));
        var compilation = CSharpCompilation.Create(
            "snippet", [tree], References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        return [.. compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => $"line {d.Location.GetMappedLineSpan().StartLinePosition.Line + 1}: {d.Id} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}")];
    }

    private static bool IsLocal(string declaration) =>
        !declaration.StartsWith("static", StringComparison.Ordinal) && !declaration.StartsWith("struct", StringComparison.Ordinal);

    private static bool Declares(string code, string name) =>
        Regex.IsMatch(code, $@"(struct|class|record|enum)\s+{Regex.Escape(name)}\b|void\s+{Regex.Escape(name)}\s*\(|[\w>\]?]\s+{Regex.Escape(name)}\s*=");

    private static readonly Lazy<List<MetadataReference>> References = new(() =>
        [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(IpcKey).Assembly.Location))]);

    [GeneratedRegex(@"^\s*(public\s+|internal\s+)?(readonly\s+)?(struct|class|record|enum)\s+\w+")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"^\s*using\s+[\w.]+\s*;\s*$")]
    private static partial Regex UsingDirective();
}
