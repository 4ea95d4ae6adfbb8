using ImageDsl.Build.Context;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Metadata;
using ImageDsl.Build.Parsing;
using ImageDsl.Build.Registry;

namespace ImageDsl.Build.Docker;

/// <summary>
/// Where the classic builder builds a different image than BuildKit from the same Dockerfile — not an error there,
/// just another image — so a definition written for one would silently change with the builder. Each was seen on this
/// project's daemon (Docker Engine 20.10), with both builders building the same Dockerfile; the daemonless builder
/// does what BuildKit does. Checked before a classic build, each is IMAGEDSL2030 at the C# line of the instruction:
/// <list type="bullet">
/// <item>BuildKit's automatic platform arguments: <c>ARG TARGETARCH</c> declared without a default gets the
/// platform's value from BuildKit and stays empty with the classic builder (dockerfile2llb's platform args); a
/// <c>FROM --platform=$BUILDPLATFORM</c> cannot even be parsed there. Passing the value makes them agree.</item>
/// <item>A WORKDIR under a user other than root: BuildKit creates the directories it makes owned by that user
/// (dispatchWorkdir: mkdir with the image's user), the classic builder owned by root. A WORKDIR before the USER (or
/// under root) makes them agree; a directory the base image has (read from the daemon) or the stage made passes.</item>
/// <item>A RUN after a VOLUME (of the stage, a stage it starts from, or the base image): the classic builder runs it
/// with a volume at that path and drops what it writes there (and leaves the volume's directories in the image), while
/// BuildKit keeps what it writes (and creates no directory). A VOLUME after the RUN steps makes them agree.</item>
/// <item>A COPY or ADD <c>--chown=name</c> without a group: BuildKit takes the user's primary group from /etc/passwd, the
/// classic builder the group of the same name from /etc/group (parseChownFlag uses the user as the group). Naming the
/// group, or a numeric user, makes them agree.</item>
/// <item>An ADD --chown of a local archive: BuildKit creates the destination directory it unpacks into owned by the
/// --chown owner, the classic builder owned by root. An ADD without --chown makes them agree.</item>
/// <item>A COPY or ADD of a context directory with --chown into a destination whose parents are missing: BuildKit
/// creates them owned by the owner, the classic builder's copyDirectory owned by root. Known missing when the base image
/// lacks them and the stage did not make them (after a RUN nothing is known). Creating them first makes them agree.</item>
/// <item>A COPY or ADD of a context file with the setuid bit (or setgid with group execute): the classic builder changes
/// the owner of every file it copies afterwards (fixPermissions), and the kernel clears those bits on a chown; BuildKit
/// keeps them. Setting the bit with a RUN chmod after the copy makes them agree. The same holds for a COPY --from
/// --chown of such a file (without --chown both keep the bits), which cannot be seen before the build (the files are
/// another stage's or image's): documented.</item>
/// <item><c>CMD []</c> (<c>ResetCmd()</c>) in a stage the image stands on: BuildKit's image records no command (null),
/// the classic builder's an empty one — unless a later CMD on the image's way sets one, or a later ENTRYPOINT clears it
/// (to null with both builders; not in a stage whose earlier CMD with arguments the classic builder counts as its
/// own command, which an ENTRYPOINT keeps). Building with BuildKit makes them agree.</item>
/// <item>A build that names its platform: BuildKit's image states that platform (normalized) and, where a base index
/// lacks it, stands on the nearest variant in containerd's order; the classic builder's states its base's platform as
/// written (for FROM scratch the daemon's) and picks by its own order. Refused when a base's config (or that of an
/// image a COPY --from names) states another platform, or the image is FROM scratch for another platform than the
/// daemon's.</item>
/// </list>
/// </summary>
public static class ClassicBuilderDifferences
{
    // BuildKit's automatic platform arguments (dockerfile2llb: platform args), which the classic builder does not define.
    private static readonly string[] AutomaticArguments =
    {
        "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
    };

