using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace ImageDsl.Generator
{
    /// <summary>
    /// Every diagnostic the generator reports. The ids are <see cref="DiagnosticIds"/> — the same ones the runtime
    /// puts in <see cref="DockerfileException"/> — so a problem has one id wherever it is found. Most messages are the
    /// Dsl's own text ("{0}"), written once where the rule lives.
    /// </summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "ImageDsl";

        public static readonly DiagnosticDescriptor NotConstant = Error(DiagnosticIds.NotConstant, "Value not known at compile time");
        public static readonly DiagnosticDescriptor PortOutOfRange = Error(DiagnosticIds.PortOutOfRange, "Port out of range");
        public static readonly DiagnosticDescriptor RelativeWorkdir = Error(DiagnosticIds.RelativeWorkdir, "WORKDIR is relative");
        public static readonly DiagnosticDescriptor InvalidStageName = Error(DiagnosticIds.InvalidStageName, "Invalid stage name");
        public static readonly DiagnosticDescriptor DuplicateStageName = Error(DiagnosticIds.DuplicateStageName, "Duplicate stage name");
        public static readonly DiagnosticDescriptor UndeclaredBuildArgument = Error(DiagnosticIds.UndeclaredBuildArgument, "Build argument not declared in this stage");
        public static readonly DiagnosticDescriptor RepeatedSingletonInstruction = new DiagnosticDescriptor(DiagnosticIds.RepeatedSingletonInstruction,
            "Instruction repeated in one stage", "{0}", Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);
        public static readonly DiagnosticDescriptor InexpressibleValue = Error(DiagnosticIds.InexpressibleValue, "Value cannot be written exactly in a Dockerfile");
        public static readonly DiagnosticDescriptor InvalidImageReference = Error(DiagnosticIds.InvalidImageReference, "Invalid image reference");
        public static readonly DiagnosticDescriptor MissingDefine = Error(DiagnosticIds.MissingDefine, "Image class has no Define method");
        public static readonly DiagnosticDescriptor ClassNotStaticPartial = Error(DiagnosticIds.ClassNotStaticPartial, "Image class must be static partial");
        public static readonly DiagnosticDescriptor UnsupportedConstruct = Error(DiagnosticIds.UnsupportedConstruct, "Construct not supported in an image definition");
        public static readonly DiagnosticDescriptor InvalidArgument = Error(DiagnosticIds.InvalidArgument, "Invalid argument");
        public static readonly DiagnosticDescriptor UnnamedStageReference = Error(DiagnosticIds.UnnamedStageReference, "Referenced stage has no name");
        public static readonly DiagnosticDescriptor InvalidImageName = Error(DiagnosticIds.InvalidImageName, "Invalid image name");
        public static readonly DiagnosticDescriptor DuplicateImageName = Error(DiagnosticIds.DuplicateImageName, "Duplicate image name");
        public static readonly DiagnosticDescriptor ConflictingBuildArgument = Error(DiagnosticIds.ConflictingBuildArgument, "Build argument declared with different defaults");
        public static readonly DiagnosticDescriptor MisplacedDirective = Error(DiagnosticIds.MisplacedDirective, "Parser directive on a non-final stage");
        public static readonly DiagnosticDescriptor SourceArgumentIsPattern = Error(DiagnosticIds.SourceArgumentIsPattern, "Build argument in a literal source path");
        public static readonly DiagnosticDescriptor LiteralLooksLikePattern = new DiagnosticDescriptor(DiagnosticIds.LiteralLooksLikePattern,
            "Literal source path holds pattern characters", "{0}", Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);
        public static readonly DiagnosticDescriptor StageNameCapturesImage = Error(DiagnosticIds.StageNameCapturesImage, "Stage name shadows an image reference");
        public static readonly DiagnosticDescriptor UnknownShell = Error(DiagnosticIds.UnknownShell, "Shell-form fallback needs the stage's shell");
        public static readonly DiagnosticDescriptor FieldNotProvable = Error(DiagnosticIds.FieldNotProvable, "Field value at run time is not provably its initializer");
        public static readonly DiagnosticDescriptor EvaluationBudgetExceeded = Error(DiagnosticIds.EvaluationBudgetExceeded, "Definition too costly to evaluate");
        public static readonly DiagnosticDescriptor InvalidContainerCheck = Error(DiagnosticIds.InvalidContainerCheck, "Invalid container check");
        public static readonly DiagnosticDescriptor ArgumentHiddenByEnv = Error(DiagnosticIds.ArgumentHiddenByEnv, "Build argument hidden by an environment variable");
        public static readonly DiagnosticDescriptor MisplacedEnvironmentVariable = Error(DiagnosticIds.MisplacedEnvironmentVariable, "Environment variable where it cannot stand");

        private static readonly Dictionary<string, DiagnosticDescriptor> All = new Dictionary<string, DiagnosticDescriptor>
        {
            [NotConstant.Id] = NotConstant, [PortOutOfRange.Id] = PortOutOfRange, [RelativeWorkdir.Id] = RelativeWorkdir,
            [InvalidStageName.Id] = InvalidStageName, [DuplicateStageName.Id] = DuplicateStageName,
            [UndeclaredBuildArgument.Id] = UndeclaredBuildArgument, [RepeatedSingletonInstruction.Id] = RepeatedSingletonInstruction,
            [InexpressibleValue.Id] = InexpressibleValue, [InvalidImageReference.Id] = InvalidImageReference, [MissingDefine.Id] = MissingDefine,
            [ClassNotStaticPartial.Id] = ClassNotStaticPartial, [UnsupportedConstruct.Id] = UnsupportedConstruct,
            [InvalidArgument.Id] = InvalidArgument, [UnnamedStageReference.Id] = UnnamedStageReference, [InvalidImageName.Id] = InvalidImageName,
            [DuplicateImageName.Id] = DuplicateImageName, [ConflictingBuildArgument.Id] = ConflictingBuildArgument,
            [MisplacedDirective.Id] = MisplacedDirective, [SourceArgumentIsPattern.Id] = SourceArgumentIsPattern,
            [LiteralLooksLikePattern.Id] = LiteralLooksLikePattern, [StageNameCapturesImage.Id] = StageNameCapturesImage,
            [UnknownShell.Id] = UnknownShell, [FieldNotProvable.Id] = FieldNotProvable, [EvaluationBudgetExceeded.Id] = EvaluationBudgetExceeded,
            [InvalidContainerCheck.Id] = InvalidContainerCheck, [ArgumentHiddenByEnv.Id] = ArgumentHiddenByEnv,
            [MisplacedEnvironmentVariable.Id] = MisplacedEnvironmentVariable,
        };

        /// <summary>The descriptor for an id; an unknown id (a Dsl bug) is reported as an invalid argument rather than thrown.</summary>
        public static DiagnosticDescriptor ById(string id) => All.TryGetValue(id, out var descriptor) ? descriptor : InvalidArgument;

        public static IEnumerable<DiagnosticDescriptor> Descriptors => All.Values;

        private static DiagnosticDescriptor Error(string id, string title) =>
            new DiagnosticDescriptor(id, title, "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
    }
}
