using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using ImageDsl.Generator.Evaluation;
using ImageDsl.Generator.Model;
using ImageDsl.Practices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace ImageDsl.Generator.Analysis
{
    /// <summary>
    /// Best-practice warnings (IDSL1001–IDSL1018) for [Image] definitions. It evaluates <c>Define()</c> exactly as the
    /// generator does (the same evaluator over the same Dsl code) and runs <see cref="BestPractices"/> over the model, so
    /// a rule sees the image the generator writes. Findings are reported at the argument at fault when the DSL call is
    /// in source, else at the call. Like any analyzer's, each rule's severity is set in .editorconfig.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class PracticeAnalyzer : DiagnosticAnalyzer
    {
        private const string Category = "ImageDsl.Practices";

        private static readonly ImmutableDictionary<string, DiagnosticDescriptor> Descriptors = new[]
        {
            (DiagnosticIds.UnpinnedBaseImage, "Base image not pinned"),
            (DiagnosticIds.RunsAsRoot, "Image runs as root"),
            (DiagnosticIds.AptRecommends, "apt-get install without --no-install-recommends"),
            (DiagnosticIds.AptListsKept, "apt lists not removed in the same RUN"),
            (DiagnosticIds.ApkCache, "apk add without --no-cache"),
            (DiagnosticIds.PackageUpgrade, "Package upgrade in an image build"),
            (DiagnosticIds.CdInRun, "cd inside RUN"),
            (DiagnosticIds.AddInsteadOfCopy, "ADD where COPY does the same"),
            (DiagnosticIds.AddUrlWithoutChecksum, "ADD of a URL without checksum"),
            (DiagnosticIds.PipeWithoutPipefail, "Pipe without pipefail"),
            (DiagnosticIds.SudoInRun, "sudo in RUN"),
            (DiagnosticIds.SecretInEnvironment, "Secret in ENV or ARG"),
            (DiagnosticIds.RestoreAfterCopyAll, "dotnet restore after copying everything"),
            (DiagnosticIds.RestoreWithoutCache, "dotnet restore without a NuGet cache mount"),
            (DiagnosticIds.PublishNotRelease, "dotnet publish without -c Release"),
            (DiagnosticIds.SdkFinalImage, "SDK image as the final base"),
            (DiagnosticIds.PortNotExposed, "Listening port not exposed"),
            (DiagnosticIds.MisspeltStageReference, "Image reference looks like a misspelt stage"),
        }.ToImmutableDictionary(r => r.Item1, r => new DiagnosticDescriptor(r.Item1, r.Item2, "{0}", Category, DiagnosticSeverity.Warning, isEnabledByDefault: true,
            description: "docs/practices.md explains the rule, with a bad and a good example."));

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = Descriptors.Values.OrderBy(d => d.Id).ToImmutableArray();

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            // Generated code is skipped by the analyzer itself (see GeneratedCode), more cheaply than the driver would.
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
            context.RegisterCompilationStartAction(start =>
            {
                var imageAttribute = start.Compilation.GetTypeByMetadataName("ImageDsl.ImageAttribute");
                if (imageAttribute is null) return;
                start.Options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue("build_property.TargetFramework", out var targetFramework);

                // Only [Image] classes get an operation block action, so the driver builds operation trees for their
                // methods alone, not for every method of the app. For Define() it hands over the body it has bound,
                // so the evaluation does not bind it a second time.
                start.RegisterSymbolStartAction(type =>
                {
                    if (!type.Symbol.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, imageAttribute))) return;
                    type.RegisterOperationBlockAction(block => AnalyzeDefine(block, targetFramework));
                }, SymbolKind.NamedType);
            });
        }

        private static void AnalyzeDefine(OperationBlockAnalysisContext context, string? targetFramework)
        {
            if (context.OwningSymbol is not IMethodSymbol { Name: "Define", IsStatic: true, Parameters.Length: 0 } define || context.OperationBlocks.Length != 1) return;
            var body = context.OperationBlocks[0];
            if (body.SemanticModel is not { } model || GeneratedCode.Contains(define, body.Syntax.SyntaxTree, context.Options, context.CancellationToken)) return;

            try
            {
                if (ImageGenerator.Parser.EvaluateForAnalysis(define, body, context.CancellationToken) is not var (dockerfile, origins)) return;
                foreach (var finding in BestPractices.Check(dockerfile))
                {
                    var location = Locate(finding, origins, body, model, context.CancellationToken);
                    if (location is null) continue;
                    var data = finding.Id == DiagnosticIds.UnpinnedBaseImage ? PinnedTag(finding.Data, targetFramework) : finding.Data;
                    var properties = data is null ? ImmutableDictionary<string, string?>.Empty : ImmutableDictionary<string, string?>.Empty.Add(PracticeProperties.Data, data);
                    context.ReportDiagnostic(Diagnostic.Create(Descriptors[finding.Id], location, properties, finding.Message));
                }
            }
            catch (System.Exception e) when (e is not System.OperationCanceledException)
            {
                // An analyzer must never fail the compilation; the generator reports what is wrong with the definition.
            }
        }

        /// <summary>The source location of a finding: the argument at fault when the call is in Define()'s file, else the call.</summary>
        private static Location? Locate(PracticeFinding finding, OriginTracker origins, IOperation body, SemanticModel model, System.Threading.CancellationToken cancellationToken)
        {
            var pair = finding.Pair is null ? null : origins.Pair(finding.Pair);
            var origin = pair ?? finding.SubjectKind switch
            {
                ProblemSubject.Stage => origins.From((Dockerfile)finding.Subject),
                ProblemSubject.StageName => origins.Name((Dockerfile)finding.Subject),
                ProblemSubject.Instruction => origins.Instruction((Instruction)finding.Subject),
                _ => null,
            };
            if (origin is null) return null;
            var tree = model.SyntaxTree.FilePath == origin.FilePath ? model.SyntaxTree : model.Compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == origin.FilePath);
            if (tree is null || origin.TextSpan.End > tree.Length) return null;
            var call = Location.Create(tree, origin.TextSpan);
            if (finding.Parameter is null || tree != model.SyntaxTree || pair is not null) return call;

            var invocation = tree.GetRoot(cancellationToken).FindNode(origin.TextSpan, getInnermostNodeForTie: true)
                .AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
            var argument = invocation is null ? null : ArgumentFor(invocation, finding.Parameter, body, model, cancellationToken);
            return argument is null ? call : argument.GetLocation();
        }

        private static SyntaxNode? ArgumentFor(InvocationExpressionSyntax invocation, string parameter, IOperation body, SemanticModel model, System.Threading.CancellationToken cancellationToken)
        {
            // A call of Define() itself is in the operation tree the driver bound: its arguments know their parameters.
            if (OperationSearch.Invocation(body, invocation) is { } bound)
            {
                return bound.Arguments.FirstOrDefault(a => a.Parameter?.Name == parameter && a.ArgumentKind != ArgumentKind.DefaultValue)?.Syntax;
            }

            // A call in a helper method: ask the semantic model.
            var named = invocation.ArgumentList.Arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == parameter);
            if (named is not null) return named;
            if (model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol method) return null;
            var index = method.Parameters.IndexOf(method.Parameters.FirstOrDefault(p => p.Name == parameter)!);
            if (index < 0 || index >= invocation.ArgumentList.Arguments.Count) return null;
            var positional = invocation.ArgumentList.Arguments[index];
            return positional.NameColon is null ? positional : null;
        }

        /// <summary>
        /// The reference to pin an unpinned .NET image to, when the project says which .NET it targets
        /// (<c>mcr.microsoft.com/dotnet/aspnet</c> in a net10.0 project → <c>…:10.0</c>); otherwise null: no tag is knowable.
        /// </summary>
        internal static string? PinnedTag(string? repository, string? targetFramework)
        {
            if (repository is null || targetFramework is null || !repository.StartsWith("mcr.microsoft.com/dotnet/", System.StringComparison.Ordinal)) return null;
            if (!targetFramework.StartsWith("net", System.StringComparison.Ordinal) || targetFramework.Length < 6) return null;
            var version = targetFramework.Substring(3);
            var dash = version.IndexOf('-');
            if (dash >= 0) version = version.Substring(0, dash);
            return System.Version.TryParse(version, out var parsed) && parsed.Major >= 5 ? repository + ":" + parsed.Major + "." + parsed.Minor : null;
        }
    }
}