    /// <summary>
    /// Throws IMAGEDSL2030 for the first instruction the classic builder would build differently. <paramref name="configOf"/>
    /// gives a base image's config (null when it cannot be read: then the stage's own instructions count);
    /// <paramref name="context"/> what the sources of a COPY or ADD name in the build context.
    /// </summary>
    /// <param name="baseHas">
    /// Whether a base image (by reference) has a directory at an absolute path: null when that cannot be known (the
    /// daemon lacks the image). Without it, nothing of the base's file system is known.
    /// </param>
    /// <param name="platforms">
    /// For a build that names its platform: that platform (as BuildKit normalizes it) and the daemon's own.
    /// </param>
    public static async Task CheckAsync(string imageName, string dockerfile, string? target, IReadOnlyDictionary<string, string> buildArgs, ImageManifest manifest,
        Func<string, Task<BaseImageConfig?>> configOf, ContextSources context, string? projectDirectory, Func<string, string, Task<bool?>>? baseHas = null,
        (ImagePlatform Named, ImagePlatform Daemon)? platforms = null)
    {
        var (escape, instructions) = DockerfileReader.Read(dockerfile);
        // The stage whose image is built, and the platform each stage's image states with the classic builder (null: unknown).
        var stageNames = instructions.Where(i => i.Keyword == "from").Select(StageName).ToList();
        var finalStage = target is null ? stageNames.Count - 1 : stageNames.FindIndex(n => string.Equals(n, target, StringComparison.OrdinalIgnoreCase));
        // The stages the built image's config comes from: the final one and, through FROM, each stage it is built on.
        var imageStages = InheritedStages(instructions, stageNames, finalStage);
        var statedPlatforms = new Dictionary<string, ImagePlatform?>(StringComparer.OrdinalIgnoreCase);
        ImagePlatform? stated = null;
        var stageSettings = new Dictionary<string, (string? User, string? Volume, List<string> Triggers)>(StringComparer.OrdinalIgnoreCase);
        var ownTriggers = new List<string>();
        var stage = -1;
        string? user = null, volume = null, stageName = null;
        // What the stage's file system is known to hold: the base image (null when it is another stage), the directories
        // the stage's own COPY, ADD and WORKDIR made, the stage's WORKDIR (null: the base's, unknown), and whether a RUN
        // could have made anything else.
        string? baseReference = null, workdir = null;
        var made = new HashSet<string>(StringComparer.Ordinal);
        var ran = false;
        // A CMD [] on the image's way that nothing after it has made agree yet (reported at the end), and whether the
        // stage has set a command as the classic builder counts it (a CMD with arguments: an ENTRYPOINT then keeps the
        // command; otherwise it clears it, to null with both builders).
        ImageDslException? reset = null;
        var cmdSet = false;
        // The values of the global build arguments, and of those the current stage declares: what ${NAME} in a source is.
        var global = new Dictionary<string, string>(StringComparer.Ordinal);
        var declared = global;
        foreach (var instruction in instructions)
        {
            if (instruction.Keyword == "from")
            {
                // The classic builder runs every stage up to the target, and none after it.
                if (target is not null && string.Equals(stageName, target, StringComparison.OrdinalIgnoreCase)) break;
                stage++;
                cmdSet = false;
                declared = new Dictionary<string, string>(StringComparer.Ordinal);
                ownTriggers = new List<string>();
                var words = instruction.Rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                IReadOnlyList<DockerfileInstruction> triggers = Array.Empty<DockerfileInstruction>();
                (baseReference, workdir, ran) = (null, null, true);
                made.Clear();
                if (words.Length > 0 && stageSettings.TryGetValue(words[0], out var inherited))
                {
                    // A stage of this file: its ONBUILD triggers run here (those of its own base ran there, and are gone).
                    (user, volume) = (inherited.User, inherited.Volume);
                    triggers = new BaseImageConfig(Array.Empty<string>(), null, Array.Empty<string>(), inherited.Triggers).Triggers;
                    stated = statedPlatforms.GetValueOrDefault(words[0]);
                }
                else
                {
                    var reference = stage < manifest.Stages.Count && manifest.Stages[stage].BaseImage is { } parts ? PathPart.Resolve(parts, buildArgs) : null;
                    var scratch = string.Equals(reference, "scratch", StringComparison.OrdinalIgnoreCase);
                    var config = reference is not null && !scratch ? await configOf(reference).ConfigureAwait(false) : null;
                    (user, volume, triggers) = (config?.User, config?.Volumes.FirstOrDefault(), config?.Triggers ?? triggers);
                    (baseReference, ran) = (reference, false);
                    if (scratch) workdir = "/";
                    stated = scratch ? platforms?.Daemon : config?.Platform;
                    if (platforms is var (named, _) && !scratch && config?.Platform is { } offered && offered.Normalize() != named)
                    {
                        throw Difference(imageName, $"builds for {named} from {reference}, whose image is for {offered}", "line " + instruction.Line, instruction.Original,
                            $"where a base has no image for the platform itself, BuildKit takes the nearest one in containerd's order (for arm v7: v7, v6, v5) and the classic builder its own, and the image states {named} with BuildKit and the base's platform with the classic builder",
                            $"Build with BuildKit (ImageDslBuilder=buildkit or auto), or from a base that has an image for {named}", Locate(manifest, instruction, projectDirectory));
                    }
                }

                // The image states the platform built for with BuildKit; with the classic builder its base's (a FROM
                // scratch: the daemon's own).
                if (stage == finalStage && platforms is var (builtFor, _) && stated is { } own && own != builtFor)
                {
                    throw Difference(imageName, $"builds for {builtFor}", "line " + instruction.Line, instruction.Original,
                        $"BuildKit's image states {builtFor}, the classic builder's {own} (its base image's platform as written there; for FROM scratch the daemon's own)",
                        "Build with BuildKit (ImageDslBuilder=buildkit or auto), or without naming the platform (ImageDslPlatform)", Locate(manifest, instruction, projectDirectory));
                }

                foreach (var name in AutomaticArguments.Where(a => instruction.Flag("platform") is { } platform && References(platform, a)))
                {
                    if (buildArgs.ContainsKey(name)) continue;
                    var (what, how, wayOut) = AutomaticArgument(name);
                    throw Difference(imageName, what, "line " + instruction.Line, instruction.Original, how, wayOut, Locate(manifest, instruction, projectDirectory));
                }

                stageName = StageName(instruction);
                // The base's ONBUILD triggers run first, as if they were the stage's first instructions; what they do
                // differently is reported at the FROM.
                foreach (var trigger in triggers) await CheckAsync(trigger, trigger.Original, instruction, '\\').ConfigureAwait(false);
            }
            else
            {
                await CheckAsync(instruction, instruction.Original, instruction, escape).ConfigureAwait(false);
            }

            // What a later FROM of this stage starts with.
            if (stageName is not null)
            {
                stageSettings[stageName] = (user, volume, ownTriggers);
                statedPlatforms[stageName] = stated;
            }
        }

        if (reset is not null) throw reset;

        // One instruction of the stage, or a trigger of its base run at the FROM line at (and reported there).
        async Task CheckAsync(DockerfileInstruction instruction, string text, DockerfileInstruction at, char instructionEscape)
        {
            var where = ReferenceEquals(instruction, at) ? "line " + at.Line : $"an ONBUILD trigger of its base, run at line {at.Line}";
            ImageDslException Differs(string what, string how, string wayOut) => Difference(imageName, what, where, text, how, wayOut, Locate(manifest, at, projectDirectory));

            // A directory the stage is known to have here; null when a RUN, another stage or an unreadable base leaves it open.
            async Task<bool?> Has(string path)
            {
                if (path == "/" || made.Contains(path)) return true;
                if (ran) return null;
                if (string.Equals(baseReference, "scratch", StringComparison.OrdinalIgnoreCase)) return false;
                return baseReference is null || baseHas is null ? null : await baseHas(baseReference, path).ConfigureAwait(false);
            }

            // Where a path written in the instruction is (build arguments expanded), or null when that is not known here.
            string? Absolute(string written)
            {
                if (written.IndexOfAny(['$', '"', '\'', '\\']) >= 0) return null;
                return written.StartsWith('/') ? "/" + PathPattern.Clean(written) : workdir is null ? null : "/" + PathPattern.Clean(workdir + "/" + written);
            }

            var keyword = instruction.Keyword;
            string? missingParent = null, copiedDirectory = null, destination = null;
            if (keyword is "copy" or "add" && instruction.Flag("from") is null && instruction.Flag("chown") is { } owner && !IsRoot(owner)
                && Sources(instruction, instructionEscape, declared).FirstOrDefault(source => !source.Contains("://", StringComparison.Ordinal) && context.IsDirectory(source)) is { } directory
                && Destination(instruction, instructionEscape, declared) is { } written && Absolute(written) is { } target)
            {
                (copiedDirectory, destination) = (directory, written);
                foreach (var parent in Ancestors(target))
                {
                    var has = await Has(parent).ConfigureAwait(false);
                    if (has is null) break;
                    if (has == false)
                    {
                        missingParent = parent;
                        break;
                    }
                }
            }

            var workdirExists = keyword == "workdir" && !IsRoot(user) && Absolute(instruction.Rest.Trim()) is { } workdirPath && await Has(workdirPath).ConfigureAwait(false) == true;

            // A COPY --from an image (not a stage) for a named platform: where the image has no image for the platform
            // itself, the builders take different ones (as for a FROM), so the files copied differ.
            if (keyword is "copy" or "add" && platforms is var (named, _) && instruction.Flag("from") is { } fromText
                && new ShellWords(instructionEscape, name => declared.GetValueOrDefault(name)).Word(fromText) is var from
                && !stageSettings.ContainsKey(from) && !from.All(char.IsAsciiDigit)
                && await configOf(from).ConfigureAwait(false) is { Platform: { } offered } && offered.Normalize() != named)
            {
                throw Differs($"copies from {from} for {named}, whose image is for {offered}",
                    "where an image has no image for the platform itself, BuildKit takes the nearest one in containerd's order (for arm v7: v7, v6, v5) and the classic builder its own, so the files copied differ",
                    $"Build with BuildKit (ImageDslBuilder=buildkit or auto), or copy from an image that has an image for {named}");
            }

            switch (instruction.Keyword)
            {
                case "arg":
                    foreach (var name in DockerfileReader.Words(instruction.Rest, instructionEscape).Where(w => !w.Contains('=') && AutomaticArguments.Contains(w)))
                    {
                        if (buildArgs.ContainsKey(name)) continue;
                        var (what, how, wayOut) = AutomaticArgument(name);
                        throw Differs(what, how, wayOut);
                    }

                    Declare(instruction, instructionEscape, buildArgs, global, declared);
                    break;
                case "user":
                    user = instruction.Rest.Trim();
                    break;
                case "onbuild":
                    ownTriggers.Add(instruction.Rest.Trim());
                    break;
                case "volume":
                    volume ??= instruction.Json?.FirstOrDefault() ?? instruction.Rest.Trim().Split(' ')[0];
                    break;
                case "copy" or "add" when instruction.Flag("chown") is { } chown && !chown.Contains(':') && !chown.All(char.IsAsciiDigit):
                    throw Differs($"copies with --chown={chown} without a group",
                        $"BuildKit gives the files the primary group of the user {chown} (from /etc/passwd), the classic builder the group named {chown} (from /etc/group)",
                        $"Name the group too, e.g. Owner.Name(\"{chown}\", \"{chown}\") (both builders then look it up in /etc/group), or build with BuildKit (ImageDslBuilder=buildkit or auto)");
                case "add" when instruction.Flag("chown") is { } chown && instruction.Flag("from") is null
                    && Sources(instruction, instructionEscape, declared).FirstOrDefault(source => !source.Contains("://", StringComparison.Ordinal) && context.IsArchive(source)) is { } archive:
                    throw Differs($"unpacks the archive {archive} with --chown={chown}",
                        $"BuildKit creates the directory it unpacks into owned by {chown}, the classic builder owned by root",
                        "Leave --chown off the ADD of an archive (both builders then create it owned by root; the unpacked files keep the archive's owners either way) and change the owner in a RUN, or build with BuildKit (ImageDslBuilder=buildkit or auto)");
                case "copy" or "add" when instruction.Flag("from") is null
                    && Sources(instruction, instructionEscape, declared).Where(source => !source.Contains("://", StringComparison.Ordinal))
                        .Select(source => context.SetIdFile(source, instruction.Keyword == "add")).FirstOrDefault(file => file is not null) is { } setId:
                    var bits = ((int)setId.Mode & 0x800) != 0 ? "setuid" : "setgid";
                    throw Differs($"copies {setId.RelativePath}, a file with the {bits} bit",
                        $"the classic builder changes the owner of each file it copies, which clears setuid and setgid (as chown does), BuildKit keeps them",
                        "Clear the bit on the file in the build context and set it with a RUN chmod after the copy (both builders then keep it), or build with BuildKit (ImageDslBuilder=buildkit or auto)");
                case "copy" or "add" when missingParent is not null:
                    throw Differs($"copies the directory {copiedDirectory} with --chown={instruction.Flag("chown")} into {destination}, where {missingParent} does not exist yet",
                        $"BuildKit creates the missing directories above the destination owned by {instruction.Flag("chown")}, the classic builder owned by root (the destination itself is the owner's with both)",
                        $"Create {missingParent} before the copy (e.g. RUN mkdir -p {missingParent}; both builders then leave it alone), or build with BuildKit (ImageDslBuilder=buildkit or auto)");
                case "run" when volume is not null:
                    throw Differs($"runs a RUN after VOLUME {volume}",
                        "the classic builder drops what a RUN writes under a volume's path and leaves the volume's directories in the image, BuildKit keeps what it writes",
                        "Declare the VOLUME after the RUN steps (both builders then keep what they wrote), or build with BuildKit (ImageDslBuilder=buildkit or auto)");
                case "workdir" when !IsRoot(user) && instruction.Rest.Trim() != "/" && !workdirExists:
                    throw Differs($"makes a WORKDIR under USER {user}",
                        $"BuildKit creates the directories it makes owned by {user}, the classic builder owned by root",
                        "Write the WORKDIR before the USER (both builders then create it owned by root), or build with BuildKit (ImageDslBuilder=buildkit or auto)");
            }

            // What the instruction leaves behind for the next ones.
            switch (keyword)
            {
                case "run":
                    ran = true;
                    break;
                case "cmd" when imageStages.Contains(stage):
                    reset = instruction.Json is { Count: 0 }
                        ? Differs("resets the command with CMD []",
                            "BuildKit's image records no command (null), the classic builder's an empty one ([]): the same container, from another image config and id",
                            "Build with BuildKit (ImageDslBuilder=buildkit or auto), set the command later (Cmd(...)), or leave ResetCmd() out where there is no inherited command to clear")
                        : null;
                    cmdSet |= instruction.Json is not { Count: 0 };
                    break;
                case "entrypoint" when imageStages.Contains(stage) && !cmdSet:
                    reset = null;
                    break;
                case "workdir":
                    workdir = Absolute(instruction.Rest.Trim());
                    if (workdir is not null) made.UnionWith(Ancestors(workdir).Append(workdir));
                    break;
                case "copy" or "add" when Destination(instruction, instructionEscape, declared) is { } copiedTo && Absolute(copiedTo) is { } copiedPath:
                    made.UnionWith(Ancestors(copiedPath).Append(copiedPath));
                    break;
            }
        }
    }

