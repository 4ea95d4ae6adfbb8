using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ImageDsl.Build.Parsing;

namespace ImageDsl.Tool.Import;

/// <summary>
/// A Dockerfile → a C# image definition that uses the typed API wherever it can: stages as values (<c>var build =
/// Dockerfile.From(…).As("build")</c>, <c>from: build</c>), build arguments as <c>BuildArg</c> fields, ports, signals,
/// owners, modes, durations, platforms and mounts as their types; comments become C# comments where they stood. Whatever
/// the DSL cannot say as written is an <see cref="ImportProblem"/> with its line and reason, never silently dropped or
/// changed: the instruction is left out of the chain and kept in a comment there, for the reviewer to decide.
/// </summary>
public static class DockerfileImporter
{
    private static readonly Regex UrlLike = new(@"^(https?://|git@|ssh://)", RegexOptions.CultureInvariant);

    public static ImportResult Import(string dockerfile, string className, string imageName, string? @namespace = null)
    {
        var document = DockerfileReader.Parse(dockerfile);
        return new Importer(document, className, imageName, @namespace).Run();
    }

    private sealed class Stage(int index, DockerfileInstruction from)
    {
        public int Index { get; } = index;
        public DockerfileInstruction From { get; } = from;
        public List<DockerfileInstruction> Body { get; } = new();
        public string? Name { get; set; }
        public string Variable { get; set; } = "";
        public bool Referenced { get; set; }
        public Dictionary<string, string> Arguments { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Importer(DockerfileDocument document, string className, string imageName, string? @namespace)
    {
        private readonly List<ImportProblem> _problems = new();
        private readonly ValueWriter _values = new(document.Escape);
        // Each build argument's field, its name, its default as a C# expression (null: none), and the build arguments that default refers to.
        private readonly List<(string Field, string Name, string? Default, IReadOnlyList<string> References)> _fields = new();
        private HashSet<string>? _globalInDefinition;
        private readonly Dictionary<string, string> _metaArguments = new(StringComparer.Ordinal);
        private readonly List<Stage> _stages = new();

        public ImportResult Run()
        {
            var meta = new List<DockerfileInstruction>();
            foreach (var instruction in document.Instructions)
            {
                if (instruction.Keyword == "from") _stages.Add(new Stage(_stages.Count, instruction));
                else if (_stages.Count == 0) meta.Add(instruction);
                else _stages[^1].Body.Add(instruction);
            }

            if (_stages.Count == 0) throw new FormatException("the Dockerfile has no FROM instruction");
            foreach (var instruction in meta)
            {
                if (instruction.Keyword != "arg") Problem(instruction, "only ARG may come before the first FROM");
                else Guard(instruction, () => DeclareMeta(instruction));
            }

            NameStages();
            var body = new StringBuilder();
            foreach (var stage in _stages) WriteStage(stage, body);
            foreach (var comment in document.TrailingComments) body.Append("        // ").Append(comment).Append('\n');
            return new ImportResult(className, Class(body.ToString()), _problems);
        }

        private void NameStages()
        {
            foreach (var stage in _stages)
            {
                var words = DockerfileReader.Words(stage.From.Rest, document.Escape);
                if (words.Count == 3 && words[1].Equals("as", StringComparison.OrdinalIgnoreCase)) stage.Name = words[2].ToLowerInvariant();
            }

            // What the final stage needs, following FROM, COPY --from and mount from= (names and indexes).
            var final = _stages[^1];
            var pending = new Stack<Stage>(new[] { final });
            final.Referenced = true;
            while (pending.Count > 0)
            {
                var stage = pending.Pop();
                foreach (var referenced in References(stage).Where(r => !r.Referenced))
                {
                    referenced.Referenced = true;
                    pending.Push(referenced);
                }
            }

            var used = new HashSet<string>(StringComparer.Ordinal);
            foreach (var stage in _stages)
            {
                if (stage != final && stage.Name is null && stage.Referenced)
                {
                    stage.Name = "stage-" + stage.Index;
                    Problem(stage.From, $"this stage has no name, and a definition refers to stages by name: it is named '{stage.Name}' (the image is the same)");
                }

                if (!stage.Referenced)
                {
                    Problem(stage.From, $"the final stage does not use stage {(stage.Name is null ? "#" + stage.Index : "'" + stage.Name + "'")}: the definition keeps it as an unused value, and its Dockerfile has only the stages the image needs (build it as an [Image] of its own to keep it)");
                }

                stage.Variable = stage == final ? "" : Unique(Identifier(stage.Name ?? "stage" + stage.Index, upper: false), used);
            }
        }

        private IEnumerable<Stage> References(Stage stage)
        {
            var image = FromImage(stage);
            if (image is not null && StageNamed(image) is { } baseStage && baseStage.Index < stage.Index) yield return baseStage;
            foreach (var instruction in stage.Body)
            {
                var from = instruction.Keyword == "copy" ? instruction.Flag("from") : null;
                if (from is not null && StageNamed(from) is { } copied && copied.Index < stage.Index) yield return copied;
                if (instruction.Keyword != "run") continue;
                foreach (var mount in instruction.Flags.Where(f => f.Key == "mount" && f.Value is not null))
                {
                    var fromField = mount.Value!.Split(',').Select(p => p.Split('=', 2)).FirstOrDefault(p => p[0] == "from" && p.Length == 2);
                    if (fromField is not null && StageNamed(fromField[1]) is { } mounted && mounted.Index < stage.Index) yield return mounted;
                }
            }
        }

        private static string? FromImage(Stage stage) => DockerfileReader.Words(stage.From.Rest, '\\').FirstOrDefault();

        private Stage? StageNamed(string reference) =>
            int.TryParse(reference, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < _stages.Count
                ? _stages[index]
                : _stages.FirstOrDefault(s => string.Equals(s.Name ?? PeekName(s), reference, StringComparison.OrdinalIgnoreCase));

        private string? PeekName(Stage stage)
        {
            var words = DockerfileReader.Words(stage.From.Rest, document.Escape);
            return words.Count == 3 && words[1].Equals("as", StringComparison.OrdinalIgnoreCase) ? words[2] : null;
        }

        private void DeclareMeta(DockerfileInstruction instruction)
        {
            // Before the first FROM, each default sees the global arguments declared before it, on this line too. As in a
            // stage (see Instruction), a global ARG that cannot be imported leaves its uses unimportable too.
            var words = ArgumentWords(instruction).ToList();
            for (var k = 0; k < words.Count; k++)
            {
                try
                {
                    var (name, raw) = words[k];
                    _metaArguments[name] = Field(name, Default(name, raw, _metaArguments, Array.Empty<string>()));
                }
                catch (NotExpressibleException)
                {
                    foreach (var (name, _) in words.Skip(k)) _metaArguments.TryAdd(name, ValueWriter.NotImported);
                    throw;
                }
            }
        }

        /// <summary>The names and raw (unexpanded) defaults of an ARG line.</summary>
        private IEnumerable<(string Name, string? Raw)> ArgumentWords(DockerfileInstruction instruction)
        {
            foreach (var word in DockerfileReader.Words(instruction.Rest, document.Escape))
            {
                var equals = word.IndexOf('=');
                yield return equals < 0 ? (word, null) : (word.Substring(0, equals), word.Substring(equals + 1));
            }
        }

        /// <summary>
        /// A default as a C# expression with the build arguments it refers to: literal text, and references to the
        /// arguments of <paramref name="scope"/> (the BuildArg constructor takes a Value). <paramref name="sameLine"/>:
        /// names that a stage's ARG line declares with this one, which docker has not declared yet when it expands it.
        /// </summary>
        private (string Code, IReadOnlyList<string> References)? Default(string name, string? raw, IReadOnlyDictionary<string, string> scope, IReadOnlyCollection<string> sameLine)
        {
            if (raw is null) return null;
            var references = _values.Parts(raw).Select(p => p.Variable).OfType<string>().Distinct().ToList();
            foreach (var reference in references)
            {
                if (reference == name)
                {
                    throw new NotExpressibleException($"the default of ARG {name} refers to ${name} itself; a definition gives one build argument one default: use another name for one of them");
                }

                if (!scope.ContainsKey(reference) && sameLine.Contains(reference))
                {
                    throw new NotExpressibleException($"the default of ARG {name} refers to ${reference}, declared on the same ARG line: docker expands the line before it declares {reference}. Declare {reference} on an ARG line of its own above, if its value is meant");
                }
            }

            return (_values.Value(raw, scope), references);
        }

        /// <summary>The field for a build argument; one per name and default.</summary>
        private string Field(string name, (string Code, IReadOnlyList<string> References)? value)
        {
            var existing = _fields.FirstOrDefault(f => f.Name == name);
            if (existing.Field is not null)
            {
                if (existing.Default == value?.Code || value is null) return existing.Field;
                throw new NotExpressibleException($"ARG {name} is declared again with another default ({value.Value.Code} after {existing.Default}); a definition gives one build argument one default");
            }

            var field = Unique(Identifier(name, upper: true), new HashSet<string>(_fields.Select(f => f.Field).Append(className).Concat(TypeNames).Concat(MemberNames)));
            _fields.Add((field, name, value?.Code, value?.References ?? Array.Empty<string>()));
            return field;
        }

        /// <summary>
        /// Whether the definition declares the argument globally: a FROM line uses it, or the default of one it declares
        /// globally refers to it. A stage that declares such an argument again takes the global value; any other
        /// argument's default is expanded where the stage declares it.
        /// </summary>
        private bool IsGlobalInDefinition(string name)
        {
            if (_globalInDefinition is null)
            {
                _globalInDefinition = new HashSet<string>(StringComparer.Ordinal);
                var pending = new Stack<string>();
                foreach (var stage in _stages)
                {
                    try
                    {
                        if (FromImage(stage) is { } image) foreach (var part in _values.Parts(image)) if (part.Variable is { } used) pending.Push(used);
                    }
                    catch (NotExpressibleException)
                    {
                        // Reported where the stage is written.
                    }
                }

                while (pending.Count > 0)
                {
                    var next = pending.Pop();
                    if (!_globalInDefinition.Add(next)) continue;
                    foreach (var reference in _fields.FirstOrDefault(f => f.Name == next).References ?? Array.Empty<string>()) pending.Push(reference);
                }
            }

            return _globalInDefinition.Contains(name);
        }

        private void WriteStage(Stage stage, StringBuilder body)
        {
            foreach (var comment in stage.From.Comments) body.Append("        // ").Append(comment).Append('\n');
            var final = stage == _stages[^1];
            var chain = new List<string>();
            string head;
            try
            {
                head = FromExpression(stage);
            }
            catch (NotExpressibleException e)
            {
                // The stage's base is not expressible: the stage is written on scratch for the reviewer to fix, and
                // reported as left out (its FROM line is not in the definition).
                Problem(stage.From, e.Message + "; the stage is written FROM scratch here: give it its base", omitted: true);
                head = "Dockerfile.Scratch";
            }

            if (stage.Name is not null && (!final || PeekName(stage) is not null)) head += $".As({ValueWriter.Literal(stage.Name)})";
            foreach (var instruction in stage.Body)
            {
                foreach (var comment in instruction.Comments) chain.Add("// " + comment);
                try
                {
                    chain.AddRange(Instruction(instruction, stage.Arguments, stage).Select(call => "." + call));
                }
                catch (NotExpressibleException e)
                {
                    Problem(instruction, e.Message, omitted: true);
                    chain.Add("// not imported (line " + instruction.Line + "): " + instruction.Original.Replace("\n", " "));
                }
            }

            if (final)
            {
                if (document.Syntax is not null) chain.Add($".WithSyntax({ValueWriter.Literal(document.Syntax)})");
                if (document.Escape != '\\') chain.Add($".WithEscape('{document.Escape}')");
                if (document.Check is not null) chain.Add($".WithCheck({ValueWriter.Literal(document.Check)})");
            }

            body.Append(final ? "        return " : $"        var {stage.Variable} = ").Append(head);
            foreach (var line in chain) body.Append("\n            ").Append(line);
            // A chain that ends in a comment needs its semicolon on a line of its own.
            body.Append(chain.Count > 0 && chain[^1].StartsWith("//", StringComparison.Ordinal) ? "\n            ;\n" : ";\n");
            if (!final) body.Append('\n');
        }

        private string FromExpression(Stage stage)
        {
            var words = DockerfileReader.Words(stage.From.Rest, document.Escape);
            if (words.Count is not (1 or 3)) throw new NotExpressibleException("FROM takes an image and optionally AS name");
            var platform = stage.From.Flag("platform") is { } p ? ", " + PlatformExpression(p) : "";
            foreach (var flag in stage.From.Flags.Where(f => f.Key != "platform")) throw new NotExpressibleException($"FROM --{flag.Key} has no DSL form");
            var image = words[0];
            if (StageNamed(image) is { } baseStage && baseStage.Index < stage.Index && !image.Contains('$')) return $"Dockerfile.From({baseStage.Variable}{platform})";
            if (image == "scratch" && platform.Length == 0) return "Dockerfile.Scratch";
            return $"Dockerfile.From({_values.Value(image, _metaArguments)}{platform})";
        }

        private string PlatformExpression(string platform) => platform switch
        {
            "$BUILDPLATFORM" or "${BUILDPLATFORM}" => "Platform.BuildPlatform",
            "$TARGETPLATFORM" or "${TARGETPLATFORM}" => "Platform.TargetPlatform",
            "linux/amd64" => "Platform.LinuxAmd64",
            "linux/arm64" => "Platform.LinuxArm64",
            _ => $"Platform.Parse({ValueWriter.Literal(_values.Text(platform, "a platform"))})",
        };

        /// <summary>The DSL calls (without the leading dot) for one instruction of a stage.</summary>
        private IEnumerable<string> Instruction(DockerfileInstruction i, Dictionary<string, string> arguments, Stage stage)
        {
            if (i.Heredocs.Count > 0 && i.Keyword is not ("run" or "copy")) throw new NotExpressibleException("a heredoc on ADD has no DSL form");
            switch (i.Keyword)
            {
                case "run":
                    return new[] { Run(i, stage) };
                case "cmd" or "entrypoint":
                {
                    NoFlags(i);
                    var name = i.Keyword == "cmd" ? "Cmd" : "Entrypoint";
                    if (i.Json is { Count: 0 })
                    {
                        return new[] { i.Keyword == "entrypoint" ? "ResetEntrypoint()" : "ResetCmd()" };
                    }

                    return new[] { i.Json is { } json ? $"{name}({Strings(json)})" : $"{name}Shell({Lines(i)})" };
                }

                case "shell":
                    NoFlags(i);
                    if (i.Json is not { Count: > 0 } shell) throw new NotExpressibleException("SHELL takes the JSON form");
                    return new[] { $"Shell({Strings(shell)})" };
                case "env" or "label":
                {
                    NoFlags(i);
                    var pairs = Pairs(i, arguments);
                    var method = i.Keyword == "env" ? "Env" : "Label";
                    // Several pairs stay one instruction: one history entry, every value expanded before any is set.
                    return new[]
                    {
                        pairs.Count == 1
                            ? $"{method}({ValueWriter.Literal(pairs[0].Key)}, {pairs[0].Value})"
                            : $"{method}({string.Join(", ", pairs.Select(p => $"({ValueWriter.Literal(p.Key)}, {p.Value})"))})",
                    };
                }
                case "arg":
                {
                    NoFlags(i);
                    // Docker expands every default of the line before it declares any of its arguments: a default sees the
                    // stage's arguments as they were above this line.
                    var above = new Dictionary<string, string>(arguments, StringComparer.Ordinal);
                    var words = ArgumentWords(i).ToList();
                    // A name whose ARG cannot be imported is still a build argument of the stage: a use of it below must
                    // be reported too, not written as Value.Env (the environment's variable of that name, another value).
                    foreach (var (name, _) in words) arguments.TryAdd(name, ValueWriter.NotImported);
                    var declared = new List<(string Name, string Field)>();
                    foreach (var (name, raw) in words)
                    {
                        var meta = _metaArguments.TryGetValue(name, out var metaField) ? metaField : null;
                        if (raw is null && meta == ValueWriter.NotImported)
                        {
                            throw new NotExpressibleException($"ARG {name} takes its default from the global ARG {name}, which could not be imported (see its line)");
                        }

                        if (raw is null && meta is not null)
                        {
                            // The global value: a definition writes the global default again here unless it declares the
                            // argument globally too, and then expands it in this stage.
                            var global = _fields.First(f => f.Name == name);
                            var missing = IsGlobalInDefinition(name) ? null : global.References.FirstOrDefault(r => !above.ContainsKey(r));
                            if (missing is not null)
                            {
                                throw new NotExpressibleException($"ARG {name} takes the global default of {name}, which refers to ${missing}: a definition expands that default where the stage declares {name}, and this stage has not declared {missing} above it. Add ARG {missing} above this line");
                            }

                            declared.Add((name, global.Field));
                            continue;
                        }

                        declared.Add((name, Field(name, Default(name, raw, above, words.Select(w => w.Name).ToList()))));
                    }

                    foreach (var (name, field) in declared) arguments[name] = field;
                    return declared.Select(d => $"Arg({d.Field})").ToList();
                }

                case "expose":
                    NoFlags(i);
                    return new[] { $"Expose({string.Join(", ", DockerfileReader.Words(i.Rest, document.Escape).Select(w => Port(_values.Text(w, "a port"))))})" };
                case "user":
                {
                    NoFlags(i);
                    var user = Single(i);
                    // A user with references (USER $APP_UID, as the .NET images' samples write it) is a Value the builder expands.
                    return new[] { _values.Parts(user).Any(p => p.Variable is not null)
                        ? $"User({_values.Value(user, arguments, environment: true)})"
                        : $"User({Owner(_values.Text(user, "a user"))})" };
                }
                case "workdir":
                {
                    NoFlags(i);
                    var path = Single(i);
                    if (path.TrimStart('"', '\'') is var unquoted && !unquoted.StartsWith('/') && !unquoted.StartsWith('$'))
                    {
                        throw new NotExpressibleException($"'{path}' is a relative WORKDIR, which docker joins to the stage's working directory, and the DSL takes an absolute one (IDSL0003): write the directory it means");
                    }

                    return new[] { $"Workdir({_values.Value(path, arguments, environment: true)})" };
                }
                case "volume":
                {
                    NoFlags(i);
                    var paths = JsonWords(i) ?? DockerfileReader.Words(i.Rest, document.Escape).Select(w => _values.Text(w, "a volume")).ToList();
                    return new[] { $"Volume({Strings(paths)})" };
                }

                case "stopsignal":
                    NoFlags(i);
                    return new[] { $"StopSignal({Signal(_values.Text(Single(i), "a signal"))})" };
                case "healthcheck":
                    return new[] { Healthcheck(i) };
                case "copy" or "add":
                    return new[] { Copy(i, arguments, stage) };
                case "onbuild":
                {
                    NoFlags(i);
                    var trigger = DockerfileReader.Read(i.Rest).Instructions.Single();
                    if (trigger.Keyword is "onbuild" or "from" or "maintainer") throw new NotExpressibleException($"ONBUILD {trigger.Keyword.ToUpperInvariant()} is not allowed");
                    var calls = Instruction(trigger with { Line = i.Line }, new Dictionary<string, string>(arguments), stage).ToList();
                    return new[] { $"OnBuild(t => t.{string.Join(".", calls)})" };
                }

                case "maintainer":
                    throw new NotExpressibleException("MAINTAINER is deprecated and has no DSL form; write .Label(\"org.opencontainers.image.authors\", …)");
                default:
                    throw new NotExpressibleException($"'{i.Keyword.ToUpperInvariant()}' is not a Dockerfile instruction");
            }
        }

        private string Run(DockerfileInstruction i, Stage stage)
        {
            var options = new List<string>();
            var mounts = new List<string>();
            foreach (var flag in i.Flags)
            {
                switch (flag.Key)
                {
                    case "mount" when flag.Value is not null:
                        mounts.Add(Mount(flag.Value, stage));
                        break;
                    case "network" when flag.Value is "none" or "host" or "default":
                        options.Add($"network: RunNetwork.{Pascal(flag.Value)}");
                        break;
                    case "security" when flag.Value is "insecure" or "sandbox":
                        options.Add($"security: RunSecurity.{Pascal(flag.Value)}");
                        break;
                    default:
                        throw new NotExpressibleException($"RUN --{flag.Key}{(flag.Value is null ? "" : "=" + flag.Value)} has no DSL form");
                }
            }

            if (mounts.Count > 0) options.Insert(0, $"mounts: [{string.Join(", ", mounts)}]");
            var tail = options.Count == 0 ? "" : ", " + string.Join(", ", options);
            if (i.Heredocs.Count > 0)
            {
                if (i.Heredocs.Count != 1 || !Regex.IsMatch(i.Rest, @"^\d*<<-?\S+\s*$")) throw new NotExpressibleException("only a RUN whose whole command is one heredoc has a DSL form (RunHeredoc)");
                return $"RunHeredoc({Heredoc(i.Heredocs[0])}{tail})";
            }

            return i.Json is { } json ? $"RunExec([{Strings(json)}]{tail})" : $"Run({Lines(i)}{tail})";
        }

        /// <summary>A shell command as one string literal per line it was written on, joined with +: the same text, as reviewable.</summary>
        private static string Lines(DockerfileInstruction i)
        {
            // What the DSL would have to write in the exec form of the stage's shell (see IDSL0022): a JSON form changes
            // the instruction, so it is left to the reviewer.
            if (i.Rest.StartsWith('[') || (i.Keyword == "run" && i.Rest.StartsWith("--", StringComparison.Ordinal)) || i.Rest.Contains("<<", StringComparison.Ordinal))
            {
                throw new NotExpressibleException("this shell-form command starts with '[' or '--', or holds '<<': a definition cannot write it in the shell form unchanged (it would become the exec form of the stage's shell); write it as Command.Exec(\"/bin/sh\", \"-c\", …) if that is what it means");
            }

            var pieces = new List<string>();
            var start = 0;
            foreach (var end in i.RestBreaks.Append(i.Rest.Length))
            {
                if (end > start) pieces.Add(ValueWriter.Literal(i.Rest.Substring(start, end - start)));
                start = Math.Max(start, end);
            }

            return string.Join(" +\n                ", pieces);
        }

        private static string Heredoc(Heredoc heredoc)
        {
            if (heredoc.Expand && heredoc.Content.IndexOfAny(new[] { '$', '`', '\\' }) >= 0)
            {
                throw new NotExpressibleException($"the heredoc <<{heredoc.Name} is unquoted and its text has $, ` or \\, which BuildKit would expand; a definition writes heredocs literally (quote the delimiter, <<'{heredoc.Name}', if that is what it meant)");
            }

            return ValueWriter.Literal(heredoc.Content);
        }

        private string Mount(string spec, Stage stage)
        {
            if (spec.Contains('$')) throw new NotExpressibleException($"the mount '{spec}' refers to a variable; a definition gives mount options as literal text");
            var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var part in spec.Split(','))
            {
                var pair = part.Split('=', 2);
                fields[pair[0].ToLowerInvariant()] = pair.Length == 2 ? pair[1] : null;
            }

            var type = fields.Remove("type", out var t) ? t : "bind";
            string Take(params string[] names)
            {
                foreach (var name in names)
                {
                    if (fields.Remove(name, out var value) && value is not null) return value;
                }

                return "";
            }

            bool Flag(params string[] names) => names.Any(n => fields.Remove(n, out var v) && (v is null || v == "true"));
            var args = new List<string>();
            void Named(string name, string value, Func<string, string> format)
            {
                if (value.Length > 0) args.Add($"{name}: {format(value)}");
            }

            var target = Take("target", "dst", "destination");
            string Quoted(string s) => ValueWriter.Literal(s);
            string Mode(string s) => $"FileMode.Octal({ValueWriter.Literal(s)})";
            // A mount's mode the DSL refuses, since BuildKit would not give it as written (see Mount): reported with what it would be.
            string KeptMode(string s, int kept, string why) => Regex.IsMatch(s, "^[0-7]{1,4}$") && (Convert.ToInt32(s, 8) & ~kept) != 0
                ? throw new NotExpressibleException($"a {type} mount's mode={s} would be {Convert.ToString(Convert.ToInt32(s, 8) & kept, 8).PadLeft(4, '0')} {why}")
                : Mode(s);
            string From(string s) => StageNamed(s) is { } referenced && referenced.Index < stage.Index ? referenced.Variable : ValueWriter.Literal(s);
            string call;
            switch (type)
            {
                case "cache":
                    if (fields.TryGetValue("from", out var seeded) && seeded is not null && new[] { "mode", "uid", "gid" }.FirstOrDefault(fields.ContainsKey) is { } ignored)
                    {
                        throw new NotExpressibleException($"a cache mount seeded from '{seeded}' keeps that directory's own owner and mode (BuildKit ignores {ignored} there): set them in the stage it is seeded from, or leave from off");
                    }

                    Named("id", Take("id"), Quoted);
                    Named("sharing", Take("sharing"), s => "CacheSharing." + Pascal(s));
                    Named("from", Take("from"), From);
                    Named("source", Take("source", "src"), Quoted);
                    Named("mode", Take("mode"), s => KeptMode(s, 0x1ED, "(BuildKit creates the directory under the daemon's umask, without setuid, setgid or sticky): give it to the user that writes it with uid and gid, or chmod it in the RUN"));
                    Named("uid", Take("uid"), s => s);
                    Named("gid", Take("gid"), s => s);
                    if (Flag("ro", "readonly")) args.Add("readOnly: true");
                    call = $"Mount.Cache({Quoted(target)}{Tail(args)})";
                    break;
                case "bind":
                    Named("source", Take("source", "src"), Quoted);
                    Named("from", Take("from"), From);
                    if (Flag("rw", "readwrite")) args.Add("readWrite: true");
                    call = $"Mount.Bind({Quoted(target)}{Tail(args)})";
                    break;
                case "tmpfs":
                    Named("sizeBytes", Take("size"), s => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? s : throw new NotExpressibleException($"tmpfs size '{s}' is not a number of bytes"));
                    call = $"Mount.Tmpfs({Quoted(target)}{Tail(args)})";
                    break;
                case "secret" or "ssh":
                    var id = Take("id");
                    if (type == "secret" && id.Length == 0) id = Path.GetFileName(target);
                    if (type == "secret") Named("target", target, Quoted);
                    if (type == "secret") Named("env", Take("env"), Quoted);
                    if (type == "ssh") Named("target", target, Quoted);
                    if (Flag("required")) args.Add("required: true");
                    Named("mode", Take("mode"), s => KeptMode(s, 0x1FF, "(BuildKit sets it from the permission bits only): write the permission bits"));
                    Named("uid", Take("uid"), s => s);
                    Named("gid", Take("gid"), s => s);
                    call = type == "secret" ? $"Mount.Secret({Quoted(id)}{Tail(args)})" : $"Mount.Ssh({(id.Length == 0 ? "" : "id: " + Quoted(id))}{(id.Length == 0 ? Tail(args).TrimStart(',', ' ') : Tail(args))})";
                    break;
                default:
                    throw new NotExpressibleException($"a mount of type '{type}' has no DSL form");
            }

            if (fields.Count > 0) throw new NotExpressibleException($"the mount option '{fields.Keys.First()}' has no DSL form for type={type}");
            return call;
        }

        /// <summary>
        /// The JSON form's strings, for COPY, ADD and VOLUME, whose JSON form BuildKit still expands variables in: a '$'
        /// there has no literal DSL form (a definition's strings are exact), so it is refused with the reason.
        /// </summary>
        private static IReadOnlyList<string>? JsonWords(DockerfileInstruction i)
        {
            if (i.Json?.FirstOrDefault(w => w.Contains('$')) is { } expanded)
            {
                throw new NotExpressibleException($"'{expanded}' in the JSON form refers to a variable, which {i.Keyword.ToUpperInvariant()} expands; write it in the shell form with a BuildArg, or without the variable");
            }

            return i.Json;
        }

        private static string Tail(List<string> args) => args.Count == 0 ? "" : ", " + string.Join(", ", args);

        private string Copy(DockerfileInstruction i, Dictionary<string, string> arguments, Stage stage)
        {
            var add = i.Keyword == "add";
            var options = new List<string>();
            var excludes = new List<string>();
            foreach (var flag in i.Flags)
            {
                var value = flag.Value;
                switch (flag.Key)
                {
                    case "from" when !add && value is not null:
                        options.Add("from: " + (StageNamed(value) is { } referenced && referenced.Index < stage.Index ? referenced.Variable : ValueWriter.Literal(_values.Text(value, "an image"))));
                        break;
                    case "chown" when value is not null:
                        options.Add("chown: " + Owner(_values.Text(value, "an owner")));
                        break;
                    case "chmod" when value is not null && Regex.IsMatch(value, "^[1-7][0-7]{3}$"):
                        throw new NotExpressibleException($"{i.Keyword.ToUpperInvariant()} --chmod={value} sets a setuid, setgid or sticky bit, which BuildKit's --chmod does not apply (the image gets 0{value.Substring(1)}): "
                            + "write the permission bits in --chmod and a RUN chmod for the others");
                    case "chmod" when value is not null && Regex.IsMatch(value, "^[0-7]{3,4}$"):
                        options.Add($"chmod: FileMode.Octal({ValueWriter.Literal(value)})");
                        break;
                    case "link" when value is null or "true":
                        options.Add("link: true");
                        break;
                    case "parents" when !add && value is null or "true":
                        options.Add("parents: true");
                        break;
                    case "exclude" when value is not null:
                        excludes.Add($"Glob.Of({_values.Value(value, arguments)})");
                        break;
                    case "checksum" when add && value is not null:
                        options.Add("checksum: " + ValueWriter.Literal(_values.Text(value, "a checksum")));
                        break;
                    case "keep-git-dir" when add && value is null or "true":
                        options.Add("keepGitDir: true");
                        break;
                    default:
                        throw new NotExpressibleException($"{i.Keyword.ToUpperInvariant()} --{flag.Key}{(value is null ? "" : "=" + value)} has no DSL form");
                }
            }

            if (excludes.Count > 0) options.Add($"exclude: [{string.Join(", ", excludes)}]");
            var tail = options.Count == 0 ? "" : ", " + string.Join(", ", options);
            var words = JsonWords(i) ?? DockerfileReader.Words(i.Rest, document.Escape);
            if (i.Heredocs.Count > 0)
            {
                if (i.Heredocs.Count != 1 || words.Count != 2 || !Regex.IsMatch(words[0], @"^<<-?\S+$")) throw new NotExpressibleException("only COPY <<NAME destination (one heredoc) has a DSL form (CopyHeredoc)");
                var owner = options.Where(o => o.StartsWith("chown:", StringComparison.Ordinal) || o.StartsWith("chmod:", StringComparison.Ordinal)).ToList();
                if (owner.Count != options.Count) throw new NotExpressibleException("COPY <<NAME takes only --chown and --chmod in the DSL");
                return $"CopyHeredoc({Heredoc(i.Heredocs[0])}, {Destination(words[1], arguments, i.Json is not null)}{(owner.Count == 0 ? "" : ", " + string.Join(", ", owner))})";
            }

            if (words.Count < 2) throw new NotExpressibleException($"{i.Keyword.ToUpperInvariant()} needs a source and a destination");
            var destination = Destination(words[^1], arguments, i.Json is not null);
            var sources = words.Take(words.Count - 1).ToList();
            var name = add ? "Add" : "Copy";
            if (add && sources.Any(s => UrlLike.IsMatch(s)))
            {
                if (sources.Count != 1) throw new NotExpressibleException("ADD of a URL takes one source in the DSL");
                return $"Add(new Uri({ValueWriter.Literal(_values.Text(sources[0], "a URL"))}), {destination}{tail})";
            }

            // A source is a pattern to the builders when it has *, ? or [ (or a build argument, whose value could); a
            // plain path otherwise. The JSON form's words are not lexed, so they are literal.
            var typed = sources.Select(s => Source(s, arguments, i.Json is not null)).ToList();
            var patterns = typed.Any(t => t.Pattern);
            string Item(string code, bool pattern) => patterns && !pattern ? $"Glob.Literal({code})" : code;
            var list = typed.Select(t => Item(t.Code, t.Pattern)).ToList();
            var first = list.Count == 1 ? list[0] : patterns ? $"[{string.Join(", ", list)}]" : $"new Value[] {{ {string.Join(", ", list)} }}";
            if (patterns && list.Count > 1) first = $"new Glob[] {{ {string.Join(", ", list)} }}";
            return $"{name}({first}, {destination}{tail})";
        }

        private (string Code, bool Pattern) Source(string word, Dictionary<string, string> arguments, bool json)
        {
            if (json) return (word.IndexOfAny(new[] { '*', '?', '[' }) >= 0 ? $"Glob.Of({ValueWriter.Literal(word)})" : ValueWriter.Literal(word), word.IndexOfAny(new[] { '*', '?', '[' }) >= 0);
            var parts = _values.Parts(word);
            var pattern = parts.Any(p => p.Variable is not null) || parts.Any(p => p.Variable is null && p.Text.IndexOfAny(new[] { '*', '?', '[' }) >= 0);
            var value = _values.Value(word, arguments);
            return pattern ? ($"Glob.Of({value})", true) : (value, false);
        }

        private string Destination(string word, Dictionary<string, string> arguments, bool json) => json ? ValueWriter.Literal(word) : _values.Value(word, arguments, environment: true);

        private string Healthcheck(DockerfileInstruction i)
        {
            var rest = i.Rest;
            if (rest.Equals("NONE", StringComparison.OrdinalIgnoreCase))
            {
                NoFlags(i);
                return "HealthcheckNone()";
            }

            if (!rest.StartsWith("CMD", StringComparison.OrdinalIgnoreCase) || (rest.Length > 3 && !char.IsWhiteSpace(rest[3]))) throw new NotExpressibleException("HEALTHCHECK takes CMD or NONE");
            var command = rest.Substring(3).TrimStart();
            var json = DockerfileReader.Read("CMD " + command).Instructions.Single().Json;
            var test = json is null ? ValueWriter.Literal(command) : $"Command.Exec({Strings(json)})";
            var args = new List<string> { test };
            foreach (var flag in i.Flags)
            {
                var value = flag.Value ?? throw new NotExpressibleException($"HEALTHCHECK --{flag.Key} needs a value");
                switch (flag.Key)
                {
                    case "interval" or "timeout" or "start-period" or "start-interval":
                        args.Add($"{Camel(flag.Key)}: {Duration(value)}");
                        break;
                    case "retries" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _):
                        args.Add($"retries: {value}");
                        break;
                    default:
                        throw new NotExpressibleException($"HEALTHCHECK --{flag.Key}={value} has no DSL form");
                }
            }

            return $"Healthcheck({string.Join(", ", args)})";
        }

        /// <summary>ENV and LABEL pairs: key=value words, or the legacy <c>ENV key value</c>.</summary>
        private List<(string Key, string Value)> Pairs(DockerfileInstruction i, Dictionary<string, string> arguments)
        {
            var words = DockerfileReader.Words(i.Rest, document.Escape);
            if (words.Count == 0) throw new NotExpressibleException($"{i.Keyword.ToUpperInvariant()} needs a key and a value");
            if (!words[0].Contains('='))
            {
                // The legacy form: the first word is the key, the rest of the line (after blanks) the value.
                var keyEnd = i.Rest.IndexOfAny(new[] { ' ', '\t' });
                if (keyEnd < 0) throw new NotExpressibleException($"{i.Keyword.ToUpperInvariant()} {i.Rest} has no value");
                return new List<(string, string)> { (_values.Text(words[0], "a key"), _values.Value(i.Rest.Substring(keyEnd).TrimStart(' ', '\t'), arguments, environment: true)) };
            }

            var pairs = new List<(string, string)>();
            foreach (var word in words)
            {
                var equals = word.IndexOf('=');
                if (equals <= 0) throw new NotExpressibleException($"'{word}' is not key=value");
                pairs.Add((_values.Text(word.Substring(0, equals), "a key"), _values.Value(word.Substring(equals + 1), arguments, environment: true)));
            }

            return pairs;
        }

        /// <summary>USER, WORKDIR and STOPSIGNAL take the whole rest of the line as one word (BuildKit's parseString), blanks included.</summary>
        private static string Single(DockerfileInstruction i)
        {
            if (i.Rest.Length == 0) throw new NotExpressibleException($"{i.Keyword.ToUpperInvariant()} needs a value");
            return i.Rest;
        }

        private static void NoFlags(DockerfileInstruction i)
        {
            foreach (var flag in i.Flags) throw new NotExpressibleException($"{i.Keyword.ToUpperInvariant()} --{flag.Key} has no DSL form");
        }

        private static string Port(string word)
        {
            var slash = word.IndexOf('/');
            var number = slash < 0 ? word : word.Substring(0, slash);
            var protocol = slash < 0 ? "tcp" : word.Substring(slash + 1).ToLowerInvariant();
            if (protocol is not ("tcp" or "udp" or "sctp")) throw new NotExpressibleException($"'{word}' has an unknown protocol");
            var dash = number.IndexOf('-');
            if (dash < 0)
            {
                if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out _)) throw new NotExpressibleException($"'{word}' is not a port");
                return protocol == "tcp" ? number : $"Port.{Pascal(protocol)}({number})";
            }

            var first = number.Substring(0, dash);
            var last = number.Substring(dash + 1);
            if (!int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out _) || !int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out _)) throw new NotExpressibleException($"'{word}' is not a port range");
            return protocol == "tcp" ? $"Port.Range({first}, {last})" : $"Port.Range({first}, {last}, PortProtocol.{Pascal(protocol)})";
        }

        private static string Owner(string text)
        {
            var parts = text.Split(':');
            if (parts.All(p => uint.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)) && parts.Length <= 2) return $"Owner.Id({string.Join(", ", parts)})";
            return ValueWriter.Literal(text);
        }

        private static string Signal(string text)
        {
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) return number.ToString(CultureInfo.InvariantCulture);
            var name = text.ToUpperInvariant();
            if (!name.StartsWith("SIG", StringComparison.Ordinal)) name = "SIG" + name;
            if (!Enum.TryParse<ImageDsl.Signal>(name, out _)) throw new NotExpressibleException($"'{text}' is not a signal the DSL names; give its number");
            return "Signal." + name;
        }

        /// <summary>A Go duration (<c>30s</c>, <c>1m30s</c>, <c>500ms</c>) as a TimeSpan expression.</summary>
        internal static string Duration(string text)
        {
            var match = Regex.Match(text, @"^((\d+(\.\d+)?)(h|m|s|ms|us|µs|ns))+$");
            if (!match.Success) throw new NotExpressibleException($"'{text}' is not a duration");
            var ticks = 0m;
            foreach (Capture capture in match.Groups[1].Captures)
            {
                var unit = Regex.Match(capture.Value, @"[a-zµ]+$").Value;
                var amount = decimal.Parse(capture.Value.Substring(0, capture.Value.Length - unit.Length), CultureInfo.InvariantCulture);
                ticks += amount * unit switch { "h" => 36_000_000_000m, "m" => 600_000_000m, "s" => 10_000_000m, "ms" => 10_000m, "us" or "µs" => 10m, _ => 0.01m };
            }

            if (ticks % 10_000_000m == 0) return $"TimeSpan.FromSeconds({ticks / 10_000_000m})";
            if (ticks % 10_000m == 0) return $"TimeSpan.FromMilliseconds({ticks / 10_000m})";
            throw new NotExpressibleException($"'{text}' is finer than a millisecond");
        }

        private static string Strings(IEnumerable<string> items) => string.Join(", ", items.Select(ValueWriter.Literal));

        private void Guard(DockerfileInstruction instruction, Action action)
        {
            try
            {
                action();
            }
            catch (NotExpressibleException e)
            {
                Problem(instruction, e.Message);
            }
        }

        private void Problem(DockerfileInstruction instruction, string reason, bool omitted = false) =>
            _problems.Add(new ImportProblem(instruction.Line, instruction.Keyword.ToUpperInvariant(), reason, omitted));

        private string Class(string body)
        {
            var source = new StringBuilder();
            source.Append("using System;\nusing ImageDsl;\n\n");
            if (@namespace is not null) source.Append("namespace ").Append(@namespace).Append(";\n\n");
            source.Append($"[Image({ValueWriter.Literal(imageName)})]\n");
            source.Append($"public static partial class {className}\n{{\n");
            // In declaration order: a field whose default refers to others comes after them, as static initializers run in order.
            foreach (var (field, name, value, _) in _fields)
            {
                source.Append($"    static readonly BuildArg {field} = new({ValueWriter.Literal(name)}{(value is null ? "" : ", " + value)});\n");
            }

            if (_fields.Count > 0) source.Append('\n');
            source.Append("    static Dockerfile Define()\n    {\n").Append(body).Append("    }\n}\n");
            return source.ToString();
        }

        private static string Unique(string name, HashSet<string> used)
        {
            var candidate = name;
            for (var n = 2; !used.Add(candidate); n++) candidate = name + n.ToString(CultureInfo.InvariantCulture);
            return candidate;
        }
    }

    /// <summary>
    /// The types whose members the written definition calls (<c>Port.Udp(…)</c>, <c>TimeSpan.FromSeconds(…)</c>): a field
    /// of one of those names (ARG PORT → Port, a BuildArg) would be what <c>Port.Udp</c> binds to, and the code would not
    /// compile, so such a field takes the next free name (Port2). Names only used as types (BuildArg, Uri in <c>new
    /// Uri(…)</c>) are not hidden by a field.
    /// </summary>
    internal static readonly string[] TypeNames =
    {
        "CacheSharing", "Command", "ContainerChecks", "Dockerfile", "DotNet", "FileMode", "Glob", "Mount", "Owner", "Platform", "Port", "PortProtocol",
        "RunNetwork", "RunSecurity", "Signal", "StageOrImage", "TimeSpan", "Value",
    };

    /// <summary>
    /// The members the definition's class has besides the fields (its Define and Checks methods, the generator's
    /// ImageName and DockerfileText, object's): a field of one of those names (ARG IMAGE_NAME → ImageName) would not
    /// compile or would hide it, so it takes the next free name too.
    /// </summary>
    internal static readonly string[] MemberNames =
    {
        "Checks", "Define", "DockerfileText", "Equals", "Finalize", "GetHashCode", "GetType", "ImageName", "MemberwiseClone", "ReferenceEquals", "ToString",
    };

    /// <summary>A C# identifier from a Dockerfile name: <c>build-env</c> → <c>buildEnv</c>, <c>DOTNET_VERSION</c> → <c>DotnetVersion</c>.</summary>
    internal static string Identifier(string name, bool upper)
    {
        var words = Regex.Split(name, "[^A-Za-z0-9]+").Where(w => w.Length > 0).ToList();
        var text = string.Concat(words.Select((w, i) => (i == 0 && !upper ? char.ToLowerInvariant(w[0]) : char.ToUpperInvariant(w[0])) + (w.All(c => !char.IsLower(c)) ? w.Substring(1).ToLowerInvariant() : w.Substring(1))));
        if (text.Length == 0 || char.IsDigit(text[0])) text = (upper ? "Stage" : "stage") + text;
        return Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(text) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + text : text;
    }

    private static string Pascal(string text) => char.ToUpperInvariant(text[0]) + text.Substring(1).ToLowerInvariant();

    private static string Camel(string flag)
    {
        var pascal = string.Concat(flag.Split('-').Select(Pascal));
        return char.ToLowerInvariant(pascal[0]) + pascal.Substring(1);
    }
}
