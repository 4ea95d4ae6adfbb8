using System;
using System.Collections.Generic;
using System.Linq;
using ImageDsl.Internal;
using ImageDsl.Rendering;

namespace ImageDsl
{
    /// <summary>
    /// An immutable Dockerfile stage. Every method returns a new stage with one more instruction; a stage used by
    /// another (as its base, by <c>COPY --from</c> or a mount) is emitted before it, so a whole multi-stage
    /// Dockerfile is just its final stage. <see cref="ToString"/> renders the Dockerfile text — the very text the
    /// source generator puts into the <c>DockerfileText</c> constant.
    /// </summary>
    public sealed record Dockerfile
    {
        private Dockerfile(Value? baseImage, Dockerfile? baseStage, Platform? platform)
        {
            BaseImage = baseImage;
            BaseStage = baseStage;
            Platform = platform;
        }

        /// <summary>The image this stage starts from (null when it starts from a stage).</summary>
        public Value? BaseImage { get; }

        /// <summary>The stage this stage starts from (null when it starts from an image).</summary>
        public Dockerfile? BaseStage { get; }

        /// <summary>The <c>FROM --platform</c> value, if any.</summary>
        public Platform? Platform { get; }

        /// <summary>The <c>AS</c> name, if any.</summary>
        public string? Name { get; private init; }

        /// <summary>The instructions after FROM, in order.</summary>
        public EquatableList<Instruction> Instructions { get; private init; } = EquatableList<Instruction>.Empty;

        /// <summary>Parser directives; only the final stage may set them.</summary>
        public ParserDirectives Directives { get; private init; } = ParserDirectives.Default;

        /// <summary>
        /// The project this stage publishes (<see cref="DotNet.InImagePublish"/>'s, relative to the build context's
        /// root), for the build step, which cannot tell it from the RUN text; null for any other stage. Not rendered.
        /// </summary>
        internal string? PublishedProject { get; private init; }

        /// <summary>This stage, recorded as publishing <paramref name="project"/> (see <see cref="PublishedProject"/>).</summary>
        internal Dockerfile Publishing(string project) => this with { PublishedProject = project };

        /// <summary><c>FROM image</c>. The reference may contain build arguments; they are declared globally for you.</summary>
        public static Dockerfile From(Value image, Platform? platform = null)
        {
            if (image is null) throw new DockerfileException(DiagnosticIds.InvalidArgument, "An image cannot be null.", nameof(image));
            Syntax.RequireNoVariable(image, "an image", nameof(image));
            if (image.IsLiteral) Syntax.RequireImageReference(image.LiteralText, nameof(image));
            else
            {
                Syntax.RequireSingleLine(image, "an image reference", nameof(image));
                // With the build arguments' defaults the reference is known now; the daemon would only refuse it later.
                if (Syntax.WithDefaults(image) is { } withDefaults && !Syntax.IsImageReference(withDefaults))
                {
                    throw new DockerfileException(DiagnosticIds.InvalidImageReference,
                        $"With its build arguments' defaults, '{image}' is '{withDefaults}', which is not an image reference: write [registry/]name[:tag][@digest] with a lowercase name, e.g. busybox:1.36.", nameof(image));
                }
            }

            return new Dockerfile(image, null, platform);
        }

        /// <summary><c>FROM stage</c>: continue from another stage of this build.</summary>
        public static Dockerfile From(Dockerfile stage, Platform? platform = null) =>
            new Dockerfile(null, stage ?? throw new DockerfileException(DiagnosticIds.InvalidArgument, "A stage cannot be null.", nameof(stage)), platform);

        /// <summary><c>FROM scratch</c>: an empty filesystem.</summary>
        public static Dockerfile Scratch => new Dockerfile(Value.Literal("scratch"), null, null);

        /// <summary><c>AS name</c>: names this stage so that other stages and <c>--target</c> can refer to it.</summary>
        public Dockerfile As(string name)
        {
            if (!Syntax.IsStageName(name))
            {
                throw new DockerfileException(DiagnosticIds.InvalidStageName,
                    $"'{name}' is not a valid stage name: start with a lowercase letter, then lowercase letters, digits, '-', '_' or '.'.", nameof(name));
            }

            return this with { Name = name };
        }

