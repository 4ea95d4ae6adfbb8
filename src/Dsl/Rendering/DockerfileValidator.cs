using System.Collections.Generic;
using System.Linq;

namespace ImageDsl.Rendering
{
    /// <summary>
    /// The checks that need the whole definition rather than one argument: stage names and references, build
    /// arguments per stage, repeated singleton instructions, directives, and shell-form commands that only the
    /// final escape character decides. Single-argument checks happen in the builder methods themselves.
    /// </summary>
    public static class DockerfileValidator
    {
        public static IReadOnlyList<DockerfileProblem> Validate(Dockerfile final)
        {
            var problems = new List<DockerfileProblem>();
            var stages = StageGraph.Order(final);
            var escape = final.Directives.Escape;
            var names = new Dictionary<string, Dockerfile>();
            var defaults = new Dictionary<string, BuildArg>();
            var shellKnown = new Dictionary<Dockerfile, bool>();
            var environments = new Dictionary<Dockerfile, Dictionary<string, bool>>();
            var declaredInLineage = new Dictionary<Dockerfile, HashSet<string>>();
            var images = ImageReferences(stages);
            var globals = StageGraph.GlobalArguments(stages);

            foreach (var stage in stages)
            {
                if (!ReferenceEquals(stage, final) && !stage.Equals(final) && stage.Directives != ParserDirectives.Default)
                {
                    problems.Add(new DockerfileProblem(DiagnosticIds.MisplacedDirective, true,
                        "Parser directives (syntax, escape, check) apply to the whole file: set them on the final stage only.", ProblemSubject.Stage, stage));
                }

                if (stage.Name is { } name)
                {
                    if (names.TryGetValue(name, out var other) && !other.Equals(stage))
                    {
                        problems.Add(new DockerfileProblem(DiagnosticIds.DuplicateStageName, true,
                            $"Two different stages are named '{name}': give each stage its own name.", ProblemSubject.StageName, stage));
                    }
                    else
                    {
                        names[name] = stage;
                    }

                    if (CapturedImage(name, images) is { } captured)
                    {
                        problems.Add(new DockerfileProblem(DiagnosticIds.StageNameCapturesImage, true, captured, ProblemSubject.StageName, stage));
                    }
                }

                foreach (var (referenced, by) in StageGraph.References(stage))
                {
                    if (referenced.Name is null)
                    {
                        var what = by is null ? "FROM" : by is CopyInstruction ? "COPY --from" : "a mount's from=";
                        problems.Add(new DockerfileProblem(DiagnosticIds.UnnamedStageReference, true,
                            $"{what} refers to a stage without a name: name that stage with .As(\"name\").",
                            by is null ? ProblemSubject.Stage : ProblemSubject.Instruction, (object?)by ?? stage));
                    }
                }

                foreach (var argument in stage.BaseImage?.Arguments ?? Enumerable.Empty<BuildArg>())
                {
                    foreach (var global in argument.Dependencies.Append(argument)) CheckDefault(global, stage, ProblemSubject.Stage, defaults, problems);
                }

                // A stage's SHELL is known when the definition states it, inherits it from a stage of its own, or starts
                // from scratch (no shell set); FROM an image, it is that image's SHELL, which only the daemon sees.
                var known = stage.BaseStage is { } baseStage ? shellKnown.TryGetValue(baseStage, out var inherited) && inherited
                    : stage.BaseImage is { IsLiteral: true } image && string.Equals(image.LiteralText, "scratch", System.StringComparison.OrdinalIgnoreCase);
                var environment = stage.BaseStage is { } parent && environments.TryGetValue(parent, out var inheritedEnvironment)
                    ? new Dictionary<string, bool>(inheritedEnvironment) : new Dictionary<string, bool>();
                var lineage = stage.BaseStage is { } from && declaredInLineage.TryGetValue(from, out var inheritedArguments)
                    ? new HashSet<string>(inheritedArguments) : new HashSet<string>();
                // A stage FROM a stage of its own first runs that stage's ONBUILD triggers: their ENVs set variables too,
                // expanded before this stage declares any argument.
                foreach (var trigger in stage.BaseStage?.Instructions.OfType<OnBuildInstruction>().Select(o => o.Trigger).OfType<EnvInstruction>() ?? Enumerable.Empty<EnvInstruction>())
                {
                    SetVariables(trigger, environment, argumentsVisible: false);
                }

                shellKnown[stage] = CheckStage(stage, escape, known, environment, lineage, globals, defaults, problems);
                environments[stage] = environment;
                declaredInLineage[stage] = lineage;
            }

            return problems;
        }

