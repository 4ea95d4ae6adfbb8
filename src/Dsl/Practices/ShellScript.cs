using System.Collections.Generic;
using System.Text;

namespace ImageDsl.Practices
{
    /// <summary>One word of a shell command: its text with quotes removed, and where it sits in the script.</summary>
    internal sealed record ShellWord(string Text, int Start, int End);

    /// <summary>
    /// A RUN script cut into simple commands, as far as the best-practice rules need: which program runs with which
    /// words, and whether there is a pipe. Quotes group words and escape operators; comments, line continuations,
    /// <c>;</c>, <c>&amp;</c>, <c>&amp;&amp;</c>, <c>|</c>, <c>||</c>, parentheses and newlines end a command. Substitutions
    /// (<c>$(…)</c>, backticks) stay inside their word. Written here rather than taken from a library: no maintained
    /// POSIX shell parser targets netstandard2.0 (what an analyzer must be), and a lint heuristic needs no more than this.
    /// </summary>
    internal sealed class ShellScript
    {
        private ShellScript(IReadOnlyList<IReadOnlyList<ShellWord>> commands, bool hasPipe)
        {
            Commands = commands;
            HasPipe = hasPipe;
        }

        /// <summary>Every simple command, in order; each has at least one word.</summary>
        public IReadOnlyList<IReadOnlyList<ShellWord>> Commands { get; }

        /// <summary>True when a single <c>|</c> (not <c>||</c>) joins two commands.</summary>
        public bool HasPipe { get; }

        public static ShellScript Parse(string script)
        {
            var commands = new List<IReadOnlyList<ShellWord>>();
            var words = new List<ShellWord>();
            var word = new StringBuilder();
            var start = -1;
            var hasPipe = false;

            void EndWord(int end)
            {
                if (start >= 0) words.Add(new ShellWord(word.ToString(), start, end));
                word.Clear();
                start = -1;
            }

            void EndCommand(int end)
            {
                EndWord(end);
                if (words.Count > 0) commands.Add(words.ToArray());
                words.Clear();
            }

            for (var i = 0; i < script.Length; i++)
            {
                var c = script[i];
                switch (c)
                {
                    case '\\' when i + 1 < script.Length:
                        if (script[i + 1] == '\n') { i++; break; }
                        if (start < 0) start = i;
                        word.Append(script[++i]);
                        break;
                    case '\'':
                    {
                        if (start < 0) start = i;
                        var close = script.IndexOf('\'', i + 1);
                        if (close < 0) close = script.Length;
                        word.Append(script, i + 1, close - i - 1);
                        i = close;
                        break;
                    }
                    case '"':
                    {
                        if (start < 0) start = i;
                        var j = i + 1;
                        for (; j < script.Length && script[j] != '"'; j++)
                        {
                            if (script[j] == '\\' && j + 1 < script.Length && "\"\\$`".IndexOf(script[j + 1]) >= 0) j++;
                            word.Append(script[j]);
                        }

                        i = j;
                        break;
                    }
                    case '#' when start < 0:
                        while (i + 1 < script.Length && script[i + 1] != '\n') i++;
                        break;
                    case ' ' or '\t' or '\r':
                        EndWord(i);
                        break;
                    case '\n' or ';' or '(' or ')':
                        EndCommand(i);
                        break;
                    case '&' or '|':
                        EndCommand(i);
                        if (i + 1 < script.Length && script[i + 1] == c) i++;
                        else if (c == '|') hasPipe = true;
                        break;
                    default:
                        if (start < 0) start = i;
                        word.Append(c);
                        break;
                }
            }

            EndCommand(script.Length);
            return new ShellScript(commands, hasPipe);
        }

        /// <summary>The index of the program word: the first word that is not a <c>NAME=value</c> assignment, or -1.</summary>
        public static int ProgramIndex(IReadOnlyList<ShellWord> command)
        {
            for (var i = 0; i < command.Count; i++)
            {
                var text = command[i].Text;
                var equals = text.IndexOf('=');
                if (equals <= 0 || !IsName(text.Substring(0, equals))) return i;
            }

            return -1;
        }

        /// <summary>
        /// The first word after the program that is not an option (<c>install</c> in <c>apt-get -y install</c>), or -1;
        /// <paramref name="optionsWithValue"/> are the short options whose value is the next word (<c>-o</c> for apt-get).
        /// </summary>
        public static int SubcommandIndex(IReadOnlyList<ShellWord> command, int program, string optionsWithValue = "")
        {
            for (var i = program + 1; i < command.Count; i++)
            {
                var text = command[i].Text;
                if (!text.StartsWith("-", System.StringComparison.Ordinal)) return i;
                if (text.Length == 2 && optionsWithValue.IndexOf(text[1]) >= 0) i++;
            }

            return -1;
        }

        private static bool IsName(string text)
        {
            if (text.Length == 0 || char.IsDigit(text[0])) return false;
            foreach (var c in text)
            {
                if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
            }

            return true;
        }
    }
}