        /// <summary><c>RUN</c> in shell form (or exec form with <see cref="Command.Exec"/>), with optional mounts, network and security mode.</summary>
        public Dockerfile Run(Command command, IEnumerable<Mount>? mounts = null, RunNetwork network = RunNetwork.Default, RunSecurity security = RunSecurity.Default) =>
            Append(new RunInstruction(Require(command, nameof(command)), EquatableList<Mount>.From(mounts), network, security));

        /// <summary><c>RUN</c> in exec form: the arguments reach the process exactly, with no shell.</summary>
        public Dockerfile RunExec(string[] arguments, IEnumerable<Mount>? mounts = null, RunNetwork network = RunNetwork.Default, RunSecurity security = RunSecurity.Default) =>
            Run(Command.Exec(arguments), mounts, network, security);

        /// <summary><c>RUN &lt;&lt;EOF</c>: a multi-line script as a heredoc (needs a Dockerfile frontend with heredocs, 1.4+).</summary>
        public Dockerfile RunHeredoc(string script, IEnumerable<Mount>? mounts = null, RunNetwork network = RunNetwork.Default, RunSecurity security = RunSecurity.Default)
        {
            Syntax.RequireHeredoc(script, nameof(script));
            return Append(new RunHeredocInstruction(script, EquatableList<Mount>.From(mounts), network, security));
        }

        /// <summary><c>CMD</c> in exec form.</summary>
        public Dockerfile Cmd(params string[] arguments) => Append(new CmdInstruction(Command.Exec(arguments)));

        /// <summary><c>CMD</c> in shell form.</summary>
        public Dockerfile CmdShell(string commandLine) => Append(new CmdInstruction(Command.Shell(commandLine)));

        /// <summary><c>ENTRYPOINT</c> in exec form.</summary>
        public Dockerfile Entrypoint(params string[] arguments) => Append(new EntrypointInstruction(Command.Exec(arguments)));

        /// <summary><c>ENTRYPOINT</c> in shell form.</summary>
        public Dockerfile EntrypointShell(string commandLine) => Append(new EntrypointInstruction(Command.Shell(commandLine)));

        /// <summary>
        /// <c>ENTRYPOINT []</c>: no entrypoint, where the base image has one. As with any ENTRYPOINT, the CMD the stage
        /// inherited is cleared too (one this stage set before stays); both builders leave the image's Entrypoint null.
        /// </summary>
        public Dockerfile ResetEntrypoint() => Append(new EntrypointInstruction(Command.None));

        /// <summary>
        /// <c>CMD []</c>: no command, where the base image (or an earlier stage) has one — the ENTRYPOINT then runs
        /// without arguments. BuildKit (and the daemonless builder) record no command (null); the classic builder
        /// records an empty one (<c>[]</c>): the same container from another image, so a classic build refuses it
        /// (IMAGEDSL2030).
        /// </summary>
        public Dockerfile ResetCmd() => Append(new CmdInstruction(Command.None));

        /// <summary><c>SHELL</c>: the shell that later shell-form instructions of this stage run in.</summary>
        public Dockerfile Shell(params string[] shell)
        {
            if (shell is null || shell.Length == 0) throw new DockerfileException(DiagnosticIds.InvalidArgument, "SHELL needs at least one argument.", nameof(shell));
            foreach (var argument in shell) Syntax.RequireText(argument, "a SHELL argument", nameof(shell));
            return Append(new ShellInstruction(EquatableList<string>.From(shell)));
        }

        /// <summary><c>ENV key="value"</c>; the value arrives in the image byte for byte.</summary>
        public Dockerfile Env(string key, Value value) => Append(new EnvInstruction(EquatableList<NamedValue>.Empty.Add(EnvVariable(key, value, nameof(key), nameof(value)))));

        /// <summary>
        /// <c>ENV a="1" b="2"</c>: several variables in one instruction, as <c>Env(("A", "1"), ("B", version))</c>. The
        /// image gets the same variables as from one <see cref="Env(string, Value)"/> per pair, with one history entry
        /// instead of one per variable.
        /// </summary>
        public Dockerfile Env(params (string Key, Value Value)[] variables)
        {
            if (variables is null || variables.Length == 0) throw new DockerfileException(DiagnosticIds.InvalidArgument, "ENV needs at least one variable.", nameof(variables));
            return Append(new EnvInstruction(EquatableList<NamedValue>.From(variables.Select(v => EnvVariable(v.Key, v.Value, nameof(variables), nameof(variables))))));
        }

