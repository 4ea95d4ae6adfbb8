using System.Formats.Tar;
using System.Globalization;
using System.Text.Json.Nodes;
using ImageDsl.Build.Context;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Parsing;
using ImageDsl.Build.Registry;

namespace ImageDsl.Build.Daemonless;

/// <summary>A layer of an image: descriptor fields, where its blob is on this machine (if it is), and where it came from (for a mount).</summary>
public sealed record ImageLayer(string MediaType, string Digest, long Size, string DiffId, string? BlobPath, string? Registry, string? Repository);

/// <summary>A base image as the registry serves it for one platform: its config, layers and where it lives.</summary>
public sealed record BaseImage(JsonObject Config, IReadOnlyList<ImageLayer> Layers, bool Oci);

/// <summary>Fetches base images (config, manifest, layer blobs) for the assembler.</summary>
public interface IBaseImageSource
{
    Task<BaseImage> GetAsync(string reference, ImagePlatform platform, CancellationToken cancellationToken);
}

/// <summary>What the daemonless builder builds: the Dockerfile, the build's settings, and the context's files.</summary>
/// <remarks>
/// <see cref="Platform"/> null is a build that names no platform (BuildKit's implicit target: the machine's); the
/// image then states its base's platform. A named one, as with <c>docker build --platform</c>, is what the image states.
/// </remarks>
public sealed record AssemblyRequest(string Dockerfile, string? Target, IReadOnlyDictionary<string, string> BuildArgs, IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<ContextEntry> Context, ImagePlatform? Platform, DateTimeOffset Created, long FileTime);

/// <summary>The image the daemonless builder assembled: its config and layers, base layers first.</summary>
public sealed record AssembledImage(JsonObject Config, IReadOnlyList<ImageLayer> Layers, bool Oci, ImagePlatform Platform);

/// <summary>An instruction that needs a daemon: its line, its text, why, and its place among the instructions (when known).</summary>
public sealed class NeedsDaemonException(int line, string instruction, string reason) : Exception($"line {line}: {instruction}: {reason}")
{
    public NeedsDaemonException(DockerfileInstruction instruction, string reason)
        : this(instruction.Line, instruction.Original, reason) => Index = instruction.Index;

    public int Line { get; } = line;
    public string Instruction { get; } = instruction;
    public string Reason { get; } = reason;
    public int? Index { get; }
}

/// <summary>
/// A build argument without a value expanded where the stage's environment has a variable of the same name (an ENV of
/// the base image, typically): docker would expand the variable, which is not what the definition says.
/// </summary>
public sealed class ArgumentHiddenException(DockerfileInstruction instruction, string name, string baseImage)
    : Exception($"line {instruction.Line}: {instruction.Original}: the environment's {name} (from {baseImage}) hides the build argument {name}")
{
    public string BaseImage { get; } = baseImage;
    public int Line { get; } = instruction.Line;
    public string Instruction { get; } = instruction.Original;
    public string Name { get; } = name;
    public int Index { get; } = instruction.Index;
}

/// <summary>
/// Builds an image without a daemon for a Dockerfile whose stages need no container — FROM an image or scratch,
/// COPY/ADD of local files (and COPY --from of such stages), ENV, LABEL, USER, WORKDIR, EXPOSE, VOLUME, CMD,
/// ENTRYPOINT, HEALTHCHECK, STOPSIGNAL, ARG, SHELL, ONBUILD — by doing what BuildKit's Dockerfile frontend
/// (dockerfile2llb/convert.go) and file operations (fsutil's copy) do: the same config, history and file tree.
/// <see cref="Plan"/> says, without any I/O, whether a Dockerfile qualifies and which instruction does not.
/// </summary>
public sealed class ImageAssembler(IBaseImageSource bases, BlobStore store)
{
    private const string HistoryComment = "buildkit.dockerfile.v0";
    private const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static readonly HashSet<string> Eligible = new(StringComparer.Ordinal)
    {
        "from", "copy", "add", "env", "label", "user", "workdir", "expose", "volume", "cmd", "entrypoint", "healthcheck", "stopsignal", "arg", "shell", "onbuild", "maintainer",
    };

