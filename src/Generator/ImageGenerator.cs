using System.Collections.Generic;
using System.Collections.Immutable;
using ImageDsl.Generator.Model;
using Microsoft.CodeAnalysis;

namespace ImageDsl.Generator
{
    /// <summary>
    /// Turns every <c>[Image]</c> class into <c>DockerfileText</c> / <c>ImageName</c> constants and an assembly-level
    /// <c>GeneratedImageAttribute</c> that the build step reads from metadata.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed partial class ImageGenerator : IIncrementalGenerator
    {
        /// <summary>Names of the pipeline steps, for tests that assert what was cached.</summary>
        public static class TrackingNames
        {
            /// <summary>One <c>ImageSpec</c> per [Image] class: parsing and evaluating its definition.</summary>
            public const string ImageSpecs = nameof(ImageSpecs);

            /// <summary>All image names with their locations, for the duplicate-name check.</summary>
            public const string ImageNames = nameof(ImageNames);
        }

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            // The attribute that records each image is declared in the user's own assembly, internal and [Embedded]:
            // the compiled app then needs nothing of ImageDsl at run time, not even to enumerate its own attributes
            // (which ASP.NET Core's startup does), so ImageDsl stays a build-time dependency.
            context.RegisterPostInitializationOutput(static output =>
            {
                output.AddEmbeddedAttributeDefinition();
                output.AddSource(Emitter.AttributeHintName, Emitter.AttributeSource);
            });

            // ForAttributeWithMetadataName visits only classes carrying [Image], cheaply, by syntax first. The transform
            // evaluates the definition into a value-equatable ImageSpec; only a spec that differs from the previous run's
            // reaches the output step below.
            var images = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    "ImageDsl.ImageAttribute",
                    predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax,
                    transform: static (ctx, ct) => Parser.Parse(ctx, ct))
                .WithTrackingName(TrackingNames.ImageSpecs);

            // Source locations go into the assembly relative to the project directory (made visible to the compiler by
            // ImageDsl.props), so that the assembly does not depend on where the repository was cloned.
            var projectDirectory = context.AnalyzerConfigOptionsProvider.Select(static (options, _) =>
                options.GlobalOptions.TryGetValue("build_property.MSBuildProjectDirectory", out var directory) && directory.Length > 0 ? directory : null);

            context.RegisterSourceOutput(images.Combine(projectDirectory), static (spc, pair) =>
            {
                var (spec, directory) = pair;
                foreach (var diagnostic in spec.Diagnostics) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
                if (spec.DockerfileText is not null) spc.AddSource(Emitter.HintName(spec), Emitter.Emit(spec, directory));
            });

            // Image names must be unique per assembly: the build step keys images by name. Narrow to (name, location)
            // before collecting, so an edit that changes a Dockerfile but not a name leaves this step cached.
            var names = images
                .Select(static (spec, _) => (spec.ImageName, spec.ImageNameLocation))
                .Collect()
                .WithTrackingName(TrackingNames.ImageNames);

            context.RegisterSourceOutput(names, static (spc, all) => ReportDuplicateNames(spc, all));
        }

        private static void ReportDuplicateNames(SourceProductionContext context, ImmutableArray<(string Name, LocationInfo? Location)> names)
        {
            var seen = new HashSet<string>();
            foreach (var (name, location) in names)
            {
                if (name.Length > 0 && !seen.Add(name))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DuplicateImageName, location?.ToLocation(),
                        $"Another [Image] class in this assembly is already named '{name}': image names must be unique, since the build tags images by name."));
                }
            }
        }
    }
}
