using ImageDsl.Build.Context;
using ImageDsl.Build.Daemonless;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Docker;
using ImageDsl.Build.Metadata;
using ImageDsl.Build.Registry;
using ImageDsl.Build.Session;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Task = System.Threading.Tasks.Task;

namespace ImageDsl.Build.Tasks;

public sealed partial class BuildImages : ImageDslTask
{
    protected override async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var builderName = Builder.Length == 0 ? "auto" : Builder.ToLowerInvariant();
        var builderChoice = builderName switch
        {
            "auto" or "docker" or "daemonless" => (BuilderKind?)null,
            "buildkit" => BuilderKind.BuildKit,
            "classic" => BuilderKind.Classic,
            _ => throw new ImageDslException(ErrorCodes.InvalidProperty, "ImageDslBuilder", Builder, "use auto, docker, daemonless, buildkit or classic"),
        };
        if (ReadAhead)
        {
            StartReadingAhead(builderName);
            return;
        }

        // Every image's bases were read ahead together; reads no image takes are cancelled when the task ends.
        using var readsAhead = _readsAhead = TakeReadsAhead();
        // Files changed after this moment make the next on-build build run again (see the targets' marker).
        ContextSnapshotTime = DateTime.UtcNow.ToString("o", System.Globalization.CultureInfo.InvariantCulture);
        var endpoint = ResolveEndpoint();
        DockerEngine? engine = null;
        var built = new List<ITaskItem>();
        var contextInputs = new List<string>();
        var contextDirectories = new List<string>();
        var publishItems = InImagePublishItems.Select(i => new PublishItem(i.GetMetadata("ImageDslProject"), i.GetMetadata("FullPath"),
            i.GetMetadata("CopyToPublishDirectory"), i.GetMetadata("CopyToOutputDirectory"))).ToList();
        var undeclared = BuildArguments.Undeclared(ParseBuildArgs().Keys, Images.Select(i => i.GetMetadata("DockerfilePath")).Where(File.Exists).Select(File.ReadAllText));
        foreach (var argument in undeclared) LogWarning(new ImageDslException(ErrorCodes.BuildArgumentUnused, argument, string.Join(", ", Images.Select(i => i.ItemSpec))));
        try
        {
            foreach (var image in Images)
            {
                var name = image.ItemSpec;
                var contextDirectory = image.GetMetadata("ContextDirectory");
                if (!Directory.Exists(contextDirectory)) throw new ImageDslException(ErrorCodes.ContextMissing, name, contextDirectory);
                var dockerfile = File.ReadAllText(image.GetMetadata("DockerfilePath"));
                var tags = image.GetMetadata("Tags").Split(';', StringSplitOptions.RemoveEmptyEntries).Select(t => name + ":" + t).ToList();
                var request = new BuildRequest(name, dockerfile, contextDirectory, tags,
                    ParseBuildArgs(),
                    LastWins(Labels),
                    string.IsNullOrEmpty(Target) ? null : Target, string.IsNullOrEmpty(Platform) ? null : Platform, NoCache, CacheFrom, NetworkMode);

                var sockets = new List<string>();
                var listed = ContextAdditions.Add(
                    ContextPacker.List(contextDirectory, new ContextExclusions(new[] { StampDirectory }, DefaultExcludedDirectories), sockets, cancellationToken),
                    AdditionDirectory(PlatformList.FirstOrDefault().Key), name, contextDirectory, cancellationToken);
                foreach (var socket in sockets) LogWarning(new ImageDslException(ErrorCodes.ContextSocketSkipped, name, Path.Combine(contextDirectory, socket)));
                var manifest = (File.Exists(image.GetMetadata("ManifestPath")) ? ImageManifest.Parse(File.ReadAllText(image.GetMetadata("ManifestPath"))) : ImageManifest.Empty)
                    .ForTarget(request.Target);
                var replaced = new List<string>();
                request = request with { Labels = BuildLabels.Resolve(Labels.Select(l => new BuildLabel(l.ItemSpec, l.GetMetadata("Value"), l.GetMetadata("ImageDslDefault") == "true")),
                    manifest.LabelsOf(request.Target), replaced) };
                foreach (var key in replaced) LogWarning(new ImageDslException(ErrorCodes.LabelReplaced, name, key));
                var reads = manifest.Reads;
                manifest.CheckBaseImages(name, request.BuildArgs);
                if (ContextAdditions.FeedReader(manifest) is { } publishStage && SettingsAboveContext.Find(contextDirectory) is var (changeTheBuild, chooseSources))
                {
                    var origin = string.IsNullOrEmpty(ProjectDirectory) ? null : StepLocator.OfStage(manifest, publishStage, ProjectDirectory!);
                    if (changeTheBuild.Count > 0) throw new ImageDslException(ErrorCodes.SettingsAboveContext, name, contextDirectory, changeTheBuild[0]) { Origin = origin };
                    if (chooseSources.Count > 0) LogWarning(new ImageDslException(ErrorCodes.SourcesAboveContext, name, contextDirectory, string.Join(" and ", chooseSources)) { Origin = origin });
                }

                ContextReads.RequireLiteralSources(name, reads, request.BuildArgs, listed, contextDirectory);
                // Only what the definition can copy is sent, hashed into the stamp, or watched for the next build.
                var entries = ContextReads.Minimal(listed, reads, request.BuildArgs);
                var shipped = ShippedNuGetConfigs.InHostPublish(entries).Select(c => (Stage: ContextAdditions.PublishReader(manifest, c.Key), Project: ContextAdditions.ProjectOf(c.Key) ?? "this project", c.Path))
                    .Concat(ShippedNuGetConfigs.InImagePublish(manifest, contextDirectory, entries, publishItems).Select(c => (Stage: (int?)c.Stage, c.Project, c.Path)));
                foreach (var (stage, project, path) in shipped)
                {
                    LogWarning(new ImageDslException(ErrorCodes.NuGetConfigPublished, name, project, path)
                    {
                        Origin = stage is null || string.IsNullOrEmpty(ProjectDirectory) ? null : StepLocator.OfStage(manifest, stage.Value, ProjectDirectory!),
                    });
                }

                contextDirectories.Add(contextDirectory);
                contextInputs.AddRange(entries.Where(WatchableInput).Select(e => e.FullPath));
                contextInputs.Add(image.GetMetadata("DockerfilePath"));
                // Several platforms: each gets the host-publish output for its runtime identifier (obj/…/imagedsl/context-OS-ARCH/).
                IReadOnlyList<ContextEntry> EntriesFor(string platformKey) => ContextReads.Minimal(ContextAdditions.Add(
                    ContextPacker.List(contextDirectory, new ContextExclusions(new[] { StampDirectory }, DefaultExcludedDirectories), null, cancellationToken),
                    AdditionDirectory(platformKey), name, contextDirectory, cancellationToken), reads, request.BuildArgs);
                if (UsesDaemonless(builderName, dockerfile, request.Target)
                    && await BuildDaemonlessAsync(image, request, entries, EntriesFor, manifest, endpoint, builderName == "daemonless" || !string.IsNullOrEmpty(Platforms), cancellationToken).ConfigureAwait(false) is { } daemonless)
                {
                    built.Add(daemonless);
                    continue;
                }

                // The daemon's build gives no archive: asked for one, the build must not end without it.
                if (!string.IsNullOrEmpty(ArchiveOutputPath))
                {
                    throw new ImageDslException(ErrorCodes.ArchiveNeedsDaemonless, name,
                        builderName is "docker" or "buildkit" or "classic" ? $"ImageDslBuilder={builderName}" : "it needs the daemon: see the message above, or the instruction that is not daemonless");
                }

                var stampPath = Files.DockerfileFiles.StampPath(StampDirectory, name);
                var snapshot = ContextSnapshot.Take(entries);
                // The daemon's builder stands on the daemon's copy of a base, else the registry's: a base that moved
                // since the last build is a new build, as with `docker build`.
                engine ??= await ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
                CheckPublishPlatform(manifest, string.IsNullOrEmpty(request.Platform) ? engine.Platform : ImagePlatform.Parse(request.Platform!).Normalize());
                var builder = builderChoice ?? (engine.OffersBuildKit ? BuilderKind.BuildKit : BuilderKind.Classic);
                var bases = await BaseImageIdentity.OfAsync(engine, manifest.ImageReferences(request.BuildArgs), request.Platform, builder,
                    RegistryCredentials.OfCurrentUser(), BaseReadPolicy, cancellationToken).ConfigureAwait(false);
                var settings = request.Settings + "\nbases=" + bases + "\nfiletime=" + FileTimeSeconds + "\nendpoint=" + endpoint.Uri + "\nbuilder=" + builderChoice + "\nimagedsl=" + ImageDslVersion
                    + "\nsecrets=" + string.Join(",", SecretItems().Select(i => i.Id + ":" + i.Environment + ":" + i.File))
                    + "\nssh=" + string.Join(",", SshItems().Select(i => i.Id + ":" + i.Socket + ":" + string.Join("|", i.Keys)));
                var stamp = ContextPacker.Stamp(entries, dockerfile, settings, cancellationToken);
                var previous = File.Exists(stampPath) ? File.ReadAllLines(stampPath) : Array.Empty<string>();
                string? imageId = null;
                var rebuilt = false;
                if (!NoCache && previous.Length == 2 && previous[0] == stamp)
                {
                    // The stamp says the image is built; one call says whether it still is, under every tag.
                    engine ??= await ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
                    if (await engine.EnsureTaggedAsync(previous[1], tags, cancellationToken).ConfigureAwait(false) is { } retagged)
                    {
                        imageId = previous[1];
                        Log.LogMessage(MessageImportance.High, retagged.Count == 0
                            ? "ImageDsl: {0} is up to date ({1}); nothing sent to the daemon."
                            : "ImageDsl: {0} is up to date ({1}); tagged it again as {2}, which pointed elsewhere.", name, Short(imageId), string.Join(", ", retagged));
                    }
                    else
                    {
                        Log.LogMessage(MessageImportance.High, "ImageDsl: the image recorded for {0} ({1}) is no longer on the daemon; building it again.", name, Short(previous[1]));
                    }
                }

                if (imageId is null)
                {
                    new BuilderCapabilities(builder, engine.EngineVersion).Check(name, dockerfile);
                    var layout = DockerfilePlacement.For(builder, name, entries, contextDirectory, reads, request.BuildArgs);
                    if (ContextAdditions.Mount(string.IsNullOrEmpty(ContextAdditionDirectory) ? null : ContextAdditionDirectory) is { } mount) layout = layout with { Mounts = new[] { mount } };
                    if (FileTimeSeconds is { } fileTime) layout = layout.WithFileTime(fileTime);
                    var secrets = SessionSources.Secrets(name, manifest.Secrets, SecretItems(), Environment.GetEnvironmentVariable);
                    using var agents = SessionSources.SshAgents(name, manifest.SshAgents, SshItems(), Environment.GetEnvironmentVariable);
                    var credentials = SessionSources.Credentials(manifest.ImageReferences(request.BuildArgs),
                        RegistryCredentials.OfCurrentUser());
                    var sessionRequest = request with { Session = new SessionResources(secrets, agents.Agents, credentials) };
                    var baseConfigs = new Dictionary<string, BaseImageConfig?>(StringComparer.Ordinal);
                    async Task<BaseImageConfig?> BaseConfigOf(string reference) => baseConfigs.TryGetValue(reference, out var known) ? known
                        : baseConfigs[reference] = await BaseConfigAsync(engine, name, reference, request.Platform, builder, cancellationToken).ConfigureAwait(false);
                    var projectDirectory = string.IsNullOrEmpty(ProjectDirectory) ? null : ProjectDirectory;
                    await manifest.CheckHiddenArgumentsAsync(name, request.BuildArgs, builder == BuilderKind.Classic,
                        async reference => (await BaseConfigOf(reference).ConfigureAwait(false))?.StageEnv, projectDirectory).ConfigureAwait(false);
                    if (builder == BuilderKind.Classic)
                    {
                        await ClassicBuilderDifferences.CheckAsync(name, dockerfile, request.Target, request.BuildArgs, manifest,
                            BaseConfigOf, new ContextSources(entries), projectDirectory, (reference, path) => engine.ImageHasPathAsync(reference, path, cancellationToken),
                            string.IsNullOrEmpty(request.Platform) ? null : (ImagePlatform.Parse(request.Platform!), engine.Platform)).ConfigureAwait(false);
                    }

                    Log.LogMessage(MessageImportance.High, "ImageDsl: building {0} with {1} ({2} context entries)…", name, builder == BuilderKind.BuildKit ? "BuildKit" : "the classic builder", entries.Count);
                    Files.StateFile.Delete(stampPath);
                    try
                    {
                        imageId = await engine.BuildAsync(sessionRequest, layout, builder, new TaskBuildLog(Log, name), cancellationToken).ConfigureAwait(false);
                    }
                    catch (ImageDslException e) when (e.Step is not null && !string.IsNullOrEmpty(ProjectDirectory))
                    {
                        // The instruction came from a line of the user's C#: that is where the error belongs.
                        StepLocator.Attach(e, manifest, request.BuildArgs, ProjectDirectory!);
                        throw;
                    }

                    rebuilt = true;
                    Log.LogMessage(MessageImportance.High, "ImageDsl: built {0} as {1} ({2}).", name, Short(imageId), string.Join(", ", tags));
                    if (snapshot.IsUnchanged())
                    {
                        Files.StateFile.Write(stampPath, stamp + "\n" + imageId + "\n");
                    }
                    else
                    {
                        // What the daemon read may be the old bytes, the new ones or a mix: never record it as up to date.
                        Log.LogMessage(MessageImportance.High, "ImageDsl: a file of {0}'s build context changed while it was being built; its next build builds it again.", name);
                    }
                }

                var item = new TaskItem(name);
                image.CopyMetadataTo(item);
                item.SetMetadata("ImageId", imageId);
                item.SetMetadata("References", string.Join(";", tags));
                item.SetMetadata("Rebuilt", rebuilt ? "true" : "false");
                built.Add(item);
            }
        }
        finally
        {
            engine?.Dispose();
        }

