using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ImageDsl.CodeFixes
{
    /// <summary>
    /// IDSL1012's fix for a secret-named build argument: <c>.Arg(NugetToken)</c> leaves the chain, and each later
    /// <c>Run</c> of that chain whose command mentions <c>$NUGET_TOKEN</c> gets <c>Mount.Secret("nuget_token", env:
    /// "NUGET_TOKEN")</c>, so the command reads the same variable, from the build's secrets instead of the image's
    /// history. The BuildArg field goes too when nothing else uses it. The build then passes the secret
    /// (<c>ImageDslSecrets</c>, docs/secrets.md) instead of the build argument.
    /// </summary>
    internal static class SecretMounts
    {
        public static SyntaxNode Rewrite(ClassDeclarationSyntax type, IReadOnlyList<InvocationExpressionSyntax> arguments)
        {
            var fields = arguments.ToDictionary(a => a, a => ((IdentifierNameSyntax)a.ArgumentList.Arguments[0].Expression).Identifier.ValueText);
            var names = new Dictionary<string, string>();
            foreach (var field in fields.Values.Distinct())
            {
                var declarator = type.Members.OfType<FieldDeclarationSyntax>().SelectMany(f => f.Declaration.Variables).FirstOrDefault(v => v.Identifier.ValueText == field);
                var name = declarator?.Initializer?.Value is BaseObjectCreationExpressionSyntax { ArgumentList.Arguments: { Count: > 0 } args } && args[0].Expression is LiteralExpressionSyntax literal
                    ? literal.Token.ValueText
                    : null;
                if (name is not null) names[field] = name;
            }

            // Fields that only the removed Arg calls read go with them.
            bool DeclaredAlone(string field) =>
                type.Members.OfType<FieldDeclarationSyntax>().Any(f => f.Declaration.Variables.Count == 1 && f.Declaration.Variables[0].Identifier.ValueText == field);
            bool ReadElsewhere(string field) =>
                type.DescendantNodes().OfType<IdentifierNameSyntax>().Any(i => i.Identifier.ValueText == field && !arguments.Any(a => a.Span.Contains(i.Span)));
            var removable = new HashSet<string>(names.Keys.Where(field => DeclaredAlone(field) && !ReadElsewhere(field)));
            var rewritten = (ClassDeclarationSyntax)new Rewriter(fields.Where(f => names.ContainsKey(f.Value)).ToDictionary(f => f.Key, f => names[f.Value])).Visit(type);
            foreach (var field in removable)
            {
                var declaration = rewritten.Members.OfType<FieldDeclarationSyntax>().First(f => f.Declaration.Variables.Count == 1 && f.Declaration.Variables[0].Identifier.ValueText == field);
                var index = rewritten.Members.IndexOf(declaration);
                // The blank line that separated the field from the next member goes with the field.
                if (index + 1 < rewritten.Members.Count && rewritten.Members[index + 1].GetLeadingTrivia() is { Count: > 0 } trivia && trivia[0].IsKind(SyntaxKind.EndOfLineTrivia))
                {
                    rewritten = rewritten.ReplaceNode(rewritten.Members[index + 1], rewritten.Members[index + 1].WithLeadingTrivia(trivia.RemoveAt(0)));
                }

                rewritten = rewritten.RemoveNode(rewritten.Members[index], SyntaxRemoveOptions.KeepNoTrivia)!;
            }

            return rewritten;
        }

        private sealed class Rewriter(Dictionary<InvocationExpressionSyntax, string> arguments) : CSharpSyntaxRewriter
        {
            public override SyntaxNode? VisitInvocationExpression(InvocationExpressionSyntax node)
            {
                var visited = (InvocationExpressionSyntax)base.VisitInvocationExpression(node)!;
                if (arguments.ContainsKey(node) && visited.Expression is MemberAccessExpressionSyntax removed)
                {
                    return removed.Expression.WithTrailingTrivia(node.GetTrailingTrivia());
                }

                if (visited.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Run" } ||
                    visited.ArgumentList.Arguments.FirstOrDefault()?.Expression is not LiteralExpressionSyntax command)
                {
                    return visited;
                }

                // The secret ARGs declared earlier in this chain that the command mentions.
                var chain = node.Expression.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>().ToList();
                var mentioned = arguments.Where(a => chain.Contains(a.Key) && Regex.IsMatch(command.Token.ValueText, @"\$\{?" + Regex.Escape(a.Value) + @"\b"))
                    .Select(a => a.Value).Distinct().ToList();
                if (mentioned.Count == 0) return visited;
                var secrets = string.Join(", ", mentioned.Select(n => $"Mount.Secret({Literal(n.ToLowerInvariant())}, env: {Literal(n)})"));
                var list = visited.ArgumentList;
                var mounts = list.Arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == "mounts")
                    ?? (list.Arguments.Count > 1 && list.Arguments[1].NameColon is null ? list.Arguments[1] : null);
                if (mounts is null)
                {
                    return visited.WithArgumentList(list.AddArguments(SyntaxFactory.Argument(SyntaxFactory.NameColon("mounts"), default, SyntaxFactory.ParseExpression($"[{secrets}]"))));
                }

                var extended = mounts.Expression is CollectionExpressionSyntax collection
                    ? collection.AddElements(mentioned.Select(n => (CollectionElementSyntax)SyntaxFactory.ExpressionElement(
                        SyntaxFactory.ParseExpression($"Mount.Secret({Literal(n.ToLowerInvariant())}, env: {Literal(n)})"))).ToArray())
                    : SyntaxFactory.ParseExpression($"[.. {mounts.Expression}, {secrets}]");
                return visited.WithArgumentList(list.ReplaceNode(mounts, mounts.WithExpression(extended.WithTriviaFrom(mounts.Expression))));
            }

            private static string Literal(string text) => SyntaxFactory.Literal(text).ToString();
        }
    }
}