        /// <summary>
        /// Checks one stage's instructions; returns whether its shell is known at the end of the stage.
        /// <paramref name="environment"/> holds the variables the Dockerfile's own ENV instructions have set so far in
        /// this stage and the stages it starts from, each with whether its value is provably its own build argument's
        /// (<c>ENV V=${V}</c>); <paramref name="lineage"/> the build arguments declared so far in this stage and the
        /// stages it starts from. Both are updated in place.
        /// </summary>
        private static bool CheckStage(Dockerfile stage, char escape, bool shellKnown, Dictionary<string, bool> environment, HashSet<string> lineage,
            IReadOnlyList<BuildArg> globals, Dictionary<string, BuildArg> defaults, List<DockerfileProblem> problems)
        {
            var declared = new HashSet<string>();
            var singletons = new Dictionary<string, Instruction>();
            foreach (var instruction in stage.Instructions)
            {
                foreach (var variable in ExpandedValues(instruction, globals).SelectMany(v => v.Variables).Distinct())
                {
                    if (lineage.Contains(variable))
                    {
                        // Which one ${NAME} is then depends on the builder and on whether the environment has NAME.
                        problems.Add(new DockerfileProblem(DiagnosticIds.MisplacedEnvironmentVariable, true,
                            $"Value.Env(\"{variable}\") refers to the environment variable {variable}, but this stage (or a stage it starts from) declares a build argument {variable}: docker writes ${{{variable}}} for both, and which one it expands depends on the builder. Use the BuildArg, or rename it.",
                            ProblemSubject.Instruction, instruction, PairWith(instruction, v => v.Variables.Contains(variable))));
                    }
                }

                foreach (var used in UsedArguments(instruction, globals))
                {
                    if (!declared.Contains(used.Name))
                    {
                        problems.Add(new DockerfileProblem(DiagnosticIds.UndeclaredBuildArgument, true,
                            $"Build argument '{used.Name}' is used before this stage declares it: add .Arg({used.Name.ToLowerInvariant()}) earlier in the stage (each stage sees only the arguments it declares).",
                            ProblemSubject.Instruction, instruction, PairWith(instruction, v => v.Arguments.Any(a => a.Name == used.Name))));
                    }
                    else if (environment.TryGetValue(used.Name, out var ownArgument) && !ownArgument)
                    {
                        // BuildKit and the classic builder expand ${NAME} from the stage's environment first; a build
                        // argument of the same name only fills names the environment lacks.
                        problems.Add(new DockerfileProblem(DiagnosticIds.ArgumentHiddenByEnv, true,
                            $"Build argument '{used.Name}' is hidden here by ENV {used.Name}, set earlier in this stage or a stage it starts from: docker expands ${{{used.Name}}} to the environment variable, not the build argument. Rename the build argument or the variable (an ENV {used.Name} whose value is the build argument itself, .Env(\"{used.Name}\", {used.Name.ToLowerInvariant()}), hides nothing).",
                            ProblemSubject.Instruction, instruction, PairWith(instruction, v => v.Arguments.Any(a => a.Name == used.Name))));
                    }
                }

                if (instruction is ArgInstruction arg)
                {
                    // Its default was checked above as a use of the arguments it refers to (declared earlier in the stage).
                    foreach (var argument in arg.Argument.Dependencies.Append(arg.Argument)) CheckDefault(argument, instruction, ProblemSubject.Instruction, defaults, problems);
                    declared.Add(arg.Argument.Name);
                    lineage.Add(arg.Argument.Name);
                    continue;
                }

                if (instruction is EnvInstruction env) SetVariables(env, environment, argumentsVisible: true);

                var singleton = instruction switch { CmdInstruction => "CMD", EntrypointInstruction => "ENTRYPOINT", HealthcheckInstruction => "HEALTHCHECK", _ => null };
                if (singleton is not null)
                {
                    if (singletons.ContainsKey(singleton))
                    {
                        problems.Add(new DockerfileProblem(DiagnosticIds.RepeatedSingletonInstruction, false,
                            $"This stage has more than one {singleton}; only the last one takes effect. Remove the earlier one.", ProblemSubject.Instruction, instruction));
                    }

                    singletons[singleton] = instruction;
                }

                if (instruction is ShellInstruction) shellKnown = true;
                var mustBeExact = instruction is HealthcheckInstruction or OnBuildInstruction;
                var shellCommand = Syntax.ShellCommandOf(instruction is OnBuildInstruction onBuild ? onBuild.Trigger : instruction);
                if (shellCommand is not null && !Syntax.IsExactShellForm(shellCommand, escape))
                {
                    if (mustBeExact)
                    {
                        problems.Add(new DockerfileProblem(DiagnosticIds.InexpressibleValue, true,
                            "This shell-form command cannot be written in a Dockerfile unchanged (surrounding blanks, a trailing escape character, a leading '[' or '--', a line break or '<<'), and this instruction cannot fall back to the exec form: use Command.Exec(\"/bin/sh\", \"-c\", ...).",
                            ProblemSubject.Instruction, instruction));
                    }
                    else if (!shellKnown)
                    {
                        problems.Add(new DockerfileProblem(DiagnosticIds.UnknownShell, true,
                            "This shell-form command cannot be written in a Dockerfile unchanged (surrounding blanks, a trailing escape character, a leading '[' or '--', a line break or '<<'), so ImageDsl writes it in the exec form of the stage's shell; but this stage's shell is its base image's SHELL, which ImageDsl cannot see. State it earlier in the stage, e.g. .Shell(\"/bin/sh\", \"-c\") (or the shell the base image uses), or write Command.Exec(...).",
                            ProblemSubject.Instruction, instruction));
                    }
                }

                foreach (var source in LiteralSources(instruction))
                {
                    if (Syntax.HasPatternCharacter(source.LiteralText))
                    {
                        problems.Add(new DockerfileProblem(DiagnosticIds.LiteralLooksLikePattern, false,
                            $"'{source.LiteralText}' is a literal path: it copies the file or directory of exactly that name. To copy what a pattern matches, write Glob.Of(\"{source.LiteralText}\"); to keep the exact name without this warning, write Glob.Literal(\"{source.LiteralText}\").",
                            ProblemSubject.Argument, source));
                    }
                }
            }

            return shellKnown;
        }