    // The directories above an absolute path, from the top ("/a/b/c": "/a", "/a/b").
    private static IEnumerable<string> Ancestors(string path)
    {
        for (var slash = path.IndexOf('/', 1); slash > 0; slash = path.IndexOf('/', slash + 1)) yield return path[..slash];
    }

    // The destination of a COPY or ADD (build arguments substituted), or null when it has none.
    private static string? Destination(DockerfileInstruction instruction, char escape, IReadOnlyDictionary<string, string> arguments) =>
        (instruction.Json ?? DockerfileReader.Words(instruction.Rest, escape).Select(w => new ShellWords(escape, name => arguments.GetValueOrDefault(name)).Word(w)).ToList()) is { Count: >= 2 } words
            ? words[^1] : null;

    private static ImageDslException Difference(string imageName, string what, string where, string text, string how, string wayOut, SourceLine? origin) =>
        new(ErrorCodes.BuildersDisagree, imageName, what, where, BuilderCapabilities.Shorten(text), how, wayOut) { Origin = origin };

    /// <summary>The final stage and every stage it stands on through FROM (a stage only copied from gives no config).</summary>
    private static HashSet<int> InheritedStages(IReadOnlyList<DockerfileInstruction> instructions, List<string?> stageNames, int finalStage)
    {
        var bases = instructions.Where(i => i.Keyword == "from").Select(i => i.Rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()).ToList();
        var chain = new HashSet<int>();
        for (var stage = finalStage; stage >= 0 && chain.Add(stage);)
        {
            var on = bases[stage];
            stage = on is null ? -1 : stageNames.FindIndex(0, stage, n => string.Equals(n, on, StringComparison.OrdinalIgnoreCase));
        }

        return chain;
    }

