using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Packaging;

/// <summary>
/// The library as a user gets it: packed into a folder feed, referenced as a package (not a project) by a
/// new console project outside the repository, restored from that feed alone, built and run. The program
/// is the package README's quick start, read from the package itself, so the README shows code that
/// compiles and works. (The tool package is installed from a feed by Aot/NativeAotTests.cs, which builds it.)
/// </summary>
public sealed partial class PackageTests : IpcLeakGuard, IClassFixture<PackageTests.Feed>
{
    private readonly Feed _feed;

    public PackageTests(Feed feed) => _feed = feed;

    [Fact]
    public void TheLibraryPackage_HasItsReadmeLicenseMetadataAndSymbols()
    {
        using ZipArchive package = ZipFile.OpenRead(_feed.LibraryPackage);
        string[] entries = [.. package.Entries.Select(e => e.FullName)];
        Assert.Contains("lib/net10.0/SysV.Ipc.dll", entries);
        Assert.Contains("lib/net10.0/SysV.Ipc.xml", entries);
        Assert.Contains("README.md", entries);
        Assert.Contains("LICENSE", entries);
        Assert.DoesNotContain(entries, e => e.EndsWith(".pdb", StringComparison.Ordinal)); // in the .snupkg

        XElement metadata = Nuspec(package);
        Assert.Equal("SysV.Ipc", Value(metadata, "id"));
        Assert.Equal("The SysV.Ipc authors", Value(metadata, "authors"));
        Assert.Equal("README.md", Value(metadata, "readme"));
        XElement license = metadata.Elements().Single(e => e.Name.LocalName == "license");
        Assert.Equal(("expression", "MIT"), ((string?)license.Attribute("type"), license.Value));
        XElement repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
        Assert.Equal("git", (string?)repository.Attribute("type"));
        Assert.Matches("^[0-9a-f]{40}$", (string?)repository.Attribute("commit") ?? "");

        using ZipArchive symbols = ZipFile.OpenRead(Path.ChangeExtension(_feed.LibraryPackage, ".snupkg"));
        Assert.Contains("lib/net10.0/SysV.Ipc.pdb", symbols.Entries.Select(e => e.FullName));
    }

