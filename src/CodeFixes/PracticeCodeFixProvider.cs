using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ImageDsl.Practices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ImageDsl.CodeFixes
{
    /// <summary>
    /// The mechanical fixes for the best-practice rules: package-manager flags and cleanup (IDSL1003/1004/1005), ADD →
    /// COPY (IDSL1008), a non-root USER before the final command (IDSL1002), and pinning a .NET base image to the project's
    /// version (IDSL1001). Each edits only a string literal or a call name the diagnostic points at; where the source is
    /// not that simple (an interpolated command, a value from a field), no fix is offered rather than a guess.
    /// "Fix all" rewrites each node once with every fix reported on it.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PracticeCodeFixProvider)), Shared]
    public sealed class PracticeCodeFixProvider : CodeFixProvider
    {
        private static readonly ImmutableArray<string> PackageIds = ImmutableArray.Create(DiagnosticIds.AptRecommends, DiagnosticIds.AptListsKept, DiagnosticIds.ApkCache);

        public override ImmutableArray<string> FixableDiagnosticIds { get; } =
            PackageIds.AddRange(new[] { DiagnosticIds.AddInsteadOfCopy, DiagnosticIds.RunsAsRoot, DiagnosticIds.UnpinnedBaseImage, DiagnosticIds.RestoreAfterCopyAll, DiagnosticIds.SecretInEnvironment });

        public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (context, document, diagnostics) =>
        {
            var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null) return document;
            var edits = Edits(root, diagnostics).ToList();
            return edits.Count == 0 ? document : document.WithSyntaxRoot(root.ReplaceNodes(edits.Select(e => e.Node), (original, _) => edits.First(e => e.Node == original).Replacement));
        });

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null) return;
            foreach (var (node, replacement, title, key) in Edits(root, context.Diagnostics))
            {
                context.RegisterCodeFix(
                    CodeAction.Create(title, _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(node, replacement))), key),
                    context.Diagnostics);
            }
        }

        /// <summary>
        /// One edit per node: diagnostics on the same literal (IDSL1003 and IDSL1004 on one RUN) become one edit, and the
        /// secret ARGs of one class one rewrite of that class.
        /// </summary>
        private static IEnumerable<(SyntaxNode Node, SyntaxNode Replacement, string Title, string Key)> Edits(SyntaxNode root, IEnumerable<Diagnostic> diagnostics)
        {
            var secretArguments = diagnostics.Where(d => d.Id == DiagnosticIds.SecretInEnvironment)
                .Select(d => root.FindNode(d.Location.SourceSpan, getInnermostNodeForTie: true).AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault())
                .Where(i => i?.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Arg" } && i.ArgumentList.Arguments.Count == 1 && i.ArgumentList.Arguments[0].Expression is IdentifierNameSyntax)
                .Select(i => i!)
                .ToList();
            foreach (var type in secretArguments.GroupBy(i => i.Ancestors().OfType<ClassDeclarationSyntax>().FirstOrDefault()).Where(g => g.Key is not null))
            {
                yield return (type.Key!, SecretMounts.Rewrite(type.Key!, type.ToList()), "Pass it as a secret mount", "ImageDsl.SecretMount");
            }

            foreach (var group in diagnostics.Where(d => d.Id != DiagnosticIds.SecretInEnvironment).GroupBy(d => d.Location.SourceSpan))
            {
                var node = root.FindNode(group.Key, getInnermostNodeForTie: true);
                var ids = group.Select(d => d.Id).ToList();
                var data = group.Select(d => d.Properties.TryGetValue(PracticeProperties.Data, out var value) ? value : null).FirstOrDefault(v => v is not null);
                var edit = ids.Intersect(PackageIds).Any() ? PackageManager(node, ids)
                    : ids.Contains(DiagnosticIds.AddInsteadOfCopy) ? AddToCopy(node)
                    : ids.Contains(DiagnosticIds.RunsAsRoot) && data is not null ? UserBeforeCommand(node, data)
                    : ids.Contains(DiagnosticIds.UnpinnedBaseImage) && data is not null ? PinTag(node, data)
                    : ids.Contains(DiagnosticIds.RestoreAfterCopyAll) ? RestoreFirst(node)
                    : null;
                if (edit is { } found) yield return found;
            }
        }

        private static (SyntaxNode, SyntaxNode, string, string)? PackageManager(SyntaxNode node, List<string> ids)
        {
            if (Literal(node) is not { } literal) return null;
            var fixedText = ShellCommandFixes.Apply(literal.Token.ValueText, ids);
            if (fixedText == literal.Token.ValueText) return null;
            var title = ids.Contains(DiagnosticIds.ApkCache) ? "Add --no-cache" : ids.Contains(DiagnosticIds.AptRecommends) && ids.Contains(DiagnosticIds.AptListsKept)
                ? "Add --no-install-recommends and remove apt lists" : ids.Contains(DiagnosticIds.AptRecommends) ? "Add --no-install-recommends" : "Remove apt lists in the same RUN";
            return (literal, StringLiteral(fixedText).WithTriviaFrom(literal), title, "ImageDsl.PackageManager");
        }

        private static (SyntaxNode, SyntaxNode, string, string)? AddToCopy(SyntaxNode node)
        {
            var invocation = node.AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
            if (invocation?.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Add" } member) return null;

            // Add's and Copy's parameters differ after the destination (Copy has from: third): only named ones carry over.
            var arguments = invocation.ArgumentList.Arguments;
            if (arguments.Skip(2).Any(a => a.NameColon is null || a.NameColon.Name.Identifier.ValueText is "checksum" or "keepGitDir")) return null;
            return (member.Name, SyntaxFactory.IdentifierName("Copy").WithTriviaFrom(member.Name), "Use Copy", "ImageDsl.AddToCopy");
        }

        private static (SyntaxNode, SyntaxNode, string, string)? UserBeforeCommand(SyntaxNode node, string user)
        {
            var invocation = node.AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
            if (invocation?.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Cmd" or "CmdShell" or "Entrypoint" or "EntrypointShell" } member) return null;
            var dot = member.OperatorToken;
            var withUser = SyntaxFactory.InvocationExpression(
                SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, member.Expression, dot, SyntaxFactory.IdentifierName("User")),
                SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(OwnerExpression(user)))))
                .WithTrailingTrivia(member.Expression.GetTrailingTrivia());
            return (member.Expression, withUser, $"Run as user {user}", "ImageDsl.User");
        }

        private static (SyntaxNode, SyntaxNode, string, string)? PinTag(SyntaxNode node, string reference)
        {
            if (Literal(node) is not { } literal) return null;
            return (literal, StringLiteral(reference).WithTriviaFrom(literal), $"Pin to '{reference}'", "ImageDsl.PinTag");
        }

        /// <summary>
        /// IDSL1013: <c>.Copy(".", dest).Run("dotnet publish …")</c> → <c>.Copy([project files], dest).Run("dotnet restore")
        /// .Copy(".", dest).Run("dotnet publish …")</c> (for a <c>dotnet restore</c> step, the step itself moves before the
        /// copy), with the step's mounts on the restore. The project files are what <c>DotNet.InImagePublish</c> copies: the
        /// project files at the context's root and <see cref="RestoreInputs"/> (<c>Directory.*.props</c>/<c>.targets</c>, <c>NuGet.config</c>,
        /// <c>Directory.Build.rsp</c>, <c>global.json</c>, <c>packages.lock.json</c>). Offered only when
        /// the whole-context copy is the call right before the step, so nothing else moves.
        /// </summary>
        private static (SyntaxNode, SyntaxNode, string, string)? RestoreFirst(SyntaxNode node)
        {
            var run = node.AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
            if (run?.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Run" } runMember) return null;
            if (runMember.Expression is not InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Copy" } copyMember } copy) return null;
            var copied = copy.ArgumentList.Arguments;
            if (copied.Count != 2 || copied.Any(a => a.NameColon is not null) || Literal(copied[0]) is not { Token.ValueText: "." or "./" }) return null;
            if (run.ArgumentList.Arguments.FirstOrDefault() is not { } command || Literal(command) is not { } text) return null;

            var script = ShellScript.Parse(text.Token.ValueText);
            var isRestore = script.Commands.Count == 1 && ShellScript.ProgramIndex(script.Commands[0]) is var p && p >= 0 &&
                script.Commands[0][p].Text == "dotnet" && ShellScript.SubcommandIndex(script.Commands[0], p) is var v && v >= 0 && script.Commands[0][v].Text == "restore";
            var mounts = run.ArgumentList.Arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == "mounts");
            var receiver = copyMember.Expression;
            var separator = receiver.GetTrailingTrivia().ToFullString() + copyMember.OperatorToken.LeadingTrivia.ToFullString();
            var destination = copied[1].ToString();
            var projectFiles = "new[] { " + string.Join(", ", new[] { "*.csproj" }.Concat(RestoreInputs.Patterns).Select(p => $"Glob.Of(\"{p}\")")) + " }";
            var restore = isRestore ? run.ArgumentList.Arguments.ToString() : "\"dotnet restore\"" + (mounts is null ? "" : ", " + mounts);
            var chain = receiver.WithoutTrailingTrivia().ToFullString()
                + separator + $".Copy({projectFiles}, {destination})"
                + separator + $".Run({restore})"
                + separator + $".Copy({copied})"
                + (isRestore ? "" : separator + $".Run({run.ArgumentList.Arguments})");
            return (run, SyntaxFactory.ParseExpression(chain).WithTriviaFrom(run), "Restore before copying everything", "ImageDsl.RestoreFirst");
        }

        /// <summary><c>Owner.Id(1654, 1654)</c> for numeric ids (they need no user database in the image), else the name as a string.</summary>
        private static ExpressionSyntax OwnerExpression(string user)
        {
            var parts = user.Split(':');
            if (parts.Length != 2 || !uint.TryParse(parts[0], out _) || !uint.TryParse(parts[1], out _)) return StringLiteral(user);
            return SyntaxFactory.ParseExpression($"Owner.Id({parts[0]}, {parts[1]})");
        }

        /// <summary>The string literal the diagnostic is on (the argument, or its expression); null for anything else.</summary>
        private static LiteralExpressionSyntax? Literal(SyntaxNode node) =>
            (node is ArgumentSyntax argument ? argument.Expression : node) is LiteralExpressionSyntax literal && literal.IsKind(SyntaxKind.StringLiteralExpression) ? literal : null;

        private static LiteralExpressionSyntax StringLiteral(string text) =>
            SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(text));
    }
}