        /// <summary><c>LABEL "key"="value"</c>; key and value arrive in the image byte for byte.</summary>
        public Dockerfile Label(string key, Value value) => Append(new LabelInstruction(EquatableList<NamedValue>.Empty.Add(ImageLabel(key, value, nameof(key), nameof(value)))));

        /// <summary>
        /// <c>LABEL "a"="1" "b"="2"</c>: several labels in one instruction, as <c>Label(("a", "1"), ("b", version))</c>;
        /// the same labels as one <see cref="Label(string, Value)"/> per pair, with one history entry.
        /// </summary>
        public Dockerfile Label(params (string Key, Value Value)[] labels)
        {
            if (labels is null || labels.Length == 0) throw new DockerfileException(DiagnosticIds.InvalidArgument, "LABEL needs at least one label.", nameof(labels));
            return Append(new LabelInstruction(EquatableList<NamedValue>.From(labels.Select(l => ImageLabel(l.Key, l.Value, nameof(labels), nameof(labels))))));
        }

        private static NamedValue EnvVariable(string key, Value value, string keyParameter, string valueParameter)
        {
            if (!Syntax.IsEnvKey(key))
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument,
                    $"'{key}' is not a usable environment variable name: use letters, digits, '_', '.' or '-', not starting with a digit.", keyParameter);
            }

