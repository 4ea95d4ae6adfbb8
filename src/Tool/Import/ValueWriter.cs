using System.Text;
using System.Text.RegularExpressions;
using ImageDsl.Build.Parsing;
using Microsoft.CodeAnalysis.CSharp;

namespace ImageDsl.Tool.Import;

/// <summary>
/// Turns the words of a Dockerfile into C# expressions: literal text as string literals, <c>$NAME</c> / <c>${NAME}</c>
/// of a build argument declared in the stage as that <c>BuildArg</c> field, and of any other name (an ENV variable, the
/// base image's environment) as <c>Value.Env("NAME")</c>. Words are lexed with BuildKit's own word lexer (quotes,
/// escapes), with every variable replaced by a marker, so the split between text and references is the builder's. A
/// reference with a modifier (<c>${NAME:-default}</c>) has no DSL form and is refused with the reason.
/// </summary>
internal sealed class ValueWriter(char escape)
{
    private const char Open = '\uE000';
    private const char Close = '\uE001';
    private static readonly Regex Modifier = new(@"\$\{[A-Za-z_][A-Za-z0-9_]*[^A-Za-z0-9_}]", RegexOptions.CultureInvariant);

    /// <summary>The field of a build argument whose ARG could not be imported: a use of it cannot be written either.</summary>
    public const string NotImported = "\0not imported";

    /// <summary>A C# string literal.</summary>
    public static string Literal(string text) => SymbolDisplay.FormatLiteral(text, quote: true);

    /// <summary>
    /// One word in an expanding position as a <c>Value</c> expression; <paramref name="arguments"/> maps build-argument
    /// names to fields. Other names become <c>Value.Env</c> where the DSL takes one (<paramref name="environment"/>:
    /// ENV, LABEL, WORKDIR, destinations); elsewhere (FROM, sources, patterns) they are refused.
    /// </summary>
    public string Value(string raw, IReadOnlyDictionary<string, string> arguments, bool environment = false)
    {
        var parts = Parts(raw);
        var code = new List<string>();
        foreach (var (text, variable) in parts)
        {
            if (variable is null)
            {
                code.Add(Literal(text));
                continue;
            }

            // A name the stage has not declared as a build argument is its environment's (an ENV, or the base image's).
            if (arguments.TryGetValue(variable, out var field))
            {
                if (field == NotImported) throw new NotExpressibleException($"'{raw}' refers to ${variable}, a build argument whose ARG could not be imported (see its line)");
                code.Add(field);
            }
            else if (environment) code.Add("Value.Env(" + Literal(variable) + ")");
            else throw new NotExpressibleException($"'{raw}' refers to ${variable}, which is not a build argument declared in this stage: here a definition takes literal text and BuildArg references only");
        }

        if (code.Count == 0) return Literal("");
        // A string + string pair would concatenate as strings before meeting a BuildArg: fine, the text is the same. A
        // lone Value.Env is a Value already; with only strings and fields, + gives a Value as soon as one is a BuildArg.
        return string.Join(" + ", code);
    }

    /// <summary>One word that must be literal (a string parameter of the DSL): its text, or refused when it refers to a variable.</summary>
    public string Text(string raw, string what)
    {
        var parts = Parts(raw);
        if (parts.Any(p => p.Variable is not null)) throw new NotExpressibleException($"{what} '{raw}' refers to a variable; the DSL takes it as literal text");
        return string.Concat(parts.Select(p => p.Text));
    }

    /// <summary>The word split into literal text and variable references, as BuildKit's lexer reads it.</summary>
    public IReadOnlyList<(string Text, string? Variable)> Parts(string raw)
    {
        if (Modifier.IsMatch(raw)) throw new NotExpressibleException($"'{raw}' uses a ${{NAME…}} modifier, which has no DSL form");
        string lexed;
        try
        {
            lexed = new ShellWords(escape, name => Open + name + Close).Word(raw);
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or InvalidOperationException)
        {
            throw new NotExpressibleException($"'{raw}': {e.Message}");
        }

        var parts = new List<(string, string?)>();
        var text = new StringBuilder();
        for (var i = 0; i < lexed.Length; i++)
        {
            if (lexed[i] != Open)
            {
                text.Append(lexed[i]);
                continue;
            }

            var end = lexed.IndexOf(Close, i);
            if (text.Length > 0) parts.Add((text.ToString(), null));
            text.Clear();
            parts.Add(("", lexed.Substring(i + 1, end - i - 1)));
            i = end;
        }

        if (text.Length > 0) parts.Add((text.ToString(), null));
        return parts;
    }
}
