using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ImageDsl.Tests.Generator.Fuzzing;

/// <summary>
/// Seeded mutations of a definition's source, each the kind of edit that once made the generator lie, hang or crash:
/// truncation and token deletion (an editor mid-keystroke), argument swaps, literals replaced by calls the generator
/// can or cannot evaluate, huge literals, deep nesting, recursive helpers, static constructors and field
/// initialisation order. Every edit is textual on a fresh parse, so any source is a valid input.
/// </summary>
internal sealed class DefinitionMutator
{
    /// <summary>Helpers a mutation may call: one the generator evaluates, one it cannot, and recursive ones.</summary>
    public const string Helpers = """

        internal static class Fuzz
        {
            public static string Same(string s) => s;
            public static string Upper(string s) => s.ToUpperInvariant();
            public static string Forever(string s) => Forever(s + "x");
            public static string Twice(string s) => Same(s) + Same(s);
        }
        """;

    private readonly Random _random;
    private readonly List<string> _applied = new();
    private int _fields;

    public DefinitionMutator(int seed) => _random = new Random(seed);

    public IReadOnlyList<string> Applied => _applied;

    public string Mutate(string source)
    {
        var count = 1 + _random.Next(3);
        for (var i = 0; i < count; i++) source = MutateOnce(source);
        return source + Helpers;
    }