    /// <summary>The stages a build of the target runs, in order; throws <see cref="NeedsDaemonException"/> for the first instruction that needs a daemon.</summary>
    public static DockerfilePlan Plan(string dockerfile, string? target)
    {
        var (escape, instructions) = DockerfileReader.Read(dockerfile);
        var metaArgs = instructions.TakeWhile(i => i.Keyword != "from").ToList();
        foreach (var i in metaArgs.Where(i => i.Keyword != "arg")) throw new NeedsDaemonException(i, "only ARG may come before the first FROM");
        var stages = new List<PlannedStage>();
        foreach (var instruction in instructions.Skip(metaArgs.Count))
        {
            if (instruction.Keyword == "from")
            {
                var words = instruction.Rest.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                var name = words.Length == 3 && words[1].Equals("as", StringComparison.OrdinalIgnoreCase) ? words[2].ToLowerInvariant() : null;
                stages.Add(new PlannedStage(name, instruction, new List<DockerfileInstruction>()));
            }
            else
            {
                stages[^1].Instructions.Add(instruction);
            }
        }

        var targetIndex = string.IsNullOrEmpty(target) ? stages.Count - 1 : stages.FindIndex(s => s.Name == target!.ToLowerInvariant());
        if (targetIndex < 0) throw new NeedsDaemonException(0, "--target " + target, "no stage has that name");
        var needed = new SortedSet<int>();
        void Need(int index)
        {
            if (!needed.Add(index)) return;
            var stage = stages[index];
            var baseName = stage.From.Rest.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.ToLowerInvariant();
            var byName = stages.FindIndex(0, index, s => s.Name == baseName);
            if (byName >= 0) Need(byName);
            foreach (var copy in stage.Instructions.Where(i => i.Flag("from") is not null))
            {
                var from = copy.Flag("from")!.ToLowerInvariant();
                var source = int.TryParse(from, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : stages.FindIndex(0, index, s => s.Name == from);
                if (source >= 0 && source < index) Need(source);
            }
        }

        Need(targetIndex);
        foreach (var index in needed)
        {
            foreach (var instruction in stages[index].Instructions.Prepend(stages[index].From)) Check(instruction);
        }

        return new DockerfilePlan(escape, metaArgs, stages, needed.ToList(), targetIndex);
    }

    private static void Check(DockerfileInstruction i)
    {
        if (!Eligible.Contains(i.Keyword)) throw new NeedsDaemonException(i, i.Keyword == "run" ? "RUN runs a command in a container" : "not an instruction the daemonless builder knows");
        var allowed = i.Keyword switch
        {
            "from" => new[] { "platform" },
            "copy" => new[] { "from", "chown", "chmod" },
            "add" => new[] { "chown", "chmod" },
            "healthcheck" => new[] { "interval", "timeout", "start-period", "retries" },
            _ => Array.Empty<string>(),
        };
        foreach (var flag in i.Flags.Where(f => !allowed.Contains(f.Key))) throw new NeedsDaemonException(i, $"--{flag.Key} is not supported without a daemon");
        // Engine 20.10's frontend takes a COPY --from literally ("${STAGE}" is an invalid name there; judged), newer
        // ones expand it: the daemon decides.
        if (i.Keyword == "copy" && i.Flag("from") is { } from && from.Contains('$')) throw new NeedsDaemonException(i, "a variable in --from needs the daemon");
        // --chmod as plain octal digits; a variable or a symbolic mode (which newer frontends take) is the daemon's to read.
        if (i.Flag("chmod") is { } chmod && (chmod.Length is 0 or > 5 || !chmod.All(c => c is >= '0' and <= '7') || Convert.ToInt32(chmod, 8) > 0xFFF))
        {
            throw new NeedsDaemonException(i, $"--chmod={chmod} (octal permission digits only without a daemon)");
        }
        // A '<<' in the shell form is a heredoc to newer frontends and text to older ones: the daemon decides. The exec
        // form has no heredocs in any.
        if (i.Keyword is "copy" or "add" && (i.Heredocs.Count > 0 || (i.Json is null && i.Rest.Contains("<<", StringComparison.Ordinal))))
        {
            throw new NeedsDaemonException(i, "a heredoc needs the daemon");
        }

        if (i.Keyword == "add" && (i.Json ?? SplitFields(i.Rest)).SkipLast(1).Any(s => s.Contains("://", StringComparison.Ordinal) || s.StartsWith("git@", StringComparison.Ordinal)))
        {
            throw new NeedsDaemonException(i, "ADD of a URL fetches it on the daemon");
        }
    }

    public async Task<AssembledImage> AssembleAsync(AssemblyRequest request, CancellationToken cancellationToken)
    {
        var plan = Plan(request.Dockerfile, request.Target);
        var platform = (request.Platform ?? ImagePlatform.Host).Normalize();
        var meta = MetaArguments(plan, platform, request.BuildArgs);
        var context = ContextTree(request.Context);
        var built = new Dictionary<int, StageState>();
        foreach (var index in plan.Needed)
        {
            var stage = plan.Stages[index];
            var state = await FromAsync(plan, stage, index, meta, built, platform, cancellationToken).ConfigureAwait(false);
            foreach (var trigger in Triggers(state, stage))
            {
                await DispatchAsync(plan, state, trigger, index, meta, request, context, built, cancellationToken).ConfigureAwait(false);
            }

            foreach (var instruction in stage.Instructions)
            {
                await DispatchAsync(plan, state, instruction, index, meta, request, context, built, cancellationToken).ConfigureAwait(false);
            }

            built[index] = state;
        }

        var final = built[plan.TargetIndex];
        if (request.Labels.Count > 0)
        {
            var labels = Config(final.Image)["Labels"] as JsonObject ?? new JsonObject();
            foreach (var (key, value) in request.Labels) labels[key] = value;
            Config(final.Image)["Labels"] = labels;
        }

        final.Image["created"] = Timestamp(request.Created);
        final.Image["rootfs"] = new JsonObject
        {
            ["type"] = "layers",
            ["diff_ids"] = new JsonArray(final.Layers.Select(l => (JsonNode)l.DiffId).ToArray()),
        };
        // A build that names its platform states that platform, whatever its base's config says (dockerfile2llb sets
        // the target's os, architecture and variant unless the target is implicit; judged: PlatformChoiceTests). One
        // that names none keeps its base's (an arm64 base's v8, say).
        if (request.Platform is not null)
        {
            final.Image["os"] = platform.Os;
            final.Image["architecture"] = platform.Architecture;
            final.Image["variant"] = platform.Variant;
        }

        var stated = new ImagePlatform(final.Image["os"]?.GetValue<string>() ?? platform.Os, final.Image["architecture"]?.GetValue<string>() ?? platform.Architecture,
            final.Image["variant"]?.GetValue<string>() ?? platform.Variant);
        return new AssembledImage(Ordered(final.Image), final.Layers, final.Oci, stated);
    }

    /// <summary>
    /// The ONBUILD triggers of the stage's base (an image's, or a stage's of this file), which BuildKit runs before the
    /// stage's own instructions (dockerfile2llb's initOnBuildTriggers, parsed with the default escape character) and
    /// then clears from the image. A trigger that needs a daemon makes the FROM need one.
    /// </summary>
    private static IReadOnlyList<DockerfileInstruction> Triggers(StageState state, PlannedStage stage)
    {
        var config = Config(state.Image);
        if (config["OnBuild"] is not JsonArray { Count: > 0 } triggers) return Array.Empty<DockerfileInstruction>();
        config["OnBuild"] = null;
        var instructions = new List<DockerfileInstruction>();
        foreach (var trigger in triggers.Select(t => t!.GetValue<string>()))
        {
            var (_, parsed) = DockerfileReader.Read(trigger);
            foreach (var instruction in parsed)
            {
                try
                {
                    if (instruction.Keyword is "onbuild" or "from" or "maintainer") throw new NeedsDaemonException(instruction, $"{instruction.Keyword.ToUpperInvariant()} is not allowed as a trigger");
                    Check(instruction);
                }
                catch (NeedsDaemonException e)
                {
                    throw new NeedsDaemonException(stage.From, $"its base's ONBUILD trigger '{trigger}': {e.Reason}");
                }

                // Errors in a trigger are reported at the FROM that brought it.
                instructions.Add(instruction with { Line = stage.From.Line, Index = stage.From.Index });
            }
        }

        return instructions;
    }

    /// <summary>
    /// The base images <see cref="AssembleAsync"/> will ask its <see cref="IBaseImageSource"/> for, as it will ask for
    /// them (the FROM of each stage the target needs, its arguments expanded; not scratch nor an earlier stage), and the
    /// platform it will ask for; so that they can be read before the build needs them.
    /// </summary>
    public static (IReadOnlyList<string> References, ImagePlatform Platform) BaseImages(string dockerfile, string? target, IReadOnlyDictionary<string, string> buildArgs,
        ImagePlatform? requested)
    {
        var plan = Plan(dockerfile, target);
        var platform = (requested ?? ImagePlatform.Host).Normalize();
        var meta = MetaArguments(plan, platform, buildArgs);
        var words = new ShellWords(plan.Escape, meta);
        var references = plan.Needed.Select(index => FromTarget(plan, index, words))
            .Where(from => from.Stage < 0 && !from.Reference.Equals("scratch", StringComparison.OrdinalIgnoreCase))
            .Select(from => from.Reference).Distinct(StringComparer.Ordinal).ToList();
        return (references, platform);
    }

    private static Dictionary<string, string> MetaArguments(DockerfilePlan plan, ImagePlatform platform, IReadOnlyDictionary<string, string> buildArgs)
    {
        var meta = BuiltinArgs(platform);
        foreach (var argument in plan.MetaArgs.SelectMany(a => ArgumentLine.Declare(a, plan.Escape, meta.GetValueOrDefault, buildArgs, null)))
        {
            if (argument.Value is not null) meta[argument.Name] = argument.Value;
            else meta.Remove(argument.Name);
        }

        return meta;
    }

    /// <summary>What a stage's FROM names, its arguments expanded, and the earlier stage that is (-1: an image or scratch).</summary>
    private static (string Reference, int Stage) FromTarget(DockerfilePlan plan, int index, ShellWords words)
    {
        var reference = words.Word(plan.Stages[index].From.Rest.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries)[0]);
        return (reference, plan.Stages.FindIndex(0, index, s => s.Name == reference.ToLowerInvariant()));
    }

