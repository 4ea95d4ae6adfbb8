using System.Text.RegularExpressions;

namespace ImageDsl.IntegrationTests;

/// <summary>
/// Runs a Markdown guide as written: each fenced block after <c>&lt;!-- guide: run --&gt;</c> is commands, one a line,
/// run in order (a <c>cd</c> moves the next ones); each block after <c>&lt;!-- guide: file NAME --&gt;</c> is written to
/// NAME. A command that fails stops the guide with its output.
/// </summary>
public static class Guide
{
    private static readonly Regex Step = new(@"<!-- guide: (?<kind>run|file) ?(?<name>[^ ]*) -->\r?\n```[a-z]*\r?\n(?<body>.*?)```", RegexOptions.Singleline);

    public sealed record CommandResult(string Command, string Output);

    public static IReadOnlyList<CommandResult> Run(string guide, string folder, IReadOnlyDictionary<string, string> substitutions,
        IReadOnlyDictionary<string, string?> environment)
    {
        var results = new List<CommandResult>();
        var directory = folder;
        var steps = Step.Matches(File.ReadAllText(guide));
        if (steps.Count == 0) throw new InvalidOperationException($"{guide} has no guide steps");
        foreach (Match step in steps)
        {
            var body = step.Groups["body"].Value;
            if (step.Groups["kind"].Value == "file")
            {
                File.WriteAllText(Path.Combine(directory, step.Groups["name"].Value), body);
                continue;
            }

            foreach (var line in body.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
            {
                var command = substitutions.Aggregate(line, (text, s) => text.Replace(s.Key, s.Value, StringComparison.Ordinal));
                if (command.StartsWith("cd ", StringComparison.Ordinal))
                {
                    directory = Path.GetFullPath(Path.Combine(directory, command.Substring(3).Trim()));
                    continue;
                }

                if (!command.StartsWith("dotnet ", StringComparison.Ordinal)) throw new InvalidOperationException($"the guide runs only dotnet commands: {line}");
                var result = MSBuildProject.Dotnet(command.Substring(7), environment, directory);
                if (result.ExitCode != 0) throw new Xunit.Sdk.XunitException($"'{line}' failed in {directory}:\n{result.Output}");
                results.Add(new CommandResult(command, result.Output));
            }
        }

        return results;
    }
}
