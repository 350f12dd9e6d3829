using Xunit;
using SysV.Ipc.Tests.Infrastructure;

namespace SysV.Ipc.Tests.Layers;

/// <summary>The library keeps the dependency rule of docs/design.md, and the check really catches a break of it.</summary>
public sealed class LayerTests
{
    private static string LibraryDirectory => Path.Combine(RepositoryPaths.Root, "src", "SysV.Ipc");

    [Fact]
    public void TheLibrary_HasNoUpwardOrSidewaysReference()
    {
        IReadOnlyList<LayerViolation> violations = LayerChecker.CheckLibrary(LibraryDirectory);
        Assert.True(violations.Count == 0, "Layer rule broken (Interop ← Core ← primitives ← Structured/Synchronization ← Channels ← Inspection; nothing up or sideways):\n" + string.Join("\n", violations));
    }

    [Fact]
    public void TheCheck_SeesEveryLibraryFile_AndEveryFolderIsALayer()
    {
        string[] folders = [.. Directory.GetDirectories(LibraryDirectory).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj"))!];
        Assert.All(folders, f => Assert.Contains(LayerChecker.Layers, l => l.Folder == f));
    }

    [Fact]
    public void AnUpwardReference_IsReported_WithRuleAndFile()
    {
        // Core (rank 1) using a channel type (rank 4): what the rule forbids.
        IReadOnlyList<LayerViolation> violations = LayerChecker.Check(
        [
            ("Core/Helper.cs", "namespace SysV.Ipc; internal static class Helper { internal static int Size(Ring r) => r.Capacity; }"),
            ("Channels/Ring.cs", "namespace SysV.Ipc; internal sealed class Ring { internal int Capacity => 1; }"),
        ]);

        LayerViolation v = Assert.Single(violations, v => v.Symbol.Contains("Ring", StringComparison.Ordinal) && !v.Symbol.Contains("Capacity", StringComparison.Ordinal));
        Assert.Equal("Core/Helper.cs", v.File);
        Assert.Equal("Core", v.FromLayer);
        Assert.Equal("Channels", v.ToLayer);
        Assert.StartsWith("upward", v.Rule, StringComparison.Ordinal);
        Assert.Contains(violations, v => v.Symbol.EndsWith("Capacity", StringComparison.Ordinal)); // the member use too
    }

    [Fact]
    public void AReferenceThroughAnAliasOrVar_IsStillReported()
    {
        // A grep for the type's name would miss both: the alias hides it, and var never names it.
        IReadOnlyList<LayerViolation> violations = LayerChecker.Check(
        [
            ("Interop/Native.cs", "using R = SysV.Ipc.Registry; namespace SysV.Ipc; internal static class Native { internal static object Make() => new R(); }"),
            ("Semaphores/Uses.cs", "namespace SysV.Ipc; internal static class Uses { internal static int F() { var x = Factory.Make(); return x.GetHashCode(); } }"),
            ("Inspection/Registry.cs", "namespace SysV.Ipc; internal sealed class Registry { }"),
            ("Channels/Factory.cs", "namespace SysV.Ipc; internal static class Factory { internal static object Make() => new(); }"),
        ]);

        Assert.Contains(violations, v => v.File == "Interop/Native.cs" && v.ToLayer == "Inspection");
        Assert.Contains(violations, v => v.File == "Semaphores/Uses.cs" && v.ToLayer == "Channels");
    }

    [Fact]
    public void ASidewaysReferenceBetweenPeers_IsReported_AndDownwardIsAllowed()
    {
        IReadOnlyList<LayerViolation> violations = LayerChecker.Check(
        [
            ("MessageQueues/Queue.cs", "namespace SysV.Ipc; internal static class Queue { internal static void F() => Segment.Validate(); }"),
            ("SharedMemory/Segment.cs", "namespace SysV.Ipc; internal static class Segment { internal static void Validate() => Key.Check(); }"),
            ("Core/Key.cs", "namespace SysV.Ipc; internal static class Key { internal static void Check() { } }"),
        ]);

        LayerViolation v = Assert.Single(violations, v => v.Symbol.EndsWith("Segment", StringComparison.Ordinal));
        Assert.Equal("MessageQueues/Queue.cs", v.File);
        Assert.StartsWith("sideways", v.Rule, StringComparison.Ordinal);
        Assert.DoesNotContain(violations, v => v.File == "SharedMemory/Segment.cs"); // primitives may use Core
    }

    [Fact]
    public void ATypeInAFolderThatIsNoLayer_IsReported()
    {
        IReadOnlyList<LayerViolation> violations = LayerChecker.Check(
        [
            ("Helpers/Misc.cs", "namespace SysV.Ipc; internal static class Misc { internal static void F() => Key.Check(); }"),
            ("Loose.cs", "namespace SysV.Ipc; internal static class Loose { }"),
            ("Core/Key.cs", "namespace SysV.Ipc; internal static class Key { internal static void Check() { } }"),
        ]);

        Assert.Contains(violations, v => v.File == "Helpers/Misc.cs" && v.Rule.Contains("not one of the layers", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.File == "Loose.cs");
    }
}