    /// <summary>An image a FROM or COPY --from names; a failure to read it names that instruction.</summary>
    private async Task<BaseImage> ReadImageAsync(string reference, ImagePlatform platform, DockerfileInstruction instruction, CancellationToken cancellationToken)
    {
        try
        {
            return await bases.GetAsync(reference, platform, cancellationToken).ConfigureAwait(false);
        }
        catch (ImageDslException e) when (e.Instruction is null)
        {
            throw e.AtInstruction(instruction.Index);
        }
    }

    private async Task<StageState> FromAsync(DockerfilePlan plan, PlannedStage stage, int index, Dictionary<string, string> meta, Dictionary<int, StageState> built,
        ImagePlatform platform, CancellationToken cancellationToken)
    {
        var words = new ShellWords(plan.Escape, meta);
        var (reference, byName) = FromTarget(plan, index, words);
        // BuildKit reads a FROM's --platform without normalizing it (linux/arm stays without a variant, and a FROM
        // scratch states it so): only one that reads as the target itself is the same build.
        if (stage.From.Flag("platform") is { } wanted && ImagePlatform.ParseAsWritten(words.Word(wanted)) is var other && other != platform)
        {
            throw new NeedsDaemonException(stage.From, $"FROM --platform={other} differs from the platform being built ({platform})");
        }

        StageState state;
        if (byName >= 0)
        {
            state = built[byName].Copy();
            state.CmdSet = false;
        }
        else if (reference.Equals("scratch", StringComparison.OrdinalIgnoreCase))
        {
            var image = new JsonObject
            {
                ["architecture"] = platform.Architecture,
                ["os"] = platform.Os,
                ["config"] = new JsonObject { ["Env"] = new JsonArray(DefaultPath), ["WorkingDir"] = "/" },
                ["rootfs"] = new JsonObject { ["type"] = "layers" },
                ["history"] = new JsonArray(),
            };
            if (platform.Variant is not null) image["variant"] = platform.Variant;
            state = new StageState(image, new List<ImageLayer>(), new FileTree(), false);
        }
        else
        {
            var baseImage = await ReadImageAsync(reference, platform, stage.From, cancellationToken).ConfigureAwait(false);
            var tree = new FileTree();
            // Each layer's entry list read (or, the first time, scanned from the blob) on its own thread; applied in order.
            await Task.WhenAll(baseImage.Layers.Select(layer => Task.Run(() => LayerIndex.Read(layer.BlobPath!), cancellationToken))).ConfigureAwait(false);
            foreach (var layer in baseImage.Layers) tree.Apply(layer.BlobPath!);
            var image = (JsonObject)baseImage.Config.DeepClone();
            image["history"] ??= new JsonArray();
            state = new StageState(image, baseImage.Layers.ToList(), tree, baseImage.Oci) { BaseReference = reference };
        }

        foreach (var env in (Config(state.Image)["Env"] as JsonArray ?? new JsonArray()).Select(e => e!.GetValue<string>()))
        {
            var (name, value) = EnvEntry.Split(env);
            state.Variables[name] = value;
        }

        return state;
    }