    private static string? StageName(DockerfileInstruction from)
    {
        var words = from.Rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length >= 3 && words[1].Equals("as", StringComparison.OrdinalIgnoreCase) ? words[2] : null;
    }

    private static (string What, string How, string WayOut) AutomaticArgument(string name) =>
        ($"uses BuildKit's automatic argument {name}", $"BuildKit sets {name} from the platform, the classic builder leaves it empty",
            $"Build with BuildKit (ImageDslBuilder=buildkit or auto), or pass its value (ImageDslBuildArgs={name}=…)");

    // The sources of a COPY or ADD: every word but the destination, in the exec form or the shell form (build arguments
    // substituted; the definition writes no environment variable in a source).
    private static IEnumerable<string> Sources(DockerfileInstruction instruction, char escape, IReadOnlyDictionary<string, string> arguments) =>
        (instruction.Json ?? DockerfileReader.Words(instruction.Rest, escape).Select(w => new ShellWords(escape, name => arguments.GetValueOrDefault(name)).Word(w)).ToList()).SkipLast(1);

    // An ARG line's values, as the classic builder gives them: a default sees the arguments declared before it (not the
    // stage's environment, which IMAGEDSL2026 keeps from hiding one).
    private static void Declare(DockerfileInstruction instruction, char escape, IReadOnlyDictionary<string, string> buildArgs, Dictionary<string, string> global,
        Dictionary<string, string> declared)
    {
        var inStage = !ReferenceEquals(global, declared);
        foreach (var argument in ArgumentLine.Declare(instruction, escape, declared.GetValueOrDefault, buildArgs, inStage ? global.GetValueOrDefault : null))
        {
            if (argument.Value is null) declared.Remove(argument.Name);
            else declared[argument.Name] = argument.Value;
        }
    }

    private static bool References(string text, string name) =>
        text.Contains("$" + name, StringComparison.Ordinal) || text.Contains("${" + name, StringComparison.Ordinal);

    // Root by name or id, with root's group or none; anything else (a name, an id, a variable) may own what BuildKit creates.
    private static bool IsRoot(string? user) => user is null or "" or "root" or "0" or "root:root" or "0:0" or "root:0" or "0:root";

    private static SourceLine? Locate(ImageManifest manifest, DockerfileInstruction instruction, string? projectDirectory) =>
        projectDirectory is null ? null : StepLocator.OfInstruction(manifest, instruction.Index, projectDirectory);
}