        BuiltImages = built.ToArray();
        if (!string.IsNullOrEmpty(ContextInputsFile))
        {
            // Files (a removed one is a missing input, which MSBuild rebuilds for) and, separately, the context
            // directories, which the targets glob to notice added files: MSBuild cannot take a directory as an input.
            Files.InputsList.Write(ContextInputsFile!, Path.Combine(StampDirectory, "inputs"), contextInputs);
            Files.DockerfileFiles.WriteIfChanged(ContextInputsFile + ".dirs", string.Join("\n", contextDirectories.Distinct(StringComparer.Ordinal)) + "\n");
        }
    }

    /// <summary>
    /// Whether MSBuild can watch an entry as an Inputs file: not a directory (MSBuild takes only files), and not a
    /// symbolic link that leads nowhere (MSBuild follows links, and a missing input would rerun every build).
    /// </summary>
    private static bool WatchableInput(ContextEntry entry)
    {
        if (entry.Type == System.Formats.Tar.TarEntryType.Directory) return false;
        if (entry.Type != System.Formats.Tar.TarEntryType.SymbolicLink) return true;
        try
        {
            return FileStatus.Of(entry.FullPath, followLinks: true).Kind != FileKind.Directory;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// The folder that is the context's .imagedsl/: obj/…/imagedsl/context/, or with ImageDslPlatforms the platform's own
    /// (context-OS-ARCH/, where the host publish for its runtime identifier went).
    /// </summary>
    private string? AdditionDirectory(string? platformKey)
    {
        if (string.IsNullOrEmpty(ContextAdditionDirectory)) return null;
        if (string.IsNullOrEmpty(Platforms) || platformKey is null) return ContextAdditionDirectory;
        return Path.Combine(Path.GetDirectoryName(ContextAdditionDirectory!.TrimEnd('/', '\\'))!, "context-" + platformKey) + "/";
    }

    private IReadOnlyList<SecretItem> SecretItems() =>
        Secrets.Select(i => new SecretItem(i.ItemSpec, Metadata(i, "Environment"), Metadata(i, "File"))).ToList();

    private IReadOnlyList<SshItem> SshItems() =>
        SshAgents.Select(i => new SshItem(i.ItemSpec, Metadata(i, "Socket"),
            (Metadata(i, "Keys") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(HomeRelative).ToList())).ToList();

    // docker build --ssh default=~/.ssh/id_ed25519 expands '~'; MSBuild does not.
    private static string HomeRelative(string path) =>
        path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Substring(2)) : path;

    private static string? Metadata(ITaskItem item, string name) => item.GetMetadata(name) is { Length: > 0 } value ? value : null;

    private Dictionary<string, string> ParseBuildArgs()
    {
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (BuildArgList ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0) throw new ImageDslException(ErrorCodes.InvalidProperty, "ImageDslBuildArgs", pair, "write NAME=VALUE pairs separated by ';'");
            args[pair.Substring(0, equals).Trim()] = pair.Substring(equals + 1);
        }

        foreach (var (key, value) in LastWins(BuildArgs)) args[key] = value;
        return args;
    }

    /// <summary>
    /// A base image's config as the build will see it: the daemon's copy when it has one, else the registry's config (what
    /// BuildKit would pull). Null when neither can be read now; the build itself then says what is wrong with the base.
    /// (<see cref="BaseImageIdentity.DaemonCopyServes"/>: for a named platform, BuildKit passes over a copy for another).
    /// </summary>
    private async Task<BaseImageConfig?> BaseConfigAsync(DockerEngine engine, string name, string reference, string? platform, BuilderKind builder,
        CancellationToken cancellationToken)
    {
        if (await engine.InspectImageAsync(reference, cancellationToken).ConfigureAwait(false) is { } local && BaseImageIdentity.DaemonCopyServes(local, platform, builder))
        {
            return new BaseImageConfig(local.Config?.Env?.ToList() ?? new List<string>(), local.Config?.User, local.Config?.Volumes?.Keys.ToList() ?? new List<string>(),
                local.Config?.OnBuild?.ToList(), ImagePlatform.Stated(local.Os, local.Architecture, local.Variant));
        }

        try
        {
            var policy = BaseReadPolicy;
            using var bases = new RegistryBaseImages(BlobStore.Default(Environment.GetEnvironmentVariable),
                RegistryCredentials.OfCurrentUser(), policy);
            var config = await bases.GetConfigAsync(reference, string.IsNullOrEmpty(platform) ? ImagePlatform.Host : ImagePlatform.Parse(platform!), cancellationToken).ConfigureAwait(false);
            var settings = config["config"];
            return new BaseImageConfig(Strings(settings?["Env"]), settings?["User"]?.GetValue<string>(),
                (settings?["Volumes"] as System.Text.Json.Nodes.JsonObject)?.Select(v => v.Key).ToList() ?? new List<string>(), Strings(settings?["OnBuild"]),
                ImagePlatform.Stated(config["os"]?.GetValue<string>(), config["architecture"]?.GetValue<string>(), config["variant"]?.GetValue<string>()));
        }
        catch (Exception e) when (e is ImageDslException or FormatException)
        {
            Log.LogMessage(MessageImportance.Normal, "ImageDsl: {0}: the config of its base image {1} could not be read before the build ({2}).", name, reference, e.Message);
            return null;
        }
    }

    private static List<string> Strings(System.Text.Json.Nodes.JsonNode? array) =>
        (array as System.Text.Json.Nodes.JsonArray)?.Select(e => e!.GetValue<string>()).ToList() ?? new List<string>();

    // Items added later (a project's own ImageDslLabel) override earlier ones (the OCI defaults).
    private static Dictionary<string, string> LastWins(IEnumerable<ITaskItem> items)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items) result[item.ItemSpec] = item.GetMetadata("Value");
        return result;
    }

    /// <summary>
    /// IMAGEDSL4001 when the host publish is for another architecture than the image: the image would hold another
    /// machine's apphost and native libraries (self-contained, a runtime that cannot start there), and a framework-
    /// dependent app would still pass its smoke run. With ImageDslPlatform the targets refuse it before anything runs;
    /// without it the image's platform is the daemon's (or, without a daemon, this machine's), known only here.
    /// </summary>
    private void CheckPublishPlatform(ImageManifest manifest, ImagePlatform built)
    {
        if (string.IsNullOrEmpty(PublishRuntimeIdentifier) || !string.IsNullOrEmpty(Platforms) || ContextAdditions.Requests(manifest).PublishKeys.Count == 0) return;
        var rid = PublishRuntimeIdentifier!;
        var architecture = rid.Substring(rid.LastIndexOf('-') + 1) switch { "x64" => "amd64", "x86" => "386", var other => other };
        if (!rid.StartsWith("linux-", StringComparison.Ordinal) || built.Os != "linux" || architecture != built.Architecture)
        {
            throw new ImageDslException(ErrorCodes.InvalidProperty, "ImageDslPublishRuntimeIdentifier", rid,
                $"it publishes for another machine than the image runs on ({built}, {(string.IsNullOrEmpty(Platform) ? "the daemon's platform: no ImageDslPlatform names one" : "ImageDslPlatform")}): give the runtime identifier of {built}, or name the image's platform with ImageDslPlatform");
        }
    }

    // Reading a base image's manifest or config to check a build (not to push): one attempt, within the push timeout.
    private PushPolicy BaseReadPolicy => new(1, TimeSpan.Zero, TimeSpan.FromSeconds(Math.Max(1, PushTimeoutSeconds)));

    // A new ImageDsl may pack or build differently: its version is part of the stamp.
    private static readonly string ImageDslVersion = typeof(BuildImages).Assembly.ManifestModule.ModuleVersionId.ToString();

    private static string Short(string imageId) => imageId.StartsWith("sha256:", StringComparison.Ordinal) ? imageId.Substring(7, 12) : imageId;
}