    private async Task DispatchAsync(DockerfilePlan plan, StageState state, DockerfileInstruction i, int index, Dictionary<string, string> meta, AssemblyRequest request,
        FileTree context, Dictionary<int, StageState> built, CancellationToken cancellationToken)
    {
        var words = new ShellWords(plan.Escape, name => Lookup(state, i, name));
        var config = Config(state.Image);
        switch (i.Keyword)
        {
            case "env":
            {
                var pairs = DockerfileReader.NameValues(i, plan.Escape).Select(p => (Key: words.Word(p.Key), Value: words.Word(p.Value))).ToList();
                var env = config["Env"] as JsonArray ?? new JsonArray();
                var list = env.Select(e => e!.GetValue<string>()).ToList();
                foreach (var (key, value) in pairs)
                {
                    state.Variables[key] = value;
                    var at = list.FindIndex(e => EnvEntry.NameOf(e) == key);
                    if (at >= 0) list[at] = key + "=" + value;
                    else list.Add(key + "=" + value);
                }

                config["Env"] = new JsonArray(list.Select(e => (JsonNode)e).ToArray());
                History(state, "ENV " + string.Join(" ", pairs.Select(p => p.Key + "=" + p.Value)), false, request);
                break;
            }

            case "label":
            {
                var pairs = DockerfileReader.NameValues(i, plan.Escape).Select(p => (Key: words.Word(p.Key), Value: words.Word(p.Value))).ToList();
                var labels = config["Labels"] as JsonObject ?? new JsonObject();
                foreach (var (key, value) in pairs) labels[key] = value;
                config["Labels"] = labels;
                History(state, "LABEL " + string.Join(" ", pairs.Select(p => p.Key + "=" + p.Value)), false, request);
                break;
            }

            case "arg":
            {
                var declared = ArgumentLine.Declare(i, plan.Escape, name => Lookup(state, i, name), request.BuildArgs, meta.GetValueOrDefault);
                foreach (var argument in declared)
                {
                    // BuildKit adds an argument with a value to the stage's variables: set after an inherited ENV, it wins.
                    state.Arguments[argument.Name] = argument.Value;
                    if (argument.Value is not null) state.Variables[argument.Name] = argument.Value;
                }

                History(state, "ARG " + string.Join(" ", declared.Select(a => a.Default is null ? a.Name : a.Name + "=" + a.Default)), false, request);
                break;
            }

            case "workdir":
            {
                // dispatchWorkdir: an absolute path is kept as written (expanded, not cleaned: /a//b/ stays so), a relative
                // one is joined to the current directory (path.Join cleans); the directory made is the cleaned path.
                var path = words.Word(i.Rest);
                var workdir = path.StartsWith('/') ? FileTree.Clean(path) : FileTree.Clean((config["WorkingDir"]?.GetValue<string>() ?? "") + "/" + path);
                var written = path.StartsWith('/') ? path : "/" + workdir;
                config["WorkingDir"] = written;
                var withLayer = workdir.Length > 0;
                if (withLayer)
                {
                    var (uid, gid) = Owner(state, config["User"]?.GetValue<string>(), i);
                    var changed = new Dictionary<string, TreeEntry>(StringComparer.Ordinal);
                    MkdirAll(state.Tree, workdir, uid, gid, changed);
                    await AddLayerAsync(state, changed, request, cancellationToken).ConfigureAwait(false);
                }

                History(state, "WORKDIR " + written, withLayer, request);
                break;
            }

            case "user":
                config["User"] = words.Word(i.Rest);
                History(state, "USER " + config["User"]!.GetValue<string>(), false, request);
                break;

            case "expose":
            {
                var ports = config["ExposedPorts"] as JsonObject ?? new JsonObject();
                var added = new SortedSet<string>(StringComparer.Ordinal);
                foreach (var word in SplitFields(i.Rest).SelectMany(words.Words))
                {
                    // As nat.ParsePortSpec reads it: the number in 16 bits (080 is 80), the protocol lowercased and one of three.
                    var slash = word.IndexOf('/');
                    var protocol = slash < 0 ? "tcp" : word.Substring(slash + 1).ToLowerInvariant();
                    if (!ushort.TryParse(slash < 0 ? word : word.Substring(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                        || protocol is not ("tcp" or "udp" or "sctp"))
                    {
                        throw new NeedsDaemonException(i, $"the port '{word}' (a range, an address, or what docker refuses: the daemon answers it)");
                    }

                    var port = number.ToString(CultureInfo.InvariantCulture) + "/" + protocol;
                    added.Add(port);
                    ports[port] = new JsonObject();
                }

                config["ExposedPorts"] = ports;
                History(state, "EXPOSE map[" + string.Join(" ", added.Select(p => p + ":{}")) + "]", false, request);
                break;
            }

            case "volume":
            {
                var volumes = config["Volumes"] as JsonObject ?? new JsonObject();
                // Each path trimmed as instructions.parseVolume trims it (strings.TrimSpace: .NET's Trim() removes the same blanks).
                var paths = (i.Json ?? SplitFields(i.Rest)).Select(words.Word).Select(p => p.Trim()).ToList();
                foreach (var path in paths) volumes[path] = new JsonObject();
                config["Volumes"] = volumes;
                History(state, "VOLUME " + GoText.List(paths), false, request);
                break;
            }

            case "cmd":
            {
                var args = Command(i, config);
                config["Cmd"] = NullIfEmpty(args);
                config["ArgsEscaped"] = true;
                state.CmdSet = true;
                History(state, "CMD " + GoText.QuotedList(args), false, request);
                break;
            }

            case "entrypoint":
            {
                var args = Command(i, config);
                config["Entrypoint"] = NullIfEmpty(args);
                if (!state.CmdSet) config.Remove("Cmd");
                History(state, "ENTRYPOINT " + GoText.QuotedList(args), false, request);
                break;
            }

            case "shell":
                if (i.Json is null) throw new NeedsDaemonException(i, "SHELL takes the JSON form");
                config["Shell"] = Strings(i.Json);
                History(state, "SHELL " + GoText.List(i.Json), false, request);
                break;

            case "stopsignal":
                config["StopSignal"] = words.Word(i.Rest);
                History(state, "STOPSIGNAL " + config["StopSignal"]!.GetValue<string>(), false, request);
                break;

            case "maintainer":
                state.Image["author"] = i.Rest;
                History(state, "MAINTAINER " + i.Rest, false, request);
                break;

            case "onbuild":
            {
                var onBuild = config["OnBuild"] as JsonArray ?? new JsonArray();
                onBuild.Add(i.Rest);
                config["OnBuild"] = onBuild;
                break;
            }

            case "healthcheck":
                Healthcheck(state, i, config, request);
                break;

            case "copy":
            case "add":
                await CopyAsync(plan, state, i, index, request, context, built, words, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private void Healthcheck(StageState state, DockerfileInstruction i, JsonObject config, AssemblyRequest request)
    {
        var rest = i.Rest;
        var keyword = rest.Split(new[] { ' ', '\t' }, 2)[0].ToUpperInvariant();
        List<string> test;
        if (keyword == "NONE")
        {
            test = new List<string> { "NONE" };
        }
        else if (keyword == "CMD")
        {
            var command = rest.Substring(3).TrimStart(' ', '\t');
            var json = command.StartsWith('[') ? DockerfileReaderJson(command) : null;
            test = json is not null ? new List<string> { "CMD" }.Concat(json).ToList() : new List<string> { "CMD-SHELL", command };
        }
        else
        {
            throw new NeedsDaemonException(i, "HEALTHCHECK takes CMD or NONE");
        }

        long Duration(string name) => i.Flag(name) is { } text ? GoText.ParseDuration(text) : 0;
        var interval = Duration("interval");
        var timeout = Duration("timeout");
        var startPeriod = Duration("start-period");
        var retries = i.Flag("retries") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 0;
        var health = new JsonObject { ["Test"] = Strings(test) };
        if (interval != 0) health["Interval"] = interval;
        if (timeout != 0) health["Timeout"] = timeout;
        if (startPeriod != 0) health["StartPeriod"] = startPeriod;
        if (retries != 0) health["Retries"] = retries;
        config["Healthcheck"] = health;
        History(state, $"HEALTHCHECK &{{{GoText.QuotedList(test)} {GoText.Quote(GoText.Duration(interval))} {GoText.Quote(GoText.Duration(timeout))} {GoText.Quote(GoText.Duration(startPeriod))} {GoText.QuoteRune(retries)}}}",
            false, request);
    }

    private static IReadOnlyList<string>? DockerfileReaderJson(string text) => DockerfileReader.Read("CMD " + text).Instructions.Single().Json;

    // CMD/ENTRYPOINT: the exec form as written; the shell form wrapped in the stage's SHELL (default /bin/sh -c).
    // An empty JSON form (CMD [], ENTRYPOINT []) is no argument at all to BuildKit's parser: the config says null, not [] (judged).
    private static JsonArray? NullIfEmpty(IReadOnlyList<string> args) => args.Count == 0 ? null : Strings(args);

    private static IReadOnlyList<string> Command(DockerfileInstruction i, JsonObject config)
    {
        if (i.Json is not null) return i.Json;
        var shell = config["Shell"] is JsonArray s && s.Count > 0 ? s.Select(e => e!.GetValue<string>()).ToList() : new List<string> { "/bin/sh", "-c" };
        return shell.Append(i.Rest).ToList();
    }

    private async Task CopyAsync(DockerfilePlan plan, StageState state, DockerfileInstruction i, int index, AssemblyRequest request, FileTree context,
        Dictionary<int, StageState> built, ShellWords words, CancellationToken cancellationToken)
    {
        var args = (i.Json ?? SplitFields(i.Rest)).Select(words.Word).ToList();
        if (args.Count < 2) throw new NeedsDaemonException(i, "COPY needs a source and a destination");
        var sources = args.Take(args.Count - 1).ToList();
        var dest = args[^1];
        var source = context;
        if (i.Flag("from") is { } fromText)
        {
            var from = words.Word(fromText).ToLowerInvariant();
            var stage = int.TryParse(from, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : plan.Stages.FindIndex(0, index, s => s.Name == from);
            if (stage < 0 || !built.TryGetValue(stage, out var sourceStage))
            {
                // An image named in --from: its file system, fetched like a base image.
                var image = await ReadImageAsync(from, (request.Platform ?? ImagePlatform.Host).Normalize(), i, cancellationToken).ConfigureAwait(false);
                var imageTree = new FileTree();
                foreach (var layer in image.Layers) imageTree.Apply(layer.BlobPath!);
                source = imageTree;
            }
            else
            {
                source = sourceStage.Tree;
            }
        }

        var (uid, gid) = i.Flag("chown") is { } chown ? Owner(state, words.Word(chown), i) : (0, 0);
        int? mode = i.Flag("chmod") is { } chmod ? Convert.ToInt32(chmod, 8) : null;
        var workdir = FileTree.Clean(Config(state.Image)["WorkingDir"]?.GetValue<string>() ?? "");
        var destRequiresDir = dest == "." || dest.Length == 0 || dest.EndsWith('/');
        var destPath = dest.StartsWith('/') ? FileTree.Clean(dest) : FileTree.Clean(workdir + "/" + dest);
        var changed = new Dictionary<string, TreeEntry>(StringComparer.Ordinal);
        var tree = state.Tree;
        foreach (var src in sources)
        {
            var clean = FileTree.Clean(src);
            IEnumerable<string> matches;
            if (PathPattern.ContainsWildcards(clean))
            {
                matches = source.Entries.Keys.Where(k => PathPattern.Match(clean, k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
            }
            else
            {
                matches = new[] { clean };
            }

            foreach (var match in matches)
            {
                var followed = source.Resolve(match);
                var entry = followed.Length == 0 ? new TreeEntry(TarEntryType.Directory, 0x1ED, 0, 0, null, null) : source[followed];
                if (entry is null) throw new ContextSourceMissingException(i.Line, src);
                if (i.Keyword == "add" && IsArchive(source, followed, entry)) throw new NeedsDaemonException(i, $"ADD extracts the archive '{match}' (tar, gzip, bzip2 or xz) on the daemon");
                var target = tree.ResolveParents(destPath);
                if (destRequiresDir) MkdirAll(tree, target, uid, gid, changed);
                // BuildKit follows every symlink of the destination it is given, the last one too (fsutil's Copy: fs.RootPath),
                // so a COPY onto a symlink writes where it points; a name joined to that destination is not followed.
                target = tree.Resolve(target);
                var targetIsDir = tree[target]?.Type == TarEntryType.Directory || (target.Length == 0);
                if (entry.Type != TarEntryType.Directory && targetIsDir) target = FileTree.Join(target, match.Split('/')[^1]);
                var parent = target.Contains('/') ? target.Substring(0, target.LastIndexOf('/')) : "";
                MkdirAll(tree, parent, uid, gid, changed);
                // BuildKit keeps the names of one file linked within what one source copies (fsutil's copier links a
                // file it has copied under another name), not across sources.
                CopyEntry(source, followed, entry, target, uid, gid, mode, tree, changed, new Dictionary<HardLinkGroup, HardLinkGroup>(), root: true);
            }
        }

        await AddLayerAsync(state, changed, request, cancellationToken).ConfigureAwait(false);
        History(state, $"{i.Keyword.ToUpperInvariant()} {string.Join(" ", sources)} {dest} # buildkit", true, request);
    }

    /// <summary>
    /// Whether ADD would try to unpack this source (<see cref="Files.ArchiveFormat"/>) — in a copied directory too. Not
    /// implemented here: refused.
    /// </summary>
    private static bool IsArchive(FileTree source, string path, TreeEntry entry)
    {
        if (entry.Type == TarEntryType.Directory) return source.Children(path).Any(c => IsArchive(source, c.Path, c.Entry));
        if (entry.Type != TarEntryType.RegularFile || entry.Source is null) return false;
        using var stream = entry.Source.Open();
        return Files.ArchiveFormat.IsArchive(stream);
    }

    private static void CopyEntry(FileTree source, string sourcePath, TreeEntry entry, string target, int uid, int gid, int? mode, FileTree tree,
        Dictionary<string, TreeEntry> changed, Dictionary<HardLinkGroup, HardLinkGroup> links, bool root)
    {
        if (entry.Type == TarEntryType.Directory)
        {
            if (root)
            {
                // The directory whose contents are copied: created like a parent (0755, the --chown owner) when missing.
                MkdirAll(tree, target, uid, gid, changed);
            }
            else
            {
                Put(tree, changed, target, entry with { Mode = Chmod(entry.Mode, mode), Uid = uid, Gid = gid, Source = null });
            }

            foreach (var (childPath, child) in source.Children(sourcePath))
            {
                var name = childPath.Substring(childPath.LastIndexOf('/') + 1);
                CopyEntry(source, childPath, child, FileTree.Join(target, name), uid, gid, mode, tree, changed, links, root: false);
            }

            return;
        }

        var copied = entry.Type == TarEntryType.SymbolicLink
            ? entry with { Mode = 0x1FF, Uid = uid, Gid = gid }
            : entry with
            {
                Mode = Chmod(entry.Mode, mode), Uid = uid, Gid = gid,
                Links = entry.Links is { } group && entry.Type == TarEntryType.RegularFile ? (links.TryGetValue(group, out var copy) ? copy : links[group] = new HardLinkGroup()) : null,
            };
        Put(tree, changed, target, copied);
    }

    /// <summary>
    /// A copied entry's mode as BuildKit's copy gives it (fsutil copyFileInfo): --chmod replaces the permission bits only;
    /// the source's setuid, setgid and sticky bits stay, and those written in --chmod are dropped (Go's os.Chmod takes
    /// them from os.FileMode's own flags, not from 07000). Judged on the daemon: --chmod=4755 gives 0755.
    /// </summary>
    private static int Chmod(int source, int? chmod) => chmod is { } bits ? (source & 0xE00) | (bits & 0x1FF) : source & 0xFFF;

    private static void Put(FileTree tree, Dictionary<string, TreeEntry> changed, string? path, TreeEntry entry)
    {
        if (path is null) return;
        tree.Set(path, entry);
        changed[path] = entry;
    }

    /// <summary>Creates each missing directory of the path with mode 0755 and the given owner (BuildKit's MkdirAll with a chown).</summary>
    private static void MkdirAll(FileTree tree, string path, int uid, int gid, Dictionary<string, TreeEntry> changed)
    {
        if (path.Length == 0) return;
        var resolved = "";
        foreach (var part in path.Split('/'))
        {
            resolved = tree.Resolve(FileTree.Join(resolved, part));
            if (tree[resolved] is null) Put(tree, changed, resolved, new TreeEntry(TarEntryType.Directory, 0x1ED, uid, gid, null, null));
        }
    }

    /// <summary>A layer of what changed, with every parent directory as the tree has it (as a snapshot diff has them).</summary>
    private async Task AddLayerAsync(StageState state, Dictionary<string, TreeEntry> changed, AssemblyRequest request, CancellationToken cancellationToken)
    {
        var entries = new Dictionary<string, TreeEntry>(changed, StringComparer.Ordinal);
        foreach (var path in changed.Keys)
        {
            for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
            {
                var parent = path.Substring(0, slash);
                if (!entries.ContainsKey(parent) && state.Tree[parent] is { } existing) entries[parent] = existing;
            }
        }

        var written = await LayerWriter.WriteAsync(entries.Select(e => (e.Key, e.Value)), request.FileTime, store, cancellationToken).ConfigureAwait(false);
        state.Layers.Add(new ImageLayer(state.Oci ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.docker.image.rootfs.diff.tar.gzip",
            written.Digest, written.Size, written.DiffId, written.BlobPath, null, null));
    }

    /// <summary>A --chown or USER value as numbers: uid[:gid] as given, names looked up in the stage's /etc/passwd and /etc/group.</summary>
    private static (int Uid, int Gid) Owner(StageState state, string? user, DockerfileInstruction i)
    {
        if (string.IsNullOrEmpty(user)) return (0, 0);
        var parts = user.Split(':', 2);
        int Lookup(string name, string file, bool isUser)
        {
            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return id;
            var entry = state.Tree[state.Tree.Resolve(file)];
            if (entry?.Source is null) throw new NeedsDaemonException(i, $"'{name}' is not a number and the image has no /{file}");
            using var reader = new StreamReader(entry.Source.Open());
            while (reader.ReadLine() is { } line)
            {
                var fields = line.Split(':');
                if (fields.Length > 3 && fields[0] == name) return int.Parse(fields[2], CultureInfo.InvariantCulture);
            }

            throw new NeedsDaemonException(i, $"no {(isUser ? "user" : "group")} '{name}' in /{file}");
        }

        var uid = Lookup(parts[0], "etc/passwd", true);
        if (parts.Length == 2) return (uid, Lookup(parts[1], "etc/group", false));
        // A user without a group, as BuildKit's file operation reads it: a number is that id for both (/etc/passwd is not
        // asked, whatever primary group it lists for that uid); a name takes the user's primary group from /etc/passwd.
        if (int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out _)) return (uid, uid);
        using var reader = new StreamReader(state.Tree[state.Tree.Resolve("etc/passwd")]!.Source!.Open());
        while (reader.ReadLine() is { } line)
        {
            var fields = line.Split(':');
            if (fields.Length > 3 && fields[0] == parts[0]) return (uid, int.Parse(fields[3], CultureInfo.InvariantCulture));
        }

        return (uid, uid);
    }

    private static void History(StageState state, string createdBy, bool withLayer, AssemblyRequest request)
    {
        var entry = new JsonObject { ["created"] = Timestamp(request.Created), ["created_by"] = createdBy, ["comment"] = HistoryComment };
        if (!withLayer) entry["empty_layer"] = true;
        ((JsonArray)state.Image["history"]!).Add(entry);
    }

    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static JsonObject Config(JsonObject image)
    {
        if (image["config"] is JsonObject config) return config;
        config = new JsonObject();
        image["config"] = config;
        return config;
    }

    private static JsonArray Strings(IEnumerable<string> items) => new(items.Select(s => (JsonNode)s).ToArray());

    // The config's fields in the order Go's encoder writes them, so that the same image is always the same bytes.
    private static readonly string[] ConfigOrder = { "Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "ExposedPorts", "Tty", "OpenStdin", "StdinOnce",
        "Env", "Entrypoint", "Cmd", "Healthcheck", "ArgsEscaped", "Image", "Volumes", "WorkingDir", "NetworkDisabled", "MacAddress", "OnBuild", "Labels", "StopSignal", "StopTimeout", "Shell" };

    private static readonly string[] ImageOrder = { "architecture", "author", "config", "container", "container_config", "created", "docker_version", "history", "os", "os.version", "os.features", "rootfs", "variant" };

    private static JsonObject Ordered(JsonObject image)
    {
        var config = Config(image);
        var orderedConfig = Reorder(config, ConfigOrder);
        image["config"] = null;
        var result = Reorder(image, ImageOrder);
        result["config"] = orderedConfig;
        return Reorder(result, ImageOrder);
    }

    private static JsonObject Reorder(JsonObject source, string[] order)
    {
        var result = new JsonObject();
        var keys = source.Select(p => p.Key).OrderBy(k => Array.IndexOf(order, k) is var at && at >= 0 ? at : order.Length).ThenBy(k => k, StringComparer.Ordinal).ToList();
        foreach (var key in keys)
        {
            var value = source[key];
            source.Remove(key);
            if (value is not null) result[key] = value;
        }

        return result;
    }

    private static Dictionary<string, string> BuiltinArgs(ImagePlatform platform)
    {
        var host = ImagePlatform.Host;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["TARGETPLATFORM"] = platform.ToString(), ["TARGETOS"] = platform.Os, ["TARGETARCH"] = platform.Architecture, ["TARGETVARIANT"] = platform.Variant ?? "",
            ["BUILDPLATFORM"] = host.ToString(), ["BUILDOS"] = host.Os, ["BUILDARCH"] = host.Architecture, ["BUILDVARIANT"] = host.Variant ?? "",
        };
    }

    /// <summary>
    /// A variable as BuildKit expands it: whichever of the environment and a build argument with a value was set last
    /// (an ARG adds its value to the stage's variables). A declared argument without a value adds nothing, so an
    /// inherited variable of its name would be expanded where the definition means the argument (empty): refused
    /// (<see cref="ArgumentHiddenException"/>).
    /// </summary>
    private static string? Lookup(StageState state, DockerfileInstruction i, string name)
    {
        var found = state.Variables.TryGetValue(name, out var variable);
        if (found && variable!.Length > 0 && state.Arguments.TryGetValue(name, out var argument) && argument is null)
        {
            throw new ArgumentHiddenException(i, name, state.BaseReference);
        }

        return found ? variable : null;
    }

    private static List<string> SplitFields(string text) => text.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries).ToList();

    private static FileTree ContextTree(IReadOnlyList<ContextEntry> entries)
    {
        var tree = new FileTree();
        var files = new Dictionary<ulong, HardLinkGroup>();
        foreach (var entry in entries)
        {
            var type = entry.Type;
            // The names of one file, as the daemon receives them (HardLinks): a copy keeps them linked.
            var links = type == TarEntryType.RegularFile && entry.Links > 1 ? (files.TryGetValue(entry.Inode, out var group) ? group : files[entry.Inode] = new HardLinkGroup()) : null;
            tree.Set(entry.RelativePath, new TreeEntry(type, (int)entry.Mode, 0, 0, entry.LinkTarget,
                type == TarEntryType.RegularFile ? new ContextFileSource(entry.FullPath, entry.Length) : null) { Links = links });
        }

        return tree;
    }

    private sealed class StageState(JsonObject image, List<ImageLayer> layers, FileTree tree, bool oci)
    {
        public JsonObject Image { get; } = image;
        public List<ImageLayer> Layers { get; } = layers;
        public FileTree Tree { get; } = tree;
        public bool Oci { get; } = oci;
        public bool CmdSet { get; set; }
        /// <summary>The stage's environment (its image's Env as far as built).</summary>
        public Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal);
        /// <summary>The build arguments the stage has declared, with their values (null: declared, no value).</summary>
        public Dictionary<string, string?> Arguments { get; } = new(StringComparer.Ordinal);

        /// <summary>The image the stage (or the stage it starts from) is FROM.</summary>
        public string BaseReference { get; set; } = "scratch";

        public StageState Copy() => new((JsonObject)Image.DeepClone(), Layers.ToList(), Tree.Clone(), Oci) { BaseReference = BaseReference };
    }
}

/// <summary>A stage: its name, its FROM and its instructions.</summary>
public sealed record PlannedStage(string? Name, DockerfileInstruction From, List<DockerfileInstruction> Instructions);

/// <summary>The stages of a Dockerfile, the ones a build of the target needs (in order), and the global ARGs.</summary>
public sealed record DockerfilePlan(char Escape, IReadOnlyList<DockerfileInstruction> MetaArgs, List<PlannedStage> Stages, IReadOnlyList<int> Needed, int TargetIndex);

/// <summary>A COPY source that is not in the context (or the stage it copies from).</summary>
public sealed class ContextSourceMissingException(int line, string path) : Exception($"line {line}: {path}: not found")
{
    public int Line { get; } = line;
    public string Path { get; } = path;
}
