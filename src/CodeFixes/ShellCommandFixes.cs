using System.Collections.Generic;
using System.Linq;
using ImageDsl.Practices;

namespace ImageDsl.CodeFixes
{
    /// <summary>The text edits of the package-manager fixes, on a RUN script (pure, so that they are tested on their own).</summary>
    internal static class ShellCommandFixes
    {
        /// <summary>Applies the fixes for <paramref name="ids"/> (IDSL1003, IDSL1004, IDSL1005) to <paramref name="script"/>.</summary>
        public static string Apply(string script, ICollection<string> ids)
        {
            var insertions = new List<(int At, string Text)>();
            var parsed = ShellScript.Parse(script);
            foreach (var command in parsed.Commands)
            {
                var program = ShellScript.ProgramIndex(command);
                if (program >= 0 && command[program].Text == "sudo") program++;
                if (program < 0 || program >= command.Count) continue;
                var name = command[program].Text;
                var sub = ShellScript.SubcommandIndex(command, program, name == "apk" ? "X" : "oct");
                if (sub < 0) continue;
                var verb = command[sub].Text;
                if (ids.Contains(DiagnosticIds.AptRecommends) && name is "apt-get" or "apt" && verb == "install" && !command.Any(w => w.Text == "--no-install-recommends"))
                {
                    insertions.Add((command[sub].End, " --no-install-recommends"));
                }
                else if (ids.Contains(DiagnosticIds.ApkCache) && name == "apk" && verb == "add" && !command.Any(w => w.Text == "--no-cache"))
                {
                    insertions.Add((command[sub].End, " --no-cache"));
                }
            }

            foreach (var (at, text) in insertions.OrderByDescending(i => i.At)) script = script.Insert(at, text);
            if (ids.Contains(DiagnosticIds.AptListsKept)) script = script.TrimEnd() + " && rm -rf /var/lib/apt/lists/*";
            return script;
        }
    }
}