        /// <summary>The value of the first ENV or LABEL pair that matches, so that a several-pair call's problem points at the pair.</summary>
        private static Value? PairWith(Instruction instruction, System.Func<Value, bool> match) => instruction switch
        {
            EnvInstruction env => env.Variables.Select(v => v.Value).FirstOrDefault(match),
            LabelInstruction label => label.Labels.Select(l => l.Value).FirstOrDefault(match),
            _ => null,
        };

        /// <summary>
        /// Applies an ENV: every value is expanded before any variable is set, and a value that is exactly its own
        /// name's build argument (<c>ENV V=${V}</c>, while no other ENV V hides that argument) keeps the argument's value.
        /// Where no argument is visible yet (an ONBUILD trigger, run right after FROM), <c>${V}</c> is the variable the
        /// environment already holds, so only a variable that held the argument still does.
        /// </summary>
        private static void SetVariables(EnvInstruction env, Dictionary<string, bool> environment, bool argumentsVisible)
        {
            var updates = new List<KeyValuePair<string, bool>>();
            foreach (var variable in env.Variables)
            {
                var own = variable.Value.Parts.Count == 1 && variable.Value.Parts[0].Argument is { } argument && argument.Name == variable.Key
                    && (environment.TryGetValue(variable.Key, out var before) ? before : argumentsVisible);
                updates.Add(new KeyValuePair<string, bool>(variable.Key, own));
            }

            foreach (var update in updates) environment[update.Key] = update.Value;
        }

        private static IEnumerable<Value> LiteralSources(Instruction instruction)
        {
            var sources = instruction switch
            {
                CopyInstruction copy => copy.Sources,
                AddInstruction add => add.Sources,
                _ => null,
            };
            return sources is null ? Enumerable.Empty<Value>() : sources.Where(s => s.Kind == SourceKind.Path && !s.Confirmed).Select(s => s.Text);
        }