            return new NamedValue(key, RequireValue(value, "an ENV value", valueParameter));
        }

        private static NamedValue ImageLabel(string key, Value value, string keyParameter, string valueParameter)
        {
            Syntax.RequireSingleLine(key, "a label key", keyParameter);
            if (key.Length == 0) throw new DockerfileException(DiagnosticIds.InvalidArgument, "A label key cannot be empty.", keyParameter);
            if (key.IndexOf('=') >= 0)
            {
                // parseNameVal splits each word at its first '=', quoted or not, so such a key cannot be written.
                throw new DockerfileException(DiagnosticIds.InexpressibleValue, $"Label key '{key}' contains '=', which the Dockerfile parser always reads as the end of the key.", keyParameter);
            }

            return new NamedValue(key, RequireValue(value, "a LABEL value", valueParameter));
        }

        /// <summary><c>ARG</c>: declares a build argument in this stage so that later instructions can use it.</summary>
        public Dockerfile Arg(BuildArg argument) => Append(new ArgInstruction(Require(argument, nameof(argument))));

        /// <summary><c>EXPOSE</c>: documents the ports the container listens on.</summary>
        public Dockerfile Expose(params Port[] ports)
        {
            if (ports is null || ports.Length == 0) throw new DockerfileException(DiagnosticIds.InvalidArgument, "EXPOSE needs at least one port.", nameof(ports));
            return Append(new ExposeInstruction(EquatableList<Port>.From(ports)));
        }

        /// <summary><c>USER</c>: the user (and group) later instructions and the container run as.</summary>
        public Dockerfile User(Owner user) => Append(new UserInstruction(Value.Literal(Require(user, nameof(user)).ToString())));

        /// <summary><c>USER</c> in docker's own form <c>user[:group]</c> (<c>"app"</c>, <c>"1000:1000"</c>), taken literally.</summary>
        public Dockerfile User(string user) => User(Owner.Parse(user));

        /// <summary>
        /// <c>USER</c> from references the builder expands: <c>User(Value.Env("APP_UID"))</c> is <c>USER ${APP_UID}</c>, the
        /// unprivileged user the .NET images name in their environment; a <see cref="BuildArg"/> gives the argument's value.
        /// </summary>
        public Dockerfile User(Value user)
        {
            RequireValue(user, "a user", nameof(user));
            if (user.IsLiteral) return User(Owner.Parse(user.LiteralText));
            return Append(new UserInstruction(user));
        }

        /// <summary><c>WORKDIR</c>: must be absolute, so that the result never depends on an inherited directory.</summary>
        public Dockerfile Workdir(Value path)
        {
            RequireValue(path, "a WORKDIR path", nameof(path));
            if (path.Parts.Count == 0 || (path.Parts[0].Literal is { } first && !first.StartsWith("/", StringComparison.Ordinal)))
            {
                throw new DockerfileException(DiagnosticIds.RelativeWorkdir,
                    $"WORKDIR '{path}' is relative: write an absolute path (starting with '/') so the result does not depend on the base image's directory.", nameof(path));
            }

            return Append(new WorkdirInstruction(path));
        }

        /// <summary><c>VOLUME</c>: mount points for external volumes.</summary>
        public Dockerfile Volume(params string[] paths)
        {
            if (paths is null || paths.Length == 0) throw new DockerfileException(DiagnosticIds.InvalidArgument, "VOLUME needs at least one path.", nameof(paths));
            for (var i = 0; i < paths.Length; i++)
            {
                if (paths[i] is { } path && Syntax.HasSurroundingGoSpace(path))
                {
                    // Both builders trim each path (instructions.parseVolume: strings.TrimSpace): the image would hold another path.
                    throw new DockerfileException(DiagnosticIds.InexpressibleValue,
                        $"The VOLUME path '{path}' starts or ends with a blank, which docker trims from it: write the path without the blank.", nameof(paths))
                    {
                        Element = i,
                    };
                }
            }

            return Append(new VolumeInstruction(EquatableList<Value>.From(paths.Select(p => RequireValue(p, "a VOLUME path", nameof(paths))))));
        }

        /// <summary>
        /// <c>COPY source destination</c> from the build context, or from <paramref name="from"/> (a stage or an image).
        /// The source is a literal path: the file or directory of exactly that name is copied, whatever characters it
        /// holds. For a pattern, pass a <see cref="Glob"/>.
        /// </summary>
        public Dockerfile Copy(Value source, Value destination, StageOrImage? from = null, Owner? chown = null, FileMode? chmod = null,
            bool link = false, bool parents = false, IEnumerable<Glob>? exclude = null) =>
            CopyCore(Paths(new[] { source }, nameof(source)), destination, from, chown, chmod, link, parents, exclude);

        /// <summary><c>COPY sources... destination</c>: several literal paths.</summary>
        public Dockerfile Copy(Value[] sources, Value destination, StageOrImage? from = null, Owner? chown = null, FileMode? chmod = null,
            bool link = false, bool parents = false, IEnumerable<Glob>? exclude = null) =>
            CopyCore(Paths(sources, nameof(sources)), destination, from, chown, chmod, link, parents, exclude);

        /// <summary><c>COPY pattern destination</c>: every file or directory the pattern matches, e.g. <c>Glob.Of("*.csproj")</c>.</summary>
        public Dockerfile Copy(Glob source, Value destination, StageOrImage? from = null, Owner? chown = null, FileMode? chmod = null,
            bool link = false, bool parents = false, IEnumerable<Glob>? exclude = null) =>
            CopyCore(Patterns(new[] { source }, nameof(source)), destination, from, chown, chmod, link, parents, exclude);

        /// <summary><c>COPY patterns... destination</c>; <see cref="Glob.Literal"/> lists an exact name among them.</summary>
        public Dockerfile Copy(Glob[] sources, Value destination, StageOrImage? from = null, Owner? chown = null, FileMode? chmod = null,
            bool link = false, bool parents = false, IEnumerable<Glob>? exclude = null) =>
            CopyCore(Patterns(sources, nameof(sources)), destination, from, chown, chmod, link, parents, exclude);

        private Dockerfile CopyCore(EquatableList<CopySource> sources, Value destination, StageOrImage? from, Owner? chown, FileMode? chmod,
            bool link, bool parents, IEnumerable<Glob>? exclude) =>
            Append(new CopyInstruction(sources, RequirePath(destination, "a destination", nameof(destination)), from,
                Chown(chown, nameof(chown)), Chmod(chmod, nameof(chmod)), link, parents, Excludes(exclude, nameof(exclude))));

        /// <summary><c>COPY &lt;&lt;EOF destination</c>: writes <paramref name="content"/> (which must end with a newline) to a file.</summary>
        public Dockerfile CopyHeredoc(string content, Value destination, Owner? chown = null, FileMode? chmod = null)
        {
            Syntax.RequireHeredoc(content, nameof(content));
            Syntax.RequirePlainWord(destination, "a heredoc COPY destination", nameof(destination));
            if (!content.EndsWith("\n", StringComparison.Ordinal))
            {
                throw new DockerfileException(DiagnosticIds.InexpressibleValue,
                    "A heredoc file always ends with a newline: end the content with \"\\n\" so the file is exactly what you wrote.", nameof(content));
            }

            return Append(new CopyHeredocInstruction(content, RequireValue(destination, "a destination", nameof(destination)), Chown(chown, nameof(chown)), Chmod(chmod, nameof(chmod))));
        }

        /// <summary>
        /// <c>ADD</c>: like COPY, and unpacks local tar archives. The source is a literal path in the build context;
        /// to fetch a URL or a git repository, pass a <see cref="Uri"/>.
        /// </summary>
        public Dockerfile Add(Value source, Value destination, Owner? chown = null, FileMode? chmod = null, bool link = false,
            string? checksum = null, bool keepGitDir = false, IEnumerable<Glob>? exclude = null) =>
            AddCore(Paths(new[] { source }, nameof(source)), destination, chown, chmod, link, checksum, keepGitDir, exclude);

        /// <summary><c>ADD sources... destination</c>: several literal paths.</summary>
        public Dockerfile Add(Value[] sources, Value destination, Owner? chown = null, FileMode? chmod = null, bool link = false,
            string? checksum = null, bool keepGitDir = false, IEnumerable<Glob>? exclude = null) =>
            AddCore(Paths(sources, nameof(sources)), destination, chown, chmod, link, checksum, keepGitDir, exclude);

        /// <summary><c>ADD pattern destination</c>: every file or directory of the context the pattern matches.</summary>
        public Dockerfile Add(Glob source, Value destination, Owner? chown = null, FileMode? chmod = null, bool link = false,
            string? checksum = null, bool keepGitDir = false, IEnumerable<Glob>? exclude = null) =>
            AddCore(Patterns(new[] { source }, nameof(source)), destination, chown, chmod, link, checksum, keepGitDir, exclude);

        /// <summary>
        /// <c>ADD url destination</c>: fetches an http(s) file, or a git repository (<c>https://…/repo.git#ref</c>,
        /// <c>ssh://git@host/repo.git</c>). The URL is written as given (<see cref="Uri.OriginalString"/>).
        /// </summary>
        public Dockerfile Add(Uri url, Value destination, Owner? chown = null, FileMode? chmod = null, bool link = false,
            string? checksum = null, bool keepGitDir = false, IEnumerable<Glob>? exclude = null) =>
            AddCore(EquatableList<CopySource>.Empty.Add(new CopySource(Syntax.RequireUrl(url, nameof(url)), SourceKind.Url)),
                destination, chown, chmod, link, checksum, keepGitDir, exclude);

        private Dockerfile AddCore(EquatableList<CopySource> sources, Value destination, Owner? chown, FileMode? chmod, bool link,
            string? checksum, bool keepGitDir, IEnumerable<Glob>? exclude)
        {
            if (checksum is not null && !Syntax.IsChecksum(checksum))
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument,
                    $"'{checksum}' is not a checksum: write sha256:<64 lowercase hex digits>.", nameof(checksum));
            }

            return Append(new AddInstruction(sources, RequirePath(destination, "a destination", nameof(destination)),
                Chown(chown, nameof(chown)), Chmod(chmod, nameof(chmod)), link, checksum, keepGitDir, Excludes(exclude, nameof(exclude))));
        }

        /// <summary><c>HEALTHCHECK CMD</c>: how the engine checks that the container still works.</summary>
        public Dockerfile Healthcheck(Command test, TimeSpan? interval = null, TimeSpan? timeout = null, TimeSpan? startPeriod = null,
            TimeSpan? startInterval = null, int? retries = null)
        {
            Require(test, nameof(test));
            Syntax.RequireDuration(interval, nameof(interval));
            Syntax.RequireDuration(timeout, nameof(timeout));
            Syntax.RequireDuration(startPeriod, nameof(startPeriod));
            Syntax.RequireDuration(startInterval, nameof(startInterval));
            if (retries is < 1) throw new DockerfileException(DiagnosticIds.InvalidArgument, "Retries must be at least 1.", nameof(retries));

            return Append(new HealthcheckInstruction(test, interval, timeout, startPeriod, startInterval, retries));
        }

        /// <summary><c>HEALTHCHECK NONE</c>: disables a health check inherited from the base image.</summary>
        public Dockerfile HealthcheckNone() => Append(new HealthcheckInstruction(null, null, null, null, null, null));

        /// <summary><c>STOPSIGNAL</c>: the signal that stops the container.</summary>
        public Dockerfile StopSignal(Signal signal)
        {
            if (!Enum.IsDefined(typeof(Signal), signal)) throw new DockerfileException(DiagnosticIds.InvalidArgument, $"{(int)signal} is not a known signal.", nameof(signal));
            return Append(new StopSignalInstruction(signal));
        }

        /// <summary><c>STOPSIGNAL</c> by number (1–64), e.g. a real-time signal that has no name in <see cref="Signal"/>.</summary>
        public Dockerfile StopSignal(int signalNumber)
        {
            if (signalNumber < 1 || signalNumber > 64)
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument, $"{signalNumber} is not a Linux signal number: use 1 to 64.", nameof(signalNumber));
            }

            return Append(new StopSignalInstruction((Signal)signalNumber));
        }

        /// <summary>
        /// <c>ONBUILD</c>: instructions that run when another Dockerfile builds FROM this image. The lambda receives an
        /// empty stage; each instruction it adds becomes one ONBUILD trigger.
        /// </summary>
        public Dockerfile OnBuild(Func<Dockerfile, Dockerfile> triggers)
        {
            Require(triggers, nameof(triggers));
            var recorder = new Dockerfile(Value.Literal("scratch"), null, null);
            var result = triggers(recorder) ?? throw new DockerfileException(DiagnosticIds.InvalidArgument, "The ONBUILD lambda returned null.", nameof(triggers));
            if (!ReferenceEquals(result.BaseImage, recorder.BaseImage) || result.Name is not null)
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument, "The ONBUILD lambda must add instructions to the stage it receives.", nameof(triggers));
            }

            var stage = this;
            foreach (var trigger in result.Instructions)
            {
                if (trigger is RunHeredocInstruction or CopyHeredocInstruction or CommentInstruction or OnBuildInstruction)
                {
                    throw new DockerfileException(DiagnosticIds.InvalidArgument, "ONBUILD cannot hold heredocs, comments or another ONBUILD.", nameof(triggers));
                }

                stage = stage.Append(new OnBuildInstruction(trigger));
            }

            return stage;
        }

        /// <summary>
        /// Applies a group of steps written once and reused, e.g. <c>Func&lt;Dockerfile, Dockerfile&gt; tools = s =&gt; s.Run(…).Env(…)</c>
        /// and then <c>.Apply(tools)</c> in several stages.
        /// </summary>
        public Dockerfile Apply(Func<Dockerfile, Dockerfile> steps)
        {
            Require(steps, nameof(steps));
            return steps(this) ?? throw new DockerfileException(DiagnosticIds.InvalidArgument, "The steps returned null.", nameof(steps));
        }

        /// <summary>A <c># comment</c> line (several lines for a multi-line text).</summary>
        public Dockerfile Comment(string text)
        {
            Syntax.RequireText(text, "a comment", nameof(text));
            if (text.IndexOf('\r') >= 0) throw new DockerfileException(DiagnosticIds.InexpressibleValue, "A comment cannot contain a carriage return.", nameof(text));
            return Append(new CommentInstruction(text));
        }

        /// <summary>The <c># syntax=</c> directive: the Dockerfile frontend image to parse this file with.</summary>
        public Dockerfile WithSyntax(string frontendImage)
        {
            Syntax.RequireImageReference(frontendImage, nameof(frontendImage));
            return this with { Directives = Directives with { Syntax = frontendImage } };
        }

        /// <summary>The <c># escape=</c> directive: <c>'\\'</c> (default) or <c>'`'</c>.</summary>
        public Dockerfile WithEscape(char escape)
        {
            if (escape != '\\' && escape != '`')
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument, $"'{escape}' cannot be the escape character: use '\\\\' or '`'.", nameof(escape));
            }

            return this with { Directives = Directives with { Escape = escape } };
        }

        /// <summary>The <c># check=</c> directive, e.g. <c>"skip=JSONArgsRecommended;error=true"</c>.</summary>
        public Dockerfile WithCheck(string check)
        {
            Syntax.RequireFlagSafe(check, "a check directive", nameof(check), allowComma: true);
            return this with { Directives = Directives with { Check = check } };
        }

        /// <summary>Renders the whole Dockerfile, this stage last. Throws <see cref="DockerfileException"/> for an invalid definition.</summary>
        public override string ToString() => DockerfileRenderer.Render(this);

        /// <summary>Every problem of the definition (errors and warnings), without throwing.</summary>
        public IReadOnlyList<DockerfileProblem> Validate() => DockerfileValidator.Validate(this);

        private Dockerfile Append(Instruction instruction) => this with { Instructions = Instructions.Add(instruction) };

        private static T Require<T>(T value, string parameter) where T : class =>
            value ?? throw new DockerfileException(DiagnosticIds.InvalidArgument, $"'{parameter}' cannot be null.", parameter);

        private static Value RequireValue(Value value, string what, string parameter)
        {
            Require(value, parameter);
            Syntax.RequireSingleLine(value, what, parameter);
            return value;
        }

        /// <summary>Literal source paths. A path may hold any character but NUL (the JSON form carries line breaks).</summary>
        private static EquatableList<CopySource> Paths(Value[] sources, string parameter)
        {
            if (sources is null || sources.Length == 0) throw new DockerfileException(DiagnosticIds.InvalidArgument, "Give at least one source.", parameter);
            var list = new List<CopySource>();
            foreach (var source in sources)
            {
                RequirePath(source, "a source path", parameter);
                if (source.Parts.Count == 0) throw new DockerfileException(DiagnosticIds.InvalidArgument, "A source path cannot be empty.", parameter);
                Syntax.RequireLiteralSource(source, parameter);
                list.Add(new CopySource(source, SourceKind.Path));
            }

            return EquatableList<CopySource>.From(list);
        }

        private static EquatableList<CopySource> Patterns(Glob[] sources, string parameter)
        {
            if (sources is null || sources.Length == 0) throw new DockerfileException(DiagnosticIds.InvalidArgument, "Give at least one source.", parameter);
            var list = new List<CopySource>();
            foreach (var source in sources)
            {
                Require(source, parameter);
                if (source.Pattern.Parts.Count == 0) throw new DockerfileException(DiagnosticIds.InvalidArgument, "A source pattern cannot be empty.", parameter);
                list.Add(source.ExactPath is { } exact
                    ? new CopySource(Value.Literal(exact), SourceKind.Path, Confirmed: true)
                    : new CopySource(source.Pattern, SourceKind.Pattern));
            }

            return EquatableList<CopySource>.From(list);
        }

        /// <summary>A COPY/ADD path (source or destination): written in the JSON form when needed, so only NUL and lone surrogates are refused.</summary>
        private static Value RequirePath(Value value, string what, string parameter)
        {
            Require(value, parameter);
            foreach (var part in value.Parts)
            {
                if (part.Literal is not null) Syntax.RequireText(part.Literal, what, parameter);
            }

            return value;
        }

        private static Owner? Chown(Owner? owner, string parameter)
        {
            if (owner is not null)
            {
                Syntax.RequireFlagSafe(owner.ToString(), "--chown", parameter);
            }

            return owner;
        }

        // BuildKit's copy (fsutil copyFileInfo) applies only the permission bits of --chmod and keeps the source's own
        // setuid, setgid and sticky bits: --chmod=4755 gives 0755 (judged on the daemon). So those bits cannot be written here.
        private static FileMode? Chmod(FileMode? mode, string parameter)
        {
            if (mode is { Bits: > 0x1FF } special)
            {
                throw new DockerfileException(DiagnosticIds.InexpressibleValue,
                    $"--chmod={special} sets a setuid, setgid or sticky bit, which BuildKit's --chmod does not apply (the file would get {Convert.ToString(special.Bits & 0x1FF, 8).PadLeft(4, '0')}): " +
                    $"write the permission bits only (FileMode.Octal(\"{Convert.ToString(special.Bits & 0x1FF, 8)}\")) and set the others with a RUN chmod after the copy.", parameter);
            }

            return mode;
        }

        private static EquatableList<Glob> Excludes(IEnumerable<Glob>? patterns, string parameter)
        {
            var list = EquatableList<Glob>.From(patterns);
            foreach (var pattern in list)
            {
                Require(pattern, parameter);
                if (!pattern.Pattern.IsLiteral) throw new DockerfileException(DiagnosticIds.InexpressibleValue, "An --exclude pattern cannot hold a build argument: --exclude is not expanded.", parameter);
                Syntax.RequireFlagSafe(Syntax.GlobText(pattern.Pattern).LiteralText, "--exclude", parameter);
            }

            return list;
        }
    }
}
