using System.Text;

namespace SysV.Ipc.Cli.Commands;

/// <summary>
/// <c>sysvipc peek -q ID [--count N]</c>: the messages waiting in a queue, without taking them (msgrcv with
/// MSG_COPY through <see cref="MessageQueue.TryPeek"/>), each as its type, length, a hexdump and its text.
/// </summary>
internal static class PeekCommand
{
    private static readonly Option<string> s_queue = new("--queue-id", "-q") { Description = "The queue's id (msqid, as 'sysvipc ls -q' lists it).", HelpName = "ID", Required = true };
    private static readonly Option<int> s_count = new("--count", "-c") { Description = "At most this many messages, from the front (default 10; 0 for all).", HelpName = "N", DefaultValueFactory = _ => 10 };

    public static Command Create()
    {
        var command = new Command("peek", "Show the messages waiting in a queue without consuming them (MSG_COPY): type, length, hexdump and text of each. Needs read permission on the queue and a kernel with CONFIG_CHECKPOINT_RESTORE.")
        {
            s_queue, s_count, ListCommand.s_json,
        };
        command.SetAction(Run);
        HelpExamples.Register(command, """
              sysvipc peek -q 4                # the first 10 messages of queue 4, left in the queue
              sysvipc peek -q 4 --count 1      # only the next one
              sysvipc peek -q 4 --count 0 --json
            """);
        return command;
    }

    private static int Run(ParseResult result)
    {
        string idText = result.GetValue(s_queue)!;
        if (!ArgumentParsers.TryParseId(idText, out int id, out string error))
        {
            throw new CliUsageException(error);
        }

        int count = result.GetValue(s_count);
        if (count < 0)
        {
            throw new CliUsageException($"invalid --count {count}: give a number of messages, 0 for all");
        }

        MessageQueueInfo info = IpcSystem.ListMessageQueues().FirstOrDefault(q => q.Id == id)
            ?? throw new CliUsageException($"id {id} not found: no message queue has this id ('sysvipc ls -q' lists them)");
        using MessageQueue queue = MessageQueue.OpenById(id);
        byte[] buffer = new byte[Math.Max(IpcSystem.GetLimits().MaxMessageSize, 1)];
        var messages = new List<(long Type, byte[] Body)>();
        for (long position = 0; count == 0 || position < count; position++)
        {
            if (!queue.TryPeek(position, buffer, out long type, out int length, MessageReceiveOptions.AllowTruncation))
            {
                break;
            }

            messages.Add((type, buffer[..length]));
        }

        TextWriter output = CommandOutput.Out(result);
        if (result.GetValue(ListCommand.s_json))
        {
            JsonOutput.WriteMessages(output, id, info.MessageCount, messages);
            return 0;
        }

        output.Write($"Message queue msqid={CText.Number(id)} key={info.Key}: {CText.Number(info.MessageCount)} message{(info.MessageCount == 1 ? "" : "s")}, {CText.Number(info.BytesUsed)} bytes; showing {messages.Count} (not consumed)\n");
        for (int i = 0; i < messages.Count; i++)
        {
            (long type, byte[] body) = messages[i];
            output.Write($"\nmessage {i}: type={CText.Number(type)} length={CText.Number(body.Length)}\n");
            output.Write(Hexdump.Format(body, 0));
            output.Write("text: " + Text(body) + "\n");
        }

        return 0;
    }

    /// <summary>The body as UTF-8 when it is valid, control characters escaped; otherwise a note.</summary>
    internal static string Text(byte[] body)
    {
        try
        {
            return CText.SafeEncode(new UTF8Encoding(false, true).GetString(body));
        }
        catch (DecoderFallbackException)
        {
            return "(not UTF-8 text)";
        }
    }
}
