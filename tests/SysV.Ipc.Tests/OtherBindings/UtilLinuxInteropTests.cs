using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.OtherBindings;

/// <summary>This library and util-linux (ipcmk, ipcs, ipcrm) see the same segments the same way.</summary>
public sealed class UtilLinuxInteropTests : IpcLeakGuard
{
    [Fact]
    public void ASegmentMadeByIpcmk_OpensHereByKeyAndById()
    {
        int id = UtilLinux.Ipcmk("-M", "5000", "-p", "0640");
        try
        {
            IpcKey key = IpcKey.Parse(UtilLinux.IpcsRow('m', id)![0]);
            using var byKey = SharedMemorySegment.Open(key);
            using var byId = SharedMemorySegment.OpenById(id);
            Assert.Equal(id, byKey.Id);
            Assert.Equal(key, byId.Key);
            Assert.Equal(5000, byKey.Size);
            Assert.Equal(5000, byId.Size);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, byKey.GetInfo().Permissions);

            using SharedMemoryAttachment attachment = byKey.Attach();
            attachment.Write(4992, 0x1234_5678_9abc_def0L);
            using SharedMemoryAttachment other = byId.Attach(SharedMemoryAccess.ReadOnly);
            Assert.Equal(0x1234_5678_9abc_def0L, other.Read<long>(4992));
            Assert.Equal("2", UtilLinux.IpcsRow('m', id)![5]); // nattch as ipcs sees it
        }
        finally
        {
            Shell.Check("ipcrm", "-m", id.ToString(CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void GetInfo_ShowsWhatIpcsShows()
    {
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 12345, options: new() { RemoveOnDispose = true });
        segment.SetPermissions(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        segment.Attach().Dispose(); // sets att_time and det_time
        using SharedMemoryAttachment attachment = segment.Attach();
        segment.Lock();
        try
        {
            AssertSameAsIpcs(segment.GetInfo());
            Dictionary<string, string> ipcs = UtilLinux.IpcsSegmentDetails(segment.Id);
            Assert.Equal("02640", ipcs["mode"]); // SHM_LOCKED shows in the mode
            Assert.Contains("locked", UtilLinux.IpcsRow('m', segment.Id)!);
        }
        finally
        {
            segment.Unlock();
        }

        AssertSameAsIpcs(segment.GetInfo());
        Assert.DoesNotContain("locked", UtilLinux.IpcsRow('m', segment.Id)!);
    }

    [Fact]
    public void GetInfo_OfASegmentNeverAttached_ShowsNotSetLikeIpcs()
    {
        using var segment = SharedMemorySegment.Create(TestKeys.Unique(), 1, options: new() { RemoveOnDispose = true });
        SharedMemoryInfo info = segment.GetInfo();
        Assert.Null(info.LastAttachTime);
        AssertSameAsIpcs(info);
        Assert.Equal("Not set", UtilLinux.IpcsSegmentDetails(segment.Id)["att_time"]);
    }

    [Theory]
    [InlineData("-m")]
    [InlineData("-M")]
    public void RemovalByIpcrm_IsSeenHereAsRemoval(string option)
    {
        IpcKey key = TestKeys.Unique();
        using var segment = SharedMemorySegment.Create(key, 64);
        try
        {
            Shell.Check("ipcrm", option, option == "-m" ? segment.Id.ToString(CultureInfo.InvariantCulture) : key.ToString());
            var e = Assert.Throws<IpcObjectNotFoundException>(segment.GetInfo);
            Assert.Equal(segment.Id, e.Id);
            Assert.Throws<IpcObjectNotFoundException>(() => segment.Attach());
            Assert.Throws<IpcObjectNotFoundException>(() => SharedMemorySegment.Open(key));
            Assert.Throws<IpcObjectNotFoundException>(() => SharedMemorySegment.OpenById(segment.Id));
            Assert.False(SharedMemorySegment.TryRemove(segment.Id));
        }
        finally
        {
            SharedMemorySegment.TryRemove(segment.Id);
        }
    }

    [Theory]
    [InlineData("ipcrm")]
    [InlineData("Remove")]
    public void RemovalWhileAttached_ShowsKeyZeroAndDest_InIpcsProcAndGetInfo(string remover)
    {
        IpcKey key = TestKeys.Unique();
        using var segment = SharedMemorySegment.Create(key, 64);
        SharedMemoryAttachment attachment = segment.Attach();
        try
        {
            Assert.Equal(key.ToString(), UtilLinux.IpcsRow('m', segment.Id)![0]);
            if (remover == "ipcrm")
            {
                Shell.Check("ipcrm", "-m", segment.Id.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                segment.Remove();
            }

            string[] ipcs = UtilLinux.IpcsRow('m', segment.Id)!;
            Assert.Equal("0x00000000", ipcs[0]);
            Assert.Contains("dest", ipcs);
            Assert.Equal("01600", UtilLinux.IpcsSegmentDetails(segment.Id)["mode"]);

            Dictionary<string, string> proc = UtilLinux.ProcRow("shm", segment.Id)!;
            Assert.Equal("0", proc["key"]);
            Assert.Equal("1600", proc["perms"]);

            SharedMemoryInfo info = segment.GetInfo();
            Assert.True(info.IsMarkedForRemoval);
            Assert.Equal(IpcKey.Private, info.Key);
            Assert.Equal(1, info.AttachCount);
            SharedMemoryInfo listed = IpcSystem.ListSharedMemory().Single(s => s.Id == segment.Id);
            Assert.True(listed.IsMarkedForRemoval);
            Assert.Equal(IpcKey.Private, listed.Key);
            AssertSameAsIpcs(info);
        }
        finally
        {
            attachment.Dispose();
        }

        // Gone at the last detach, for everyone.
        Assert.Null(UtilLinux.IpcsRow('m', segment.Id));
        Assert.Null(UtilLinux.ProcRow("shm", segment.Id));
        Assert.Contains($"id {segment.Id} not found", Shell.Run("ipcs", ["-m", "-i", segment.Id.ToString(CultureInfo.InvariantCulture)]).StandardError, StringComparison.Ordinal);
        Assert.Throws<IpcObjectNotFoundException>(segment.GetInfo);
    }

    private static void AssertSameAsIpcs(SharedMemoryInfo info)
    {
        Dictionary<string, string> ipcs = UtilLinux.IpcsSegmentDetails(info.Id);
        Assert.Equal(Text(info.OwnerUserId), ipcs["uid"]);
        Assert.Equal(Text(info.OwnerGroupId), ipcs["gid"]);
        Assert.Equal(Text(info.CreatorUserId), ipcs["cuid"]);
        Assert.Equal(Text(info.CreatorGroupId), ipcs["cgid"]);
        Assert.Equal(UtilLinux.Octal(info.Mode), ipcs["mode"]);
        Assert.Equal(UtilLinux.Octal((int)info.Permissions), ipcs["access_perms"]);
        Assert.Equal(Text(info.Size), ipcs["bytes"]);
        Assert.Equal(Text(info.LastProcessId), ipcs["lpid"]);
        Assert.Equal(Text(info.CreatorProcessId), ipcs["cpid"]);
        Assert.Equal(Text(info.AttachCount), ipcs["nattch"]);
        Assert.Equal(UtilLinux.CTime(info.LastAttachTime), ipcs["att_time"]);
        Assert.Equal(UtilLinux.CTime(info.LastDetachTime), ipcs["det_time"]);
        Assert.Equal(UtilLinux.CTime(info.LastChangeTime), ipcs["change_time"]);
    }

    private static string Text<T>(T value)
        where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
