namespace SysV.Ipc.Cli.Output;

/// <summary>One semaphore of a set, as <c>ipcs -s -i</c> lists it.</summary>
internal readonly record struct SemaphoreRow(int Value, int WaitingCount, int ZeroWaitingCount, int LastProcessId);

/// <summary>Writes what <c>ipcs -m|-q|-s -i ID</c> (util-linux 2.38.1) prints for one object, exactly.</summary>
internal static class IpcsDetails
{
    public static void WriteSegment(TextWriter output, SharedMemoryInfo s, SizeUnit unit)
    {
        output.Write("\nShared memory Segment shmid=" + CText.Number(s.Id) + "\n");
        output.Write($"uid={CText.Number(s.OwnerUserId)}\tgid={CText.Number(s.OwnerGroupId)}\tcuid={CText.Number(s.CreatorUserId)}\tcgid={CText.Number(s.CreatorGroupId)}\n");
        output.Write($"mode={CText.OctalAlternate(s.Mode)}\taccess_perms={CText.OctalAlternate(s.Mode & 0x1FF)}\n");
        output.Write((unit == SizeUnit.Human ? "size=" : "bytes=") + IpcsListing.SizeValue(unit, (ulong)s.Size) + "\t");
        output.Write($"lpid={CText.Number(s.LastProcessId)}\tcpid={CText.Number(s.CreatorProcessId)}\tnattch={CText.Number(s.AttachCount)}\n");
        output.Write("att_time=" + CText.Time(s.LastAttachTime, 0, 26, 24) + "\n");
        output.Write("det_time=" + CText.Time(s.LastDetachTime, 0, 26, 24) + "\n");
        output.Write("change_time=" + CText.Time(s.LastChangeTime, 0, 26, 24) + "\n");
        output.Write("\n");
    }

    public static void WriteQueue(TextWriter output, MessageQueueInfo q, SizeUnit unit)
    {
        output.Write("\nMessage Queue msqid=" + CText.Number(q.Id) + "\n");
        output.Write($"uid={CText.Number(q.OwnerUserId)}\tgid={CText.Number(q.OwnerGroupId)}\tcuid={CText.Number(q.CreatorUserId)}\tcgid={CText.Number(q.CreatorGroupId)}\tmode={CText.OctalAlternate(q.Mode)}\n");
        output.Write((unit == SizeUnit.Human ? "csize=" : "cbytes=") + IpcsListing.SizeValue(unit, (ulong)q.BytesUsed) + "\t");
        output.Write((unit == SizeUnit.Human ? "qsize=" : "qbytes=") + IpcsListing.SizeValue(unit, (ulong)(q.MaxBytes ?? 0)) + "\t");
        output.Write($"qnum={CText.Number(q.MessageCount)}\tlspid={CText.Number(q.LastSendProcessId)}\tlrpid={CText.Number(q.LastReceiveProcessId)}\n");
        output.Write("send_time=" + CText.Time(q.LastSendTime, 0, 26, 24) + "\n");
        output.Write("rcv_time=" + CText.Time(q.LastReceiveTime, 0, 26, 24) + "\n");
        output.Write("change_time=" + CText.Time(q.LastChangeTime, 0, 26, 24) + "\n");
        output.Write("\n");
    }

    public static void WriteSemaphoreSet(TextWriter output, SemaphoreSetInfo s, IReadOnlyList<SemaphoreRow> semaphores)
    {
        output.Write("\nSemaphore Array semid=" + CText.Number(s.Id) + "\n");
        output.Write($"uid={CText.Number(s.OwnerUserId)}\t gid={CText.Number(s.OwnerGroupId)}\t cuid={CText.Number(s.CreatorUserId)}\t cgid={CText.Number(s.CreatorGroupId)}\n");
        output.Write($"mode={CText.OctalAlternate(s.Mode)}, access_perms={CText.OctalAlternate(s.Mode & 0x1FF)}\n");
        output.Write("nsems = " + CText.Number(s.Count) + "\n");
        output.Write("otime = " + CText.Time(s.LastOperationTime, 0, 26, 24) + "\n");
        output.Write("ctime = " + CText.Time(s.LastChangeTime, 0, 26, 24) + "\n");
        output.Write(string.Join(" ", new[] { "semnum", "value", "ncount", "zcount", "pid" }.Select(h => CText.Left(h, 10))) + "\n");
        for (int i = 0; i < semaphores.Count; i++)
        {
            SemaphoreRow row = semaphores[i];
            output.Write(CText.Left(i, 10) + " " + CText.Left(row.Value, 10) + " " + CText.Left(row.WaitingCount, 10) + " " + CText.Left(row.ZeroWaitingCount, 10) + " " + CText.Left(row.LastProcessId, 10) + "\n");
        }

        output.Write("\n");
    }
}
