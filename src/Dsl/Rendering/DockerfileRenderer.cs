using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace ImageDsl.Rendering
{
    /// <summary>
    /// Turns a definition into Dockerfile text. This is the only renderer: the runtime (<see cref="Dockerfile.ToString"/>)
    /// and the source generator (which compiles this very file) both call it. Escaping decisions live in <see cref="Syntax"/>.
    /// </summary>
    public static class DockerfileRenderer
    {
        private static readonly string[] DefaultShell = { "/bin/sh", "-c" };

        /// <summary>Renders <paramref name="final"/> and every stage it uses. Throws for the first error <see cref="Dockerfile.Validate"/> finds.</summary>
        public static string Render(Dockerfile final)
        {
            var error = DockerfileValidator.Validate(final).FirstOrDefault(p => p.IsError);
            if (error is not null) throw new DockerfileException(error.Id, error.Message);
            return RenderValidated(final);
        }

        /// <summary>Renders a definition already known to have no errors.</summary>
        public static string RenderValidated(Dockerfile final)
        {
            var escape = final.Directives.Escape;
            var output = new StringBuilder();
            var directives = final.Directives;
            if (directives.Syntax is not null) output.Append("# syntax=").Append(directives.Syntax).Append('\n');
            if (directives.Escape != '\\') output.Append("# escape=").Append(directives.Escape).Append('\n');
            if (directives.Check is not null) output.Append("# check=").Append(directives.Check).Append('\n');
            if (output.Length > 0) output.Append('\n');

            var stages = StageGraph.Order(final);

            // Arguments used in FROM lines must be declared before the first FROM (global scope).
            var globals = StageGraph.GlobalArguments(stages);
            foreach (var argument in globals) output.Append(RenderArg(argument, isGlobal: false, escape)).Append('\n');
            if (globals.Count > 0) output.Append('\n');

            var shells = new Dictionary<Dockerfile, IReadOnlyList<string>>();
            for (var i = 0; i < stages.Count; i++)
            {
                if (i > 0) output.Append('\n');
                var stage = stages[i];
                output.Append("FROM ");
                if (stage.Platform is not null) output.Append("--platform=").Append(stage.Platform.Text).Append(' ');
                output.Append(stage.BaseStage is { } baseStage ? baseStage.Name : RenderImage(stage.BaseImage!));
                if (stage.Name is not null) output.Append(" AS ").Append(stage.Name);
                output.Append('\n');

                IReadOnlyList<string> shell = stage.BaseStage is not null && shells.TryGetValue(stage.BaseStage, out var inherited) ? inherited : DefaultShell;
                foreach (var instruction in stage.Instructions)
                {
                    if (instruction is ShellInstruction shellInstruction) shell = shellInstruction.Shell;
                    output.Append(RenderInstruction(instruction, shell, escape, globals)).Append('\n');
                }

                shells[stage] = shell;
            }

            return output.ToString();
        }

        private static string RenderImage(Value image) =>
            // FROM splits its arguments on blanks without quoting, so a reference is written bare; a literal one is
            // already validated reference syntax, and build arguments are written as ${NAME}.
            string.Concat(image.Parts.Select(p => p.Literal ?? "${" + p.Name + "}"));

        private static string RenderInstruction(Instruction instruction, IReadOnlyList<string> shell, char escape, IReadOnlyList<BuildArg> globals)
        {
            switch (instruction)
            {
                case RunInstruction run:
                    return "RUN " + RunFlags(run.Mounts, run.Network, run.Security) + RenderCommand(run.Command, shell, escape);
                case RunHeredocInstruction run:
                    return "RUN " + RunFlags(run.Mounts, run.Network, run.Security) + Heredoc(TrimFinalNewline(run.Script), null);
                case CmdInstruction cmd:
                    return "CMD " + RenderCommand(cmd.Command, shell, escape);
                case EntrypointInstruction entrypoint:
                    return "ENTRYPOINT " + RenderCommand(entrypoint.Command, shell, escape);
                case ShellInstruction shellInstruction:
                    return "SHELL " + Syntax.JsonArray(shellInstruction.Shell);
                case EnvInstruction env:
                    return "ENV " + string.Join(" ", env.Variables.Select(v => v.Key + "=" + Syntax.Word(v.Value, escape)));
                case LabelInstruction label:
                    return "LABEL " + string.Join(" ", label.Labels.Select(l => Syntax.Word(l.Key, escape) + "=" + Syntax.Word(l.Value, escape)));
                case ArgInstruction arg:
                    return RenderArg(arg.Argument, globals.Any(g => g.Name == arg.Argument.Name), escape);
                case ExposeInstruction expose:
                    return "EXPOSE " + string.Join(" ", expose.Ports.Select(p => p.ToString()));
                case UserInstruction user:
                    return "USER " + Syntax.Word(user.User, escape);
                case WorkdirInstruction workdir:
                    return "WORKDIR " + Syntax.Word(workdir.Path, escape);
                case VolumeInstruction volume:
                    return "VOLUME " + Syntax.JsonArray(volume.Paths.Select(p => Syntax.LexWord(p, escape)));
                case CopyInstruction copy:
                    return "COPY " + Flags(
                               ("from", copy.From is null ? null : copy.From.Stage?.Name ?? copy.From.Image),
                               ("chown", copy.Chown?.ToString()),
                               ("chmod", copy.Chmod?.ToString()),
                               ("link", copy.Link ? "" : null),
                               ("parents", copy.Parents ? "" : null))
                           + Excludes(copy.Exclude) + Paths(copy.Sources, copy.Destination, escape);
                case AddInstruction add:
                    return "ADD " + Flags(
                               ("chown", add.Chown?.ToString()),
                               ("chmod", add.Chmod?.ToString()),
                               ("link", add.Link ? "" : null),
                               ("checksum", add.Checksum),
                               ("keep-git-dir", add.KeepGitDir ? "true" : null))
                           + Excludes(add.Exclude) + Paths(add.Sources, add.Destination, escape);
                case CopyHeredocInstruction copy:
                    return "COPY " + Flags(("chown", copy.Chown?.ToString()), ("chmod", copy.Chmod?.ToString()))
                           + Heredoc(TrimFinalNewline(copy.Content), Syntax.LexWord(copy.Destination, escape));
                case HealthcheckInstruction { Test: null }:
                    return "HEALTHCHECK NONE";
                case HealthcheckInstruction health:
                    return "HEALTHCHECK " + Flags(
                               ("interval", Duration(health.Interval)),
                               ("timeout", Duration(health.Timeout)),
                               ("start-period", Duration(health.StartPeriod)),
                               ("start-interval", Duration(health.StartInterval)),
                               ("retries", health.Retries?.ToString(CultureInfo.InvariantCulture)))
                           + "CMD " + RenderCommand(health.Test, shell, escape);
                case StopSignalInstruction stop:
                    // A named signal by name; any other number (a real-time signal) as the number.
                    return "STOPSIGNAL " + (Enum.IsDefined(typeof(Signal), stop.Signal) ? stop.Signal.ToString() : ((int)stop.Signal).ToString(CultureInfo.InvariantCulture));
                case OnBuildInstruction onBuild:
                    return "ONBUILD " + RenderInstruction(onBuild.Trigger, shell, escape, globals);
                case CommentInstruction comment:
                    return string.Join("\n", comment.Text.Split('\n').Select(line => line.Length == 0 ? "#" : "# " + line));
                default:
                    throw new InvalidOperationException("Unknown instruction " + instruction.GetType().Name);
            }
        }

        private static string RenderArg(BuildArg argument, bool isGlobal, char escape) =>
            // Inside a stage, an argument that is also global is redeclared without a default so that it keeps the
            // global value (which the build may override); otherwise the default is written where it is declared.
            isGlobal || argument.Default is null
                ? "ARG " + argument.Name
                : "ARG " + argument.Name + "=" + Syntax.Word(argument.Default, escape);

        /// <summary>
        /// The shell form when the parser keeps it exactly; otherwise the exec form of the stage's shell with the
        /// command as its last argument — what the engine itself stores for a shell-form command.
        /// </summary>
        private static string RenderCommand(Command command, IReadOnlyList<string> shell, char escape)
        {
            if (command.IsExec) return Syntax.JsonArray(command.Arguments);
            var line = command.Arguments[0];
            return Syntax.IsExactShellForm(line, escape) ? line : Syntax.JsonArray(shell.Concat(new[] { line }));
        }

        private static string RunFlags(IEnumerable<Mount> mounts, RunNetwork network, RunSecurity security)
        {
            var flags = new StringBuilder();
            foreach (var mount in mounts) flags.Append("--mount=").Append(RenderMount(mount)).Append(' ');
            if (network != RunNetwork.Default) flags.Append("--network=").Append(network.ToString().ToLowerInvariant()).Append(' ');
            if (security != RunSecurity.Default) flags.Append("--security=").Append(security.ToString().ToLowerInvariant()).Append(' ');
            return flags.ToString();
        }

        private static string RenderMount(Mount mount)
        {
            var options = mount switch
            {
                BindMount b => new[] { ("type", "bind"), ("target", b.Target), ("source", b.Source), ("from", From(b.From)), ("rw", b.ReadWrite ? "true" : null) },
                CacheMount c => new[]
                {
                    ("type", "cache"), ("target", c.Target), ("id", c.Id), ("sharing", c.Sharing == CacheSharing.Shared ? null : c.Sharing.ToString().ToLowerInvariant()),
                    ("from", From(c.From)), ("source", c.Source), ("mode", c.Mode?.ToString()), ("uid", Number(c.Uid)), ("gid", Number(c.Gid)),
                    ("ro", c.ReadOnly ? "true" : null),
                },
                TmpfsMount t => new[] { ("type", "tmpfs"), ("target", t.Target), ("size", t.SizeBytes?.ToString(CultureInfo.InvariantCulture)) },
                SecretMount s => new[]
                {
                    ("type", "secret"), ("id", s.Id), ("target", s.Target), ("env", s.Env), ("required", s.Required ? "true" : null),
                    ("mode", s.Mode?.ToString()), ("uid", Number(s.Uid)), ("gid", Number(s.Gid)),
                },
                SshMount s => new[]
                {
                    ("type", "ssh"), ("id", s.Id), ("target", s.Target), ("required", s.Required ? "true" : null),
                    ("mode", s.Mode?.ToString()), ("uid", Number(s.Uid)), ("gid", Number(s.Gid)),
                },
                _ => throw new InvalidOperationException("Unknown mount " + mount.GetType().Name),
            };
            return string.Join(",", options.Where(o => o.Item2 is not null).Select(o => o.Item1 + "=" + o.Item2));
        }

        private static string? From(StageOrImage? from) => from is null ? null : from.Stage?.Name ?? from.Image;

        private static string? Number(uint? value) => value?.ToString(CultureInfo.InvariantCulture);

        private static string? Duration(TimeSpan? duration) => duration is { } d ? Syntax.GoDuration(d) : null;

        private static string Flags(params (string Name, string? Value)[] flags)
        {
            var builder = new StringBuilder();
            foreach (var (name, value) in flags)
            {
                if (value is null) continue;
                builder.Append("--").Append(name);
                if (value.Length > 0) builder.Append('=').Append(value);
                builder.Append(' ');
            }

            return builder.ToString();
        }

        private static string Excludes(IEnumerable<Glob> patterns) => string.Concat(patterns.Select(p => "--exclude=" + Syntax.GlobText(p.Pattern).LiteralText + " "));

        /// <summary>
        /// The plain form when every path is a plain word, else the JSON form (which keeps blanks and line breaks).
        /// Each source is written so that the builders read it as what it is (see Syntax.SourceText).
        /// </summary>
        private static string Paths(IEnumerable<CopySource> sources, Value destination, char escape)
        {
            var all = sources.Select(Syntax.SourceText).Concat(new[] { destination }).ToList();
            return all.All(Syntax.IsPlainWord)
                ? string.Join(" ", all.Select(p => Syntax.LexWord(p, escape)))
                : Syntax.JsonArray(all.Select(p => Syntax.LexWord(p, escape)));
        }

        // The heredoc body's lines end where the delimiter line starts, so one final newline is implied.
        private static string TrimFinalNewline(string text) => text.EndsWith("\n", StringComparison.Ordinal) ? text.Substring(0, text.Length - 1) : text;

        /// <summary>A heredoc with a quoted delimiter (no expansion) that no line of the body equals.</summary>
        private static string Heredoc(string body, string? destination)
        {
            var lines = body.Split('\n');
            var delimiter = "EOF";
            for (var n = 1; lines.Contains(delimiter); n++) delimiter = "EOF" + n.ToString(CultureInfo.InvariantCulture);
            var header = "<<\"" + delimiter + "\"" + (destination is null ? "" : " " + destination);
            return header + "\n" + body + "\n" + delimiter;
        }
    }
}