    private string MutateOnce(string source)
    {
        var root = CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions).GetRoot();
        var literals = root.DescendantNodes().OfType<LiteralExpressionSyntax>().Where(l => l.IsKind(SyntaxKind.StringLiteralExpression)).ToList();
        switch (_random.Next(12))
        {
            case 0:
            {
                var tokens = root.DescendantTokens().ToList();
                var cut = tokens[_random.Next(tokens.Count)].Span.End;
                return Note("truncate", source.Substring(0, cut));
            }

            case 1:
            {
                var tokens = root.DescendantTokens().Where(t => t.Span.Length > 0).ToList();
                var token = tokens[_random.Next(tokens.Count)];
                return Note($"delete '{token.Text}'", source.Remove(token.SpanStart, token.Span.Length));
            }

            case 2:
            {
                var lists = root.DescendantNodes().OfType<ArgumentListSyntax>().Where(l => l.Arguments.Count >= 2).ToList();
                if (lists.Count == 0) return source;
                var list = lists[_random.Next(lists.Count)];
                var i = _random.Next(list.Arguments.Count);
                var j = (i + 1 + _random.Next(list.Arguments.Count - 1)) % list.Arguments.Count;
                var (first, second) = i < j ? (list.Arguments[i], list.Arguments[j]) : (list.Arguments[j], list.Arguments[i]);
                return Note("swap arguments", source.Substring(0, first.SpanStart) + second + source.Substring(first.Span.End, second.SpanStart - first.Span.End) +
                    first + source.Substring(second.Span.End));
            }

            case 3:
            {
                if (literals.Count == 0) return source;
                var literal = literals[_random.Next(literals.Count)];
                var call = new[] { "Fuzz.Same", "Fuzz.Upper", "Fuzz.Twice", "System.Environment.GetEnvironmentVariable", "string.Concat" }[_random.Next(5)];
                return Note($"literal to {call}", Replace(source, literal, $"{call}({literal})"));
            }

            case 4:
            {
                if (literals.Count == 0) return source;
                var literal = literals[_random.Next(literals.Count)];
                var length = new[] { 1_000, 50_000, 1_100_000 }[_random.Next(3)];
                return Note($"huge literal ({length:N0})", Replace(source, literal, "\"" + new string((char)('a' + _random.Next(26)), length) + "\""));
            }

            case 5:
            {
                if (literals.Count == 0) return source;
                var literal = literals[_random.Next(literals.Count)];
                var depth = new[] { 5, 50, 500 }[_random.Next(3)];
                var wrapper = _random.Next(2) == 0 ? "Fuzz.Same(" : "(Fuzz.Same(\"\") + ";
                return Note($"nest {depth} deep", Replace(source, literal, string.Concat(Enumerable.Repeat(wrapper, depth)) + literal + new string(')', depth)));
            }

            case 6:
            {
                if (literals.Count == 0) return source;
                var literal = literals[_random.Next(literals.Count)];
                return Note("recursive helper", Replace(source, literal, $"Fuzz.Forever({literal})"));
            }

            case 7:
                return StaticConstructor(root, source);
            case 8:
                return MoveField(root, source);
            case 9:
            case 10:
                return LiteralToField(root, source, literals);
            default:
                return ArrayToField(root, source);
        }
    }

    /// <summary>A static constructor that reassigns a static readonly field (or, half the time, only reads it).</summary>
    private string StaticConstructor(SyntaxNode root, string source)
    {
        var fields = StaticFields(root).Where(f => f.Modifiers.Any(SyntaxKind.ReadOnlyKeyword)).ToList();
        if (fields.Count == 0) return source;
        var field = fields[_random.Next(fields.Count)];
        var type = (TypeDeclarationSyntax)field.Parent!;
        var name = field.Declaration.Variables[0].Identifier.Text;
        var body = _random.Next(2) == 0 ? $"{name} = {name};" : $"System.GC.KeepAlive({name});";
        return Note($"static constructor ({body})", source.Insert(type.CloseBraceToken.SpanStart, $"    static {type.Identifier.Text}() {{ {body} }}\n"));
    }

    /// <summary>Moves a static field to the start or the end of its type: what initialisation order depends on.</summary>
    private string MoveField(SyntaxNode root, string source)
    {
        var fields = StaticFields(root).ToList();
        if (fields.Count == 0) return source;
        var field = fields[_random.Next(fields.Count)];
        var type = (TypeDeclarationSyntax)field.Parent!;
        var text = field.ToFullString();
        var without = source.Remove(field.FullSpan.Start, field.FullSpan.Length);
        var toEnd = _random.Next(2) == 0;
        var at = toEnd ? type.CloseBraceToken.SpanStart - field.FullSpan.Length : type.OpenBraceToken.Span.End;
        return Note($"move field {field.Declaration.Variables[0].Identifier.Text} to the {(toEnd ? "end" : "start")}", without.Insert(at, "\n" + text));
    }

    /// <summary>Replaces a literal with a new static readonly field, declared at a random place in the type (before or after its readers).</summary>
    private string LiteralToField(SyntaxNode root, string source, List<LiteralExpressionSyntax> literals)
    {
        var candidates = literals.Where(l => l.Ancestors().OfType<TypeDeclarationSyntax>().Any() && !l.Ancestors().OfType<AttributeSyntax>().Any()).ToList();
        if (candidates.Count == 0) return source;
        var literal = candidates[_random.Next(candidates.Count)];
        var type = literal.Ancestors().OfType<TypeDeclarationSyntax>().First();
        var name = $"Fuzzed{_fields++}_{_random.Next(1000)}";
        var positions = type.Members.Select(m => m.FullSpan.Start).Append(type.CloseBraceToken.SpanStart).ToList();
        var at = positions[_random.Next(positions.Count)];
        var declaration = $"    static readonly string {name} = {literal};\n";
        // Edit from the end of the text backwards, so that the earlier position stays valid.
        var edited = at > literal.SpanStart
            ? Replace(source.Insert(at, declaration), literal, name)
            : Replace(source, literal, name).Insert(at, declaration);
        return Note($"literal to field {name}", edited);
    }

    /// <summary>Replaces a collection argument with a static readonly array field: mutable, so never evaluated.</summary>
    private string ArrayToField(SyntaxNode root, string source)
    {
        var collections = root.DescendantNodes().OfType<CollectionExpressionSyntax>()
            .Where(c => c.Parent is ArgumentSyntax && c.Elements.Count > 0 && c.Elements.All(e => e is ExpressionElementSyntax { Expression: LiteralExpressionSyntax }))
            .ToList();
        if (collections.Count == 0) return source;
        var collection = collections[_random.Next(collections.Count)];
        var type = collection.Ancestors().OfType<TypeDeclarationSyntax>().FirstOrDefault();
        if (type is null) return source;
        var name = $"FuzzedArray{_fields++}";
        var edited = source.Substring(0, collection.SpanStart) + name + source.Substring(collection.Span.End);
        return Note($"array to field {name}", edited.Insert(type.OpenBraceToken.Span.End, $"\n    static readonly string[] {name} = {collection};"));
    }

    private static IEnumerable<FieldDeclarationSyntax> StaticFields(SyntaxNode root) =>
        root.DescendantNodes().OfType<FieldDeclarationSyntax>().Where(f => f.Modifiers.Any(SyntaxKind.StaticKeyword) && f.Parent is TypeDeclarationSyntax);

    private static string Replace(string source, SyntaxNode node, string replacement) =>
        source.Substring(0, node.SpanStart) + replacement + source.Substring(node.Span.End);

    private string Note(string mutation, string source)
    {
        _applied.Add(mutation);
        return source;
    }
}