    [Fact]
    public void AConsoleProject_ReferencingThePackage_BuildsAndRunsTheReadmeQuickStart()
    {
        string project = Path.Combine(_feed.Directory, "consumer");
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="SysV.Ipc" Version="{_feed.Version}" />
              </ItemGroup>
              <!-- What the package README tells a Linux-only consumer to add: the library is [SupportedOSPlatform("linux")]. -->
              <ItemGroup>
                <AssemblyAttribute Include="System.Runtime.Versioning.SupportedOSPlatformAttribute">
                  <_Parameter1>linux</_Parameter1>
                </AssemblyAttribute>
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), QuickStart(_feed.LibraryPackage));

        // NuGet finds the feed's nuget.config in the folder above the project, as it would a solution's.
        Shell.Result build = Shell.Run("dotnet", ["build", project, "-c", "Release", "-nologo"], Shell.BuildTimeout, _feed.Environment);
        Assert.True(build.ExitCode == 0, $"dotnet build: exit {build.ExitCode}\n{build.StandardOutput}\n{build.StandardError}");
        Shell.Result run = Shell.Run("dotnet", [Path.Combine(project, "bin", "Release", "net10.0", "consumer.dll")], TimeSpan.FromMinutes(1));
        Assert.True(run.ExitCode == 0, $"consumer: exit {run.ExitCode}\n{run.StandardOutput}\n{run.StandardError}");

        Assert.Matches(QuickStartOutput(), run.StandardOutput);

        // What the program ran is the packed assembly, restored from the feed into the private cache.
        string restored = Path.Combine(_feed.PackageCache, "sysv.ipc", _feed.Version, "lib", "net10.0", "SysV.Ipc.dll");
        Assert.True(File.Exists(restored), restored);
        Assert.Equal(
            File.ReadAllBytes(restored),
            File.ReadAllBytes(Path.Combine(project, "bin", "Release", "net10.0", "SysV.Ipc.dll")));
    }

    [Fact]
    public void PackageValidation_FailsThePack_WhenAnApiOfTheBaselineIsGone()
    {
        // A baseline "release" of SysV.Ipc with one public type the current library does not have.
        string baseline = Path.Combine(_feed.Directory, "baseline");
        Directory.CreateDirectory(baseline);
        File.WriteAllText(Path.Combine(baseline, "baseline.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <AssemblyName>SysV.Ipc</AssemblyName>
                <PackageId>SysV.Ipc</PackageId>
                <Version>0.0.1</Version>
              </PropertyGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(baseline, "Removed.cs"), "namespace SysV.Ipc; public sealed class RemovedSinceTheBaseline { }\n");
        Shell.Result packBaseline = Shell.Run(
            "dotnet", ["pack", baseline, "-c", "Release", "-nologo", "-o", Path.Combine(baseline, "out")], Shell.BuildTimeout, _feed.Environment);
        Assert.True(packBaseline.ExitCode == 0, $"baseline pack: exit {packBaseline.ExitCode}\n{packBaseline.StandardOutput}\n{packBaseline.StandardError}");

        // The repository's settings (EnablePackageValidation) compare the package with it, and refuse it.
        Shell.Result pack = _feed.PackLibrary(Path.Combine(_feed.Directory, "validated"), $"-p:PackageValidationBaselinePath={Path.Combine(baseline, "out", "SysV.Ipc.0.0.1.nupkg")}");
        Assert.NotEqual(0, pack.ExitCode);
        Assert.Contains("CP0001", pack.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("SysV.Ipc.RemovedSinceTheBaseline", pack.StandardOutput, StringComparison.Ordinal);

        // Against itself, the package validates.
        Shell.Result same = _feed.PackLibrary(Path.Combine(_feed.Directory, "validated-same"), $"-p:PackageValidationBaselinePath={_feed.LibraryPackage}");
        Assert.True(same.ExitCode == 0, $"exit {same.ExitCode}\n{same.StandardOutput}\n{same.StandardError}");
    }

    /// <summary>The first C# block of the README packed in the package.</summary>
    private static string QuickStart(string packagePath)
    {
        using ZipArchive package = ZipFile.OpenRead(packagePath);
        using var reader = new StreamReader(package.GetEntry("README.md")!.Open());
        Match block = CSharpBlock().Match(reader.ReadToEnd());
        Assert.True(block.Success, "the package README has no ```csharp block");
        return block.Groups[1].Value;
    }

    private static XElement Nuspec(ZipArchive package)
    {
        ZipArchiveEntry entry = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using Stream stream = entry.Open();
        return XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    private static string Value(XElement metadata, string name) =>
        metadata.Elements().Single(e => e.Name.LocalName == name).Value;

    [GeneratedRegex("```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex("""
        ^queue \d+: type 1, "hello"
        segment \d+: 42
        semaphore set \d+: value 1
        channel: "through the channel"
        $
        """)]
    private static partial Regex QuickStartOutput();

    /// <summary>
    /// The library packed from the suite's own Release build (<c>--no-build</c>: the assembly the other
    /// tests run), a nuget.config whose only source is that folder, and a private package cache, so a
    /// package of the same version restored by an earlier run is never used instead.
    /// </summary>
    public sealed class Feed : IDisposable
    {
        public Feed()
        {
            Directory = Path.Combine(Path.GetTempPath(), "sysvipc-package-" + Guid.NewGuid().ToString("N"));
            string folder = Path.Combine(Directory, "feed");
            PackageCache = Path.Combine(Directory, "packages");
            NuGetConfig = Path.Combine(Directory, "nuget.config");
            System.IO.Directory.CreateDirectory(folder);
            File.WriteAllText(NuGetConfig, $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{folder}" />
                  </packageSources>
                </configuration>
                """);
            Environment = new Dictionary<string, string>
            {
                ["NUGET_PACKAGES"] = PackageCache,
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["DOTNET_NOLOGO"] = "1",
            };

            Shell.Result pack = PackLibrary(folder);
            if (pack.ExitCode != 0)
            {
                throw new InvalidOperationException($"dotnet pack src/SysV.Ipc failed ({pack.ExitCode}):\n{pack.StandardOutput}\n{pack.StandardError}");
            }

            LibraryPackage = System.IO.Directory.GetFiles(folder, "SysV.Ipc.*.nupkg").Single();
            Version = Path.GetFileNameWithoutExtension(LibraryPackage)["SysV.Ipc.".Length..];
        }

        public string Directory { get; }

        public string LibraryPackage { get; }

        public string Version { get; }

        public string NuGetConfig { get; }

        public string PackageCache { get; }

        public Dictionary<string, string> Environment { get; }

        public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

        /// <summary>
        /// <c>dotnet pack src/SysV.Ipc --no-build</c> into <paramref name="output"/>. The SDK skips package
        /// validation when the package's inputs are older than its marker file in obj/, whatever the baseline
        /// (the baseline is not one of its inputs), so each pack gets its own marker beside its output.
        /// </summary>
        public Shell.Result PackLibrary(string output, params string[] properties) => Shell.Run(
            "dotnet",
            ["pack", Path.Combine(RepositoryPaths.Root, "src", "SysV.Ipc"), "-c", "Release", "--no-build", "-nologo", "-o", output,
             $"-p:_ApiCompatValidatePackageSemaphoreFile={Path.Combine(output + ".validation", "ValidatePackage.semaphore")}", .. properties],
            Shell.BuildTimeout);
    }
}
