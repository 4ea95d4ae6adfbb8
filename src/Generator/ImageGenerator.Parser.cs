using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using ImageDsl.Generator.Evaluation;
using ImageDsl.Generator.Model;
using ImageDsl.Internal;
using ImageDsl.Rendering;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace ImageDsl.Generator
{
    public sealed partial class ImageGenerator
    {
        /// <summary>
        /// Syntax and symbols of one [Image] class → an <see cref="ImageSpec"/>. Never throws: every problem becomes a
        /// diagnostic in the spec (a half-typed definition in an editor is normal input, not an exception).
        /// </summary>
        internal static class Parser
        {
            public static ImageSpec Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
            {
                var type = (INamedTypeSymbol)context.TargetSymbol;
                var declaration = (ClassDeclarationSyntax)context.TargetNode;
                var diagnostics = new List<DiagnosticInfo>();
                var attribute = context.Attributes[0];

                // An attribute the compiler rejects (a non-constant argument, a missing name) already has the
                // compiler's error; ours would only repeat it less precisely.
                var attributeIsValid = attribute.AttributeConstructor is not null &&
                    !attribute.ConstructorArguments.Any(HasError) && !attribute.NamedArguments.Any(a => HasError(a.Value));
                var imageName = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string ?? "" : "";
                var nameLocation = LocationInfo.From(AttributeArgument(attribute, 0, cancellationToken) ?? declaration.Identifier.Parent);
                if (attributeIsValid && !Syntax.IsRepositoryName(imageName))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.InvalidImageName, nameLocation,
                        $"'{imageName}' is not a valid image name: use lowercase letters, digits and separators ('.', '_', '-', '/'), e.g. \"team/hello-world\"; tags go in Tags."));
                }

                // The defaults come from the attribute class itself (compiled into the generator), so they exist once.
                var defaults = new ImageAttribute(imageName);
                var context_ = defaults.Context;
                var tags = defaults.Tags.ToList();
                var expectOutput = defaults.ExpectOutput;
                var expectExitCode = defaults.ExpectExitCode;
                var smokeRun = defaults.SmokeRun;
                var (probePort, probePath, probeStatus, probeBody) = (defaults.ProbePort, defaults.ProbePath, defaults.ProbeStatus, defaults.ProbeBody);
                var (expectLog, waitHealthy) = (defaults.ExpectLog, defaults.WaitHealthy);
                foreach (var named in attribute.NamedArguments)
                {
                    switch (named.Key)
                    {
                        case nameof(ImageAttribute.Context) when named.Value.Value is string directory: context_ = directory; break;
                        case nameof(ImageAttribute.Tags) when !named.Value.IsNull: tags = named.Value.Values.Select(v => v.Value as string ?? "").ToList(); break;
                        case nameof(ImageAttribute.ExpectOutput): expectOutput = named.Value.Value as string; break;
                        case nameof(ImageAttribute.ExpectExitCode) when named.Value.Value is int code: expectExitCode = code; break;
                        case nameof(ImageAttribute.SmokeRun) when named.Value.Value is bool run: smokeRun = run; break;
                        case nameof(ImageAttribute.ProbePort) when named.Value.Value is int port: probePort = port; break;
                        case nameof(ImageAttribute.ProbePath): probePath = named.Value.Value as string ?? ""; break;
                        case nameof(ImageAttribute.ProbeStatus) when named.Value.Value is int status: probeStatus = status; break;
                        case nameof(ImageAttribute.ProbeBody): probeBody = named.Value.Value as string; break;
                        case nameof(ImageAttribute.ExpectLog): expectLog = named.Value.Value as string; break;
                        case nameof(ImageAttribute.WaitHealthy) when named.Value.Value is bool healthy: waitHealthy = healthy; break;
                    }
                }

                var probe = probePort == 0 ? null : new ProbeSpec(probePort, probePath, probeStatus, probeBody);
                var wait = expectLog is null && !waitHealthy ? null : new WaitSpec(expectLog, waitHealthy);
                if (attributeIsValid) CheckProbe(attribute, probePort, probePath, probeStatus, diagnostics, nameLocation, cancellationToken);
                if (attributeIsValid && (probe is null ? 0 : 1) + (expectLog is null ? 0 : 1) + (waitHealthy ? 1 : 0) > 1)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.InvalidContainerCheck, nameLocation,
                        "Give the smoke run one way to know a server is up: ProbePort (an HTTP answer), ExpectLog (a line of output) or WaitHealthy (its HEALTHCHECK)."));
                }

                if (attributeIsValid && expectLog is { Length: 0 })
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.InvalidContainerCheck, nameLocation, "ExpectLog is empty: every output contains it; give the text the server prints when it is up."));
                }

                foreach (var tag in tags)
                {
                    if (attributeIsValid && !Syntax.IsTag(tag))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.InvalidImageName, nameLocation,
                            $"'{tag}' is not a valid tag: a tag is 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'."));
                    }
                }

                var containing = new List<ContainingType>();
                for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
                {
                    containing.Insert(0, new ContainingType(outer.IsRecord ? "record" : outer.TypeKind == TypeKind.Struct ? "struct" : "class", outer.Name));
                }

                var ns = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();
                string? text = null;
                string? checksJson = null;
                var manifest = ManifestSpec.Empty;

                if (!type.IsStatic || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword) || type.IsGenericType || type.ContainingType?.IsGenericType == true)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.ClassNotStaticPartial, LocationInfo.From(declaration.Identifier.GetLocation()),
                        $"[Image] class '{type.Name}' must be declared 'static partial' (and not generic) so that the generator can add its DockerfileText constant."));
                }
                else if (FindDefine(type) is not { } define)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.MissingDefine, LocationInfo.From(declaration.Identifier.GetLocation()),
                        $"[Image] class '{type.Name}' needs a method 'static Dockerfile Define()' that returns the image definition."));
                }
                else
                {
                    (text, manifest) = Evaluate(define, context.SemanticModel, diagnostics, cancellationToken);
                    checksJson = EvaluateChecks(type, context.SemanticModel, diagnostics, cancellationToken);
                }

                return new ImageSpec(ns, EquatableList<ContainingType>.From(containing), type.Name, imageName, nameLocation, context_,
                    EquatableList<string>.From(tags), expectOutput, expectExitCode, smokeRun, probe, wait, checksJson, text, manifest, EquatableList<DiagnosticInfo>.From(diagnostics));
            }

            /// <summary>IDSL0025 at the named argument for a probe no container could pass.</summary>
            private static void CheckProbe(AttributeData attribute, int port, string path, int status, List<DiagnosticInfo> diagnostics, LocationInfo? fallback,
                CancellationToken cancellationToken)
            {
                LocationInfo? At(string name) =>
                    LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList: { } list }
                        ? list.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name)
                        : null) ?? fallback;
                if (port is < 0 or > 65535)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.InvalidContainerCheck, At(nameof(ImageAttribute.ProbePort)),
                        $"ProbePort {port} is not a port: use 1 to 65535, or 0 for no HTTP probe."));
                }

                if (port != 0 && (path.Length == 0 || path[0] != '/' || path.Any(c => c <= ' ' || c == '#' || c > '~')))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.InvalidContainerCheck, At(nameof(ImageAttribute.ProbePath)),
                        $"ProbePath '{path}' is not a URL path: start it with '/', and percent-encode spaces, '#' and non-ASCII characters."));
                }

                if (status is < 100 or > 599)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.InvalidContainerCheck, At(nameof(ImageAttribute.ProbeStatus)),
                        $"ProbeStatus {status} is not an HTTP status: use 100 to 599."));
                }
            }

            private static IMethodSymbol? FindDefine(INamedTypeSymbol type) =>
                type.GetMembers("Define").OfType<IMethodSymbol>().FirstOrDefault(m =>
                    m.IsStatic && m.Parameters.Length == 0 && !m.IsGenericMethod &&
                    m.ReturnType is INamedTypeSymbol { Name: "Dockerfile", ContainingNamespace: { Name: "ImageDsl", ContainingNamespace.IsGlobalNamespace: true } } &&
                    m.DeclaringSyntaxReferences.Length > 0);

            private static (string? Text, ManifestSpec Manifest) Evaluate(IMethodSymbol define, SemanticModel model, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
            {
                (string? Text, ManifestSpec Manifest) refused = (null, ManifestSpec.Empty);
                return EvaluateBody(define, model, diagnostics, cancellationToken, refused, (value, scope, fallback) =>
                {
                    if (value is not Dockerfile dockerfile)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.UnsupportedConstruct, fallback, "Define() must return a Dockerfile value."));
                        return refused;
                    }

                    var hasError = false;
                    foreach (var problem in dockerfile.Validate())
                    {
                        hasError |= problem.IsError;
                        diagnostics.Add(DiagnosticInfo.Create(problem.Id, scope.Origins.Locate(problem) ?? fallback, problem.Message));
                    }

                    return hasError ? refused : (DockerfileRenderer.RenderValidated(dockerfile), Manifest(dockerfile, scope.Origins));
                });
            }

            /// <summary>
            /// The evaluated definition of an [Image] class and where each of its parts was written, for the best-practice
            /// analyzer; null when the generator reports a problem instead (the class shape, evaluation, validation).
            /// </summary>
            /// <paramref name="body"/> is Define()'s body as the analyzer driver already bound it.
            public static (Dockerfile Dockerfile, OriginTracker Origins)? EvaluateForAnalysis(IMethodSymbol define, IOperation body, CancellationToken cancellationToken)
            {
                var type = define.ContainingType;
                if (!type.IsStatic || type.IsGenericType || !SymbolEqualityComparer.Default.Equals(FindDefine(type), define) || body.SemanticModel is not { } model) return null;
                return EvaluateBody(define, model, new List<DiagnosticInfo>(), cancellationToken, ((Dockerfile, OriginTracker)?)null, (value, scope, _) =>
                    value is Dockerfile dockerfile && !dockerfile.Validate().Any(p => p.IsError) ? (dockerfile, scope.Origins) : null, body);
            }

            /// <summary>The checks <c>static ContainerChecks Checks()</c> declares, as JSON for the build step; null when there is none or it is refused.</summary>
            private static string? EvaluateChecks(INamedTypeSymbol type, SemanticModel model, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
            {
                var checks = type.GetMembers("Checks").OfType<IMethodSymbol>().FirstOrDefault(m =>
                    m.IsStatic && m.Parameters.Length == 0 && !m.IsGenericMethod && m.DeclaringSyntaxReferences.Length > 0 &&
                    m.ReturnType is INamedTypeSymbol { Name: "ContainerChecks", ContainingNamespace: { Name: "ImageDsl", ContainingNamespace.IsGlobalNamespace: true } });
                if (checks is null) return null;
                return EvaluateBody(checks, model, diagnostics, cancellationToken, (string?)null, (value, _, fallback) =>
                {
                    if (value is ContainerChecks declared) return declared.ToJson();
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.UnsupportedConstruct, fallback, "Checks() must return a ContainerChecks value."));
                    return null;
                });
            }

            /// <summary>
            /// Evaluates a method of the [Image] class with the Dsl's own code, and hands its value to <paramref name="interpret"/>;
            /// <paramref name="refused"/> when the compiler already rejects the code or evaluation reports a diagnostic.
            /// </summary>
            private static T EvaluateBody<T>(IMethodSymbol method, SemanticModel model, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken, T refused,
                Func<object?, EvaluationScope, LocationInfo?, T> interpret, IOperation? bound = null)
            {
                var syntax = method.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
                var semanticModel = syntax.SyntaxTree == model.SyntaxTree ? model : model.Compilation.GetSemanticModel(syntax.SyntaxTree);

                // Code the compiler rejects already has its errors; evaluating it would only add noise (an editor
                // mid-keystroke produces exactly this). Report nothing more and emit nothing. Syntax errors show on
                // the node; binding errors as invalid operations in the tree that evaluation needs anyway (asking the
                // semantic model for diagnostics would bind the body a second time).
                if (syntax.ContainsDiagnostics) return refused;
                var body = bound ?? semanticModel.GetOperation(syntax, cancellationToken);
                if (body is null || OperationSearch.HasInvalid(body)) return refused;

                var fallback = LocationInfo.From(((MethodDeclarationSyntax)syntax).Identifier.GetLocation());
                var scope = new EvaluationScope(semanticModel.Compilation, cancellationToken);
                var evaluator = new DefinitionEvaluator(semanticModel, scope);
                try
                {
                    return interpret(evaluator.EvaluateMethodBody(body), scope, fallback);
                }
                catch (EvaluationException failure)
                {
                    diagnostics.Add(DiagnosticInfo.Create(failure.Id, failure.Location ?? fallback, failure.Message));
                    return refused;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.UnsupportedConstruct, fallback,
                        $"ImageDsl could not evaluate this definition ({e.GetType().Name}: {e.Message}). Please report this with the definition."));
                    return refused;
                }
            }

            /// <summary>The stages and context reads of a valid definition, for the build step (see ContextUse).</summary>
            private static ManifestSpec Manifest(Dockerfile dockerfile, OriginTracker origins)
            {
                var use = ContextUse.Of(dockerfile);
                return new ManifestSpec(
                    EquatableList<StageSpec>.From(use.Stages.Select(s => new StageSpec(s.Name, s.BaseImage is null ? null : Parts(s.BaseImage), s.From, EquatableList<int>.From(s.Needs),
                        EquatableList<ExposedSpec>.From(s.Exposed.Select(a => new ExposedSpec(a.Argument.Name, a.Argument.Default is { } value ? Parts(value) : null, InstructionIndex(dockerfile, a.FirstUse)))),
                        EquatableList<string>.From(s.Labels), s.PublishedProject))),
                    EquatableList<ContextReadSpec>.From(use.Reads.Select(r => new ContextReadSpec(r.Stage, r.Kind == SourceKind.Pattern ? "pattern" : "path",
                        Parts(r.Kind == SourceKind.Pattern ? Syntax.GlobText(r.Text) : r.Text)))),
                    EquatableList<MountSpec>.From(use.Secrets.Select(m => new MountSpec(m.Stage, m.Id, m.Required))),
                    EquatableList<MountSpec>.From(use.SshAgents.Select(m => new MountSpec(m.Stage, m.Id, m.Required))),
                    EquatableList<ImageUseSpec>.From(use.Images.Select(i => new ImageUseSpec(i.Stage, i.Reference, InstructionIndex(dockerfile, i.Instruction)))),
                    Steps(dockerfile, origins));
            }

            /// <summary>Every instruction in the order DockerfileRenderer writes them, with the call that wrote it.</summary>
            private static EquatableList<StepSpec> Steps(Dockerfile dockerfile, OriginTracker origins)
            {
                var steps = new List<StepSpec>();
                var stages = StageGraph.Order(dockerfile);
                var globals = new HashSet<string>();
                foreach (var argument in stages.SelectMany(s => s.BaseImage?.Arguments ?? Enumerable.Empty<BuildArg>()))
                {
                    if (globals.Add(argument.Name)) steps.Add(new StepSpec(-1, "other", null));
                }

                for (var i = 0; i < stages.Count; i++)
                {
                    steps.Add(new StepSpec(i, "from", origins.From(stages[i])));
                    foreach (var instruction in stages[i].Instructions) steps.Add(new StepSpec(i, StepKind(instruction), origins.Instruction(instruction)));
                }

                return EquatableList<StepSpec>.From(steps);
            }

            /// <summary>The place of an instruction (this very object) among the file's instructions, comments not counted, as the build step counts them.</summary>
            private static int InstructionIndex(Dockerfile dockerfile, Instruction instruction)
            {
                var stages = StageGraph.Order(dockerfile);
                var index = stages.SelectMany(s => s.BaseImage?.Arguments ?? Enumerable.Empty<BuildArg>()).Select(a => a.Name).Distinct().Count();
                foreach (var stage in stages)
                {
                    index++; // FROM
                    foreach (var candidate in stage.Instructions)
                    {
                        if (ReferenceEquals(candidate, instruction)) return index;
                        if (candidate is not CommentInstruction) index++;
                    }
                }

                return -1;
            }

            private static string StepKind(Instruction instruction) => instruction switch
            {
                RunInstruction or RunHeredocInstruction => "run",
                CopyInstruction or CopyHeredocInstruction => "copy",
                AddInstruction => "add",
                WorkdirInstruction => "workdir",
                CommentInstruction => "comment",
                _ => "other",
            };

            private static EquatableList<PathPartSpec> Parts(Value value) =>
                EquatableList<PathPartSpec>.From(value.Parts.Select(p => new PathPartSpec(p.Literal, p.Argument?.Name, p.Argument?.Default is { } defaultValue ? Parts(defaultValue) : null)));

            private static bool HasError(TypedConstant constant) =>
                constant.Kind == TypedConstantKind.Error || (constant.Kind == TypedConstantKind.Array && !constant.IsNull && constant.Values.Any(HasError));

            private static SyntaxNode? AttributeArgument(AttributeData attribute, int index, CancellationToken cancellationToken) =>
                attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList: { } list } && list.Arguments.Count > index
                    ? list.Arguments[index]
                    : null;
        }
    }
}
