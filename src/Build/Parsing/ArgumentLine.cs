namespace ImageDsl.Build.Parsing;

/// <summary>One name an ARG line declares.</summary>
/// <param name="Name">The argument's name.</param>
/// <param name="Default">Its default as the line expands it; null when the line writes none.</param>
/// <param name="Value">The value the build gives it; null when it has none (declared, not set).</param>
public readonly record struct DeclaredArgument(string Name, string? Default, string? Value);

/// <summary>
/// Docker's rules for one ARG line, in one place for the daemonless builder and the daemon-path checks (which differ only
/// in what a name expands to, given as <c>scope</c>): a value given to the build wins; else the default, expanded with what
/// was declared before it — before the first FROM each name also sees the line's earlier names, in a stage the whole line
/// is expanded first (<c>ARG E=5 F=x${E}</c> gives F "x" with both daemon builders); else, in a stage, the global
/// argument's value.
/// </summary>
public static class ArgumentLine
{
    /// <param name="line">The ARG instruction.</param>
    /// <param name="escape">The file's escape character.</param>
    /// <param name="scope">What a name expands to before the line.</param>
    /// <param name="given">The build's values (<c>--build-arg</c>).</param>
    /// <param name="global">In a stage, the global arguments' values; null for a line before the first FROM.</param>
    public static IReadOnlyList<DeclaredArgument> Declare(DockerfileInstruction line, char escape, Func<string, string?> scope,
        IReadOnlyDictionary<string, string> given, Func<string, string?>? global)
    {
        var earlier = new Dictionary<string, string?>(StringComparer.Ordinal);
        var lexer = new ShellWords(escape, name => global is null && earlier.TryGetValue(name, out var value) ? value : scope(name));
        var declared = new List<DeclaredArgument>();
        foreach (var word in DockerfileReader.Words(line.Rest, escape))
        {
            var equals = word.IndexOf('=');
            var name = equals < 0 ? word : word[..equals];
            var @default = equals < 0 ? null : lexer.Word(word[(equals + 1)..]);
            var value = given.TryGetValue(name, out var set) ? set : @default ?? global?.Invoke(name);
            earlier[name] = value;
            declared.Add(new DeclaredArgument(name, @default, value));
        }

        return declared;
    }
}
