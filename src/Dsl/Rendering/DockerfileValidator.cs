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

                foreach (var argument in stage.BaseImage?.Arguments ?? Enumerable.Empty<BuildArg>()) CheckDefault(argument, stage, ProblemSubject.Stage, defaults, problems);
                CheckStage(stage, escape, defaults, problems);
            }

            return problems;
        }

        private static void CheckStage(Dockerfile stage, char escape, Dictionary<string, BuildArg> defaults, List<DockerfileProblem> problems)
        {
            var declared = new HashSet<string>();
            var singletons = new Dictionary<string, Instruction>();
            foreach (var instruction in stage.Instructions)
            {
                if (instruction is ArgInstruction arg)
                {
                    CheckDefault(arg.Argument, instruction, ProblemSubject.Instruction, defaults, problems);
                    declared.Add(arg.Argument.Name);
                    continue;
                }

                foreach (var used in UsedArguments(instruction))
                {
                    if (!declared.Contains(used.Name))
                    {
                        problems.Add(new DockerfileProblem(DiagnosticIds.UndeclaredBuildArgument, true,
                            $"Build argument '{used.Name}' is used before this stage declares it: add .Arg({used.Name.ToLowerInvariant()}) earlier in the stage (each stage sees only the arguments it declares).",
                            ProblemSubject.Instruction, instruction));
                    }
                }

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

                var mustBeExact = instruction is HealthcheckInstruction or OnBuildInstruction;
                var shellCommand = Syntax.ShellCommandOf(instruction is OnBuildInstruction onBuild ? onBuild.Trigger : instruction);
                if (mustBeExact && shellCommand is not null && !Syntax.IsExactShellForm(shellCommand, escape))
                {
                    problems.Add(new DockerfileProblem(DiagnosticIds.InexpressibleValue, true,
                        "This shell-form command cannot be written in a Dockerfile unchanged (surrounding blanks, a trailing escape character, a leading '[' or '--', a line break or '<<'), and this instruction cannot fall back to the exec form: use Command.Exec(\"/bin/sh\", \"-c\", ...).",
                        ProblemSubject.Instruction, instruction));
                }
            }
        }

        private static void CheckDefault(BuildArg argument, object subject, ProblemSubject kind, Dictionary<string, BuildArg> defaults, List<DockerfileProblem> problems)
        {
            if (defaults.TryGetValue(argument.Name, out var known) && known.DefaultValue != argument.DefaultValue)
            {
                problems.Add(new DockerfileProblem(DiagnosticIds.ConflictingBuildArgument, true,
                    $"Build argument '{argument.Name}' is declared with two different defaults ('{known.DefaultValue}' and '{argument.DefaultValue}'): use one BuildArg value for it.",
                    kind, subject));
            }
            else
            {
                defaults[argument.Name] = argument;
            }
        }

        /// <summary>The build arguments an instruction expands.</summary>
        public static IEnumerable<BuildArg> UsedArguments(Instruction instruction) => instruction switch
        {
            EnvInstruction env => env.Value.Arguments,
            LabelInstruction label => label.Value.Arguments,
            WorkdirInstruction workdir => workdir.Path.Arguments,
            VolumeInstruction volume => volume.Paths.SelectMany(p => p.Arguments),
            CopyInstruction copy => copy.Sources.SelectMany(s => s.Arguments).Concat(copy.Destination.Arguments),
            AddInstruction add => add.Sources.SelectMany(s => s.Arguments).Concat(add.Destination.Arguments),
            CopyHeredocInstruction copy => copy.Destination.Arguments,
            // ONBUILD triggers expand arguments in the downstream build, which declares them; nothing to check here.
            _ => Enumerable.Empty<BuildArg>(),
        };
    }
}
