using System.Reflection;
using System.Runtime.InteropServices;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Core;

/// <summary>
/// The guard that stops a non-Linux or other-architecture process before any libc call. Only Linux x64/arm64
/// machines run these tests, so the refusing branch is checked through the guard's own decision function.
/// </summary>
public sealed class PlatformGuardTests : IpcLeakGuard
{
    [Theory]
    [InlineData(false, Architecture.X64, "Darwin 23.4.0 Darwin Kernel Version 23.4.0")]
    [InlineData(false, Architecture.Arm64, "Microsoft Windows 10.0.22631")]
    [InlineData(true, Architecture.Arm, "Linux 6.1.0-rpi7-rpi-v7")]
    [InlineData(true, Architecture.S390x, "Linux 5.14.0")]
    [InlineData(true, Architecture.X86, "Linux 6.1.0")]
    public void OtherPlatforms_AreRefusedWithAMessageNamingThem(bool isLinux, Architecture architecture, string os)
    {
        string? reason = PlatformGuard.UnsupportedReason(isLinux, architecture, os);
        Assert.NotNull(reason);
        Assert.StartsWith("SysV.Ipc supports Linux on x64 and arm64; this process runs on ", reason, StringComparison.Ordinal);
        Assert.Contains($"{os} ({architecture})", reason, StringComparison.Ordinal);
        Assert.Contains("no System V call is made", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Architecture.X64)]
    [InlineData(Architecture.Arm64)]
    public void LinuxX64AndArm64_AreSupported(Architecture architecture) =>
        Assert.Null(PlatformGuard.UnsupportedReason(isLinux: true, architecture, "Linux"));

    [Fact]
    public void ThisProcess_IsSupported_AndTheGuardLetsCallsThrough()
    {
        Assert.True(OperatingSystem.IsLinux());
        Assert.True(PlatformGuard.IsSupported);
        PlatformGuard.ThrowIfUnsupported();
        Assert.Null(PlatformGuard.UnsupportedReason(OperatingSystem.IsLinux(), RuntimeInformation.ProcessArchitecture, RuntimeInformation.OSDescription));
    }

    [Fact]
    public void EveryEntryPoint_RefusesBeforeAnyNativeCall_OnAnUnsupportedPlatform()
    {
        // A child plays an unsupported platform (the guard's verdict replaced by reflection) and calls every
        // public entry point that reaches libc: each must throw PlatformNotSupportedException, and nothing
        // may have been created.
        IpcKey key = TestKeys.Unique();
        using RemoteProcess child = RemoteExecutor.Start(CallEveryEntryPointAsIfOnFreeBsd, key.ToString());
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(30));
        Dictionary<string, ChildReport.Outcome> report = ChildReport.Parse(child.StandardOutput);
        Assert.Equal(13, report.Count);
        foreach ((string step, ChildReport.Outcome outcome) in report)
        {
            Assert.True(outcome.ExceptionType == nameof(PlatformNotSupportedException), $"{step}: {outcome}");
            Assert.StartsWith("SysV.Ipc supports Linux on x64 and arm64; this process runs on FreeBSD 14.0 (X64)", outcome.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(IpcSystem.ListSharedMemory(), s => s.Key == key);
    }

    private static int CallEveryEntryPointAsIfOnFreeBsd(string keyText)
    {
        IpcKey key = IpcKey.Parse(keyText);
        typeof(PlatformGuard).GetField("s_unsupportedReason", BindingFlags.Static | BindingFlags.NonPublic)!
            .SetValue(null, PlatformGuard.UnsupportedReason(false, Architecture.X64, "FreeBSD 14.0"));

        ChildReport.Step("FromFile", () => IpcKey.FromFile("/etc/passwd"));
        ChildReport.Step("Create", () => SharedMemorySegment.Create(key, 64));
        ChildReport.Step("CreatePrivate", () => SharedMemorySegment.Create(IpcKey.Private, 64));
        ChildReport.Step("OpenOrCreate", () => SharedMemorySegment.OpenOrCreate(key, 64));
        ChildReport.Step("Open", () => SharedMemorySegment.Open(key));
        ChildReport.Step("OpenById", () => SharedMemorySegment.OpenById(0));
        ChildReport.Step("TryRemove", () => SharedMemorySegment.TryRemove(0));
        ChildReport.Step("ListSharedMemory", () => IpcSystem.ListSharedMemory());
        ChildReport.Step("ListMessageQueues", () => IpcSystem.ListMessageQueues());
        ChildReport.Step("ListSemaphoreSets", () => IpcSystem.ListSemaphoreSets());
        ChildReport.Step("ListAll", () => IpcSystem.ListAll());
        ChildReport.Step("GetLimits", () => IpcSystem.GetLimits());
        ChildReport.Step("GetUsage", () => IpcSystem.GetUsage());
        return RemoteExecutor.SuccessExitCode;
    }
}