        /// <summary>
        /// Every image reference the Dockerfile names where a stage name could also stand: FROM (with build arguments
        /// replaced by their defaults, when all have one), COPY --from and a mount's from=. BuildKit and the classic
        /// builder look a name up among the stages first (case-insensitively), so a stage of that name would win.
        /// </summary>
        private static HashSet<string> ImageReferences(IEnumerable<Dockerfile> stages)
        {
            var references = new HashSet<string>(System.StringComparer.OrdinalIgnoreCase);
            foreach (var stage in stages)
            {
                if (stage.BaseImage is { } image && Syntax.WithDefaults(image) is { } text) references.Add(text);
                foreach (var instruction in stage.Instructions)
                {
                    switch (instruction)
                    {
                        case CopyInstruction { From.Image: { } from }:
                            references.Add(from);
                            break;
                        case RunInstruction run:
                            references.UnionWith(MountImages(run.Mounts));
                            break;
                        case RunHeredocInstruction run:
                            references.UnionWith(MountImages(run.Mounts));
                            break;
                    }
                }
            }

            return references;
        }

        private static IEnumerable<string> MountImages(IEnumerable<Mount> mounts) =>
            mounts.Select(m => m switch { BindMount b => b.From?.Image, CacheMount c => c.From?.Image, _ => null }).Where(i => i is not null)!;

        private static string? CapturedImage(string name, HashSet<string> images)
        {
            if (string.Equals(name, "scratch", System.StringComparison.OrdinalIgnoreCase))
            {
                return "A stage cannot be named 'scratch': FROM scratch would start from this stage instead of an empty filesystem. Name the stage differently.";
            }

            return images.Contains(name)
                ? $"Stage name '{name}' is also an image this Dockerfile uses: docker looks names up among the stages first, so that FROM or --from would start from this stage instead of the image '{name}'. Name the stage differently, e.g. '{name}-stage'."
                : null;
        }

        private static void CheckDefault(BuildArg argument, object subject, ProblemSubject kind, Dictionary<string, BuildArg> defaults, List<DockerfileProblem> problems)
        {
            if (defaults.TryGetValue(argument.Name, out var known) && !Equals(known.Default, argument.Default))
            {
                problems.Add(new DockerfileProblem(DiagnosticIds.ConflictingBuildArgument, true,
                    $"Build argument '{argument.Name}' is declared with two different defaults ({Shown(known.Default)} and {Shown(argument.Default)}): use one BuildArg value for it.",
                    kind, subject));
            }
            else
            {
                defaults[argument.Name] = argument;
            }
        }

        private static string Shown(Value? value) => value is null ? "none" : "'" + value.ToString() + "'";

        /// <summary>
        /// The build arguments an instruction expands. <paramref name="globals"/>: the definition's global arguments
        /// (<see cref="StageGraph.GlobalArguments"/>), which a stage redeclares without their default.
        /// </summary>
        public static IEnumerable<BuildArg> UsedArguments(Instruction instruction, IReadOnlyList<BuildArg> globals) => ExpandedValues(instruction, globals).SelectMany(v => v.Arguments);

        /// <summary>The values of an instruction that docker expands (${NAME}).</summary>
        private static IEnumerable<Value> ExpandedValues(Instruction instruction, IReadOnlyList<BuildArg> globals) => instruction switch
        {
            // A stage's ARG expands its default there, unless the argument is global: then it keeps the global value.
            ArgInstruction arg when arg.Argument.Default is not null && !globals.Any(g => g.Name == arg.Argument.Name) => new[] { arg.Argument.Default },
            EnvInstruction env => env.Variables.Select(v => v.Value),
            LabelInstruction label => label.Labels.Select(l => l.Value),
            WorkdirInstruction workdir => new[] { workdir.Path },
            UserInstruction user => new[] { user.User },
            VolumeInstruction volume => volume.Paths,
            CopyInstruction copy => copy.Sources.Select(s => s.Text).Append(copy.Destination),
            AddInstruction add => add.Sources.Select(s => s.Text).Append(add.Destination),
            CopyHeredocInstruction copy => new[] { copy.Destination },
            // ONBUILD triggers expand in the downstream build, which declares its own arguments; nothing to check here.
            _ => Enumerable.Empty<Value>(),
        };
    }
}
