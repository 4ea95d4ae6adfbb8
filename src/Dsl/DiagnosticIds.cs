namespace ImageDsl
{
    /// <summary>
    /// The stable identifiers of every problem ImageDsl reports. The same id reaches the user whether the problem
    /// is found by the source generator (as a compiler diagnostic at the offending argument) or at run time (as a
    /// <see cref="DockerfileException"/>). docs/diagnostics.md lists each one with an example.
    /// </summary>
    public static class DiagnosticIds
    {
        /// <summary>A value the generator cannot evaluate at compile time.</summary>
        public const string NotConstant = "IDSL0001";
        /// <summary>A port outside 1–65535, or a range whose end precedes its start.</summary>
        public const string PortOutOfRange = "IDSL0002";
        /// <summary>A WORKDIR that is not absolute.</summary>
        public const string RelativeWorkdir = "IDSL0003";
        /// <summary>A stage name BuildKit does not accept.</summary>
        public const string InvalidStageName = "IDSL0004";
        /// <summary>Two different stages with the same name.</summary>
        public const string DuplicateStageName = "IDSL0005";
        /// <summary>A build argument used in a stage that does not declare it.</summary>
        public const string UndeclaredBuildArgument = "IDSL0006";
        /// <summary>More than one CMD, ENTRYPOINT or HEALTHCHECK in one stage: only the last takes effect.</summary>
        public const string RepeatedSingletonInstruction = "IDSL0007";
        /// <summary>A value the Dockerfile syntax cannot carry exactly (a newline in ENV, non-ASCII in a flag…).</summary>
        public const string InexpressibleValue = "IDSL0008";
        /// <summary>An image reference that is not valid docker reference syntax.</summary>
        public const string InvalidImageReference = "IDSL0009";
        /// <summary>An [Image] class without a usable Define method.</summary>
        public const string MissingDefine = "IDSL0010";
        /// <summary>An [Image] class that is not static and partial.</summary>
        public const string ClassNotStaticPartial = "IDSL0011";
        /// <summary>A statement or expression the generator does not evaluate.</summary>
        public const string UnsupportedConstruct = "IDSL0012";
        /// <summary>An argument outside what the instruction accepts (empty path, bad mode…).</summary>
        public const string InvalidArgument = "IDSL0013";
        /// <summary>A stage is referenced (FROM, COPY --from, RUN --mount from=) but has no name.</summary>
        public const string UnnamedStageReference = "IDSL0014";
        /// <summary>The image name in [Image] is not a valid repository name.</summary>
        public const string InvalidImageName = "IDSL0015";
        /// <summary>Two [Image] classes in one assembly use the same image name.</summary>
        public const string DuplicateImageName = "IDSL0016";
        /// <summary>Two build arguments share a name but not a default value.</summary>
        public const string ConflictingBuildArgument = "IDSL0017";
        /// <summary>Parser directives (syntax, escape, check) set on a stage other than the final one.</summary>
        public const string MisplacedDirective = "IDSL0018";
        /// <summary>A build argument in a literal COPY/ADD source, where docker would read its value as a pattern.</summary>
        public const string SourceArgumentIsPattern = "IDSL0019";
        /// <summary>(Warning) A literal COPY/ADD source holds '*', '?' or '[': it copies the file of exactly that name, not a pattern.</summary>
        public const string LiteralLooksLikePattern = "IDSL0020";
        /// <summary>A stage name that FROM, COPY --from or a mount would read as an image of the same name (or scratch).</summary>
        public const string StageNameCapturesImage = "IDSL0021";
        /// <summary>A shell-form command that needs the exec form, in a stage whose shell comes from its base image.</summary>
        public const string UnknownShell = "IDSL0022";
        /// <summary>A static field whose value at run time is not provably its initializer (reassigned, mutable, read before it is initialised).</summary>
        public const string FieldNotProvable = "IDSL0023";
        /// <summary>A definition that takes more steps, nesting or text to evaluate than the generator allows.</summary>
        public const string EvaluationBudgetExceeded = "IDSL0024";
        /// <summary>A container check in [Image] that no container could pass: a port out of range, a path that is not a URL path, a status that is not HTTP's.</summary>
        public const string InvalidContainerCheck = "IDSL0025";
        /// <summary>A build argument used after an ENV of the same name in its stage (or a stage it starts from): docker expands the variable, not the argument.</summary>
        public const string ArgumentHiddenByEnv = "IDSL0026";
        /// <summary>An environment-variable reference (Value.Env) where it cannot stand: FROM, a COPY/ADD source or pattern, or a stage that declares a build argument of the same name.</summary>
        public const string MisplacedEnvironmentVariable = "IDSL0027";

        // Best practices (IDSL1xxx): warnings from the ImageDsl analyzer, each configurable through .editorconfig
        // (dotnet_diagnostic.IDSL1001.severity = none|suggestion|warning|error). docs/practices.md explains each.

        /// <summary>(Warning) A base image with no tag, or the tag <c>latest</c>: it changes under the definition.</summary>
        public const string UnpinnedBaseImage = "IDSL1001";
        /// <summary>(Warning) The final stage runs as root: it never sets USER, or its last USER is root.</summary>
        public const string RunsAsRoot = "IDSL1002";
        /// <summary>(Warning) <c>apt-get install</c> without <c>--no-install-recommends</c>.</summary>
        public const string AptRecommends = "IDSL1003";
        /// <summary>(Warning) apt package lists left in the layer: no <c>rm -rf /var/lib/apt/lists/*</c> in the same RUN.</summary>
        public const string AptListsKept = "IDSL1004";
        /// <summary>(Warning) <c>apk add</c> without <c>--no-cache</c>.</summary>
        public const string ApkCache = "IDSL1005";
        /// <summary>(Warning) <c>apt-get upgrade</c> or <c>dist-upgrade</c> in an image build.</summary>
        public const string PackageUpgrade = "IDSL1006";
        /// <summary>(Warning) <c>cd</c> inside RUN instead of <c>Workdir</c>.</summary>
        public const string CdInRun = "IDSL1007";
        /// <summary>(Warning) ADD of a local file that is not an archive: COPY does the same, without ADD's extraction rules.</summary>
        public const string AddInsteadOfCopy = "IDSL1008";
        /// <summary>(Warning) ADD of a URL without <c>checksum</c>: what it downloads can change.</summary>
        public const string AddUrlWithoutChecksum = "IDSL1009";
        /// <summary>(Warning) A pipe in RUN whose shell does not fail on a failing left side (no <c>pipefail</c>).</summary>
        public const string PipeWithoutPipefail = "IDSL1010";
        /// <summary>(Warning) <c>sudo</c> in RUN.</summary>
        public const string SudoInRun = "IDSL1011";
        /// <summary>(Warning) A secret in ENV or ARG (a name like *PASSWORD*, *TOKEN*, *SECRET*, or a connection string): use a secret mount.</summary>
        public const string SecretInEnvironment = "IDSL1012";
        /// <summary>(Warning) The whole context is copied before <c>dotnet restore</c>: any code change re-runs the restore.</summary>
        public const string RestoreAfterCopyAll = "IDSL1013";
        /// <summary>(Warning) <c>dotnet restore</c>/<c>publish</c>/<c>build</c> without a NuGet cache mount.</summary>
        public const string RestoreWithoutCache = "IDSL1014";
        /// <summary>(Warning) <c>dotnet publish</c> without <c>-c Release</c>.</summary>
        public const string PublishNotRelease = "IDSL1015";
        /// <summary>(Warning) The final stage is based on the .NET SDK image.</summary>
        public const string SdkFinalImage = "IDSL1016";
        /// <summary>(Warning) ASPNETCORE_HTTP_PORTS / ASPNETCORE_URLS name a port the image does not EXPOSE.</summary>
        public const string PortNotExposed = "IDSL1017";
        /// <summary>(Warning) An image reference that looks like a misspelt stage name (<c>"biuld"</c> while a stage <c>build</c> exists).</summary>
        public const string MisspeltStageReference = "IDSL1018";
    }
}
