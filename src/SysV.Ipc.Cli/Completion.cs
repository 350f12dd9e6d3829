using System.CommandLine.Completions;

namespace SysV.Ipc.Cli;

/// <summary>
/// Shell completion through System.CommandLine's completion engine (<see cref="ParseResult.GetCompletions"/>):
/// <c>sysvipc completion bash|zsh|fish</c> prints a script that asks <c>sysvipc __complete LINE</c> for the
/// words that may follow (verbs, options, option values, the ids of existing objects).
/// </summary>
internal static class Completion
{
    internal const string HiddenVerb = "__complete";

    public static Command Create()
    {
        Argument<string> shell = new("SHELL") { Description = "bash, zsh or fish." };
        shell.AcceptOnlyFromAmong("bash", "zsh", "fish");
        var command = new Command("completion", "Print the shell completion script for bash, zsh or fish (verbs, options and the ids of existing objects complete on Tab).") { shell };
        command.SetAction(result => Commands.CommandOutput.Out(result).Write(Script(result.GetValue(shell)!)));
        HelpExamples.Register(command, """
              source <(sysvipc completion bash)                       # this shell; add it to ~/.bashrc to keep it
              sysvipc completion zsh > "${fpath[1]}/_sysvipc"
              sysvipc completion fish > ~/.config/fish/completions/sysvipc.fish
            """);
        return command;
    }

    /// <summary>The completions for the words after "sysvipc" (the cursor at the end of the line), one per line.</summary>
    public static int Complete(Command root, string line, TextWriter output)
    {
        ParseResult result = root.Parse(line);
        foreach (CompletionItem item in result.GetCompletions(line.Length))
        {
            output.Write(item.InsertText ?? item.Label);
            output.Write('\n');
        }

        return 0;
    }

    private static string Script(string shell) => shell switch
    {
        "fish" => "complete -c sysvipc -f -a '(sysvipc __complete (commandline -cp | string replace -r \"^\\\\S+\\\\s*\" \"\"))'\n",
        "zsh" => """
            #compdef sysvipc
            _sysvipc() {
              local line=${BUFFER[1,CURSOR]#* }
              local -a words; words=("${(@f)$(sysvipc __complete "$line" 2>/dev/null)}")
              compadd -a words
            }
            compdef _sysvipc sysvipc

            """,
        _ => """
            _sysvipc() {
              local line=${COMP_LINE:0:COMP_POINT}
              line=${line#* }
              local IFS=$'\n'
              COMPREPLY=($(sysvipc __complete "$line" 2>/dev/null))
            }
            complete -o default -F _sysvipc sysvipc

            """,
    };
}
