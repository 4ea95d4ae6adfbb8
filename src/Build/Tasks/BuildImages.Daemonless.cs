using System.Globalization;
using ImageDsl.Build.Context;
using ImageDsl.Build.Daemonless;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Docker;
using ImageDsl.Build.Registry;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace ImageDsl.Build.Tasks;

public sealed partial class BuildImages
{
    /// <summary>
    /// Whether this image is built without the daemon: always with ImageDslBuilder=daemonless; with auto, when the build
    /// pushes or writes an archive (nothing then needs the daemon) and every instruction the target runs qualifies.
    /// </summary>
    private bool UsesDaemonless(string builder, string dockerfile, string? target)
    {
        if (builder == "daemonless" || !string.IsNullOrEmpty(Platforms)) return true;
        if (builder != "auto" || !(Push || !string.IsNullOrEmpty(ArchiveOutputPath))) return false;
        try
        {
            ImageAssembler.Plan(dockerfile, target);
            return true;
        }
        catch (Exception e) when (e is NeedsDaemonException or FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// Builds one image without a daemon, then sends it where the build asks: pushed (every tag, manifest last),
    /// written as an archive, and loaded into the daemon when one is reachable and the container checks (or the lack
    /// of any other output) call for it. With auto (not <paramref name="forced"/>), a base image that cannot be read from
    /// its registry (one that only the local daemon has, say), or an instruction that turns out to need a container,
    /// returns null: the daemon builds the image instead.
    /// </summary>
    private async Task<TaskItem?> BuildDaemonlessAsync(ITaskItem image, BuildRequest request, IReadOnlyList<ContextEntry> entries,
        Func<string, IReadOnlyList<ContextEntry>> entriesForPlatform, ImageDsl.Build.Metadata.ImageManifest manifest, DockerEndpoint endpoint, bool forced, CancellationToken cancellationToken)
    {
        var name = request.ImageName;
        try
        {
            ImageAssembler.Plan(request.Dockerfile, request.Target);
        }
        catch (NeedsDaemonException e)
        {
            throw NeedsDaemon(name, forced, e, manifest);
        }

        // No platform named: the machine's, as an implicit target (the image states its base's platform, as BuildKit's does).
        var platforms = PlatformList.Count > 0 ? PlatformList.Select(p => (p.Key, Platform: (ImagePlatform?)p.Platform)).ToList() : new() { (Key: "", Platform: null) };
        // The image's creation time is the build's (ImageDslImageCreated), even where the definition's own label replaced that default.
        var created = LastWins(Labels).TryGetValue("org.opencontainers.image.created", out var label)
            && DateTimeOffset.TryParse(label, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : DateTimeOffset.UnixEpoch;
        var (store, credentials, policy) = RegistrySettings();
        using var bases = new RegistryBaseImages(store, credentials, policy, message => Log.LogMessage(MessageImportance.Normal, "ImageDsl: {0}: {1}", name, message))
        {
            Ahead = _readsAhead,
        };
        var images = new List<ImageArtifacts>();
        try
        {
            foreach (var (key, platform) in platforms)
            {
                var platformEntries = string.IsNullOrEmpty(Platforms) ? entries : entriesForPlatform(key);
                CheckPublishPlatform(manifest, platform ?? ImagePlatform.Host);
                Log.LogMessage(MessageImportance.High, "ImageDsl: building {0} without a daemon (daemonless builder, {1}, {2} context entries)…", name, platform ?? ImagePlatform.Host, platformEntries.Count);
                var assembled = await new ImageAssembler(bases, store).AssembleAsync(new AssemblyRequest(request.Dockerfile, request.Target, request.BuildArgs, request.Labels,
                    platformEntries, platform, created, FileTimeSeconds ?? 1), cancellationToken).ConfigureAwait(false);
                images.Add(ImageArtifacts.Of(assembled));
            }
        }
        catch (ImageDslException e) when (!forced && e.Code is ErrorCodes.BaseImageNotFound or ErrorCodes.RegistryConnectionFailed or ErrorCodes.RegistryDenied
                                              or ErrorCodes.RegistryRequestFailed or ErrorCodes.BaseImagePlatformMissing or ErrorCodes.BaseImageLayerUnsupported or ErrorCodes.RegistryTimedOut)
        {
            Log.LogMessage(MessageImportance.High, "ImageDsl: {0}: a base image cannot be read from its registry ({1}); building with the daemon instead (ImageDslBuilder=daemonless would make this an error).",
                name, e.Text);
            return null;
        }
        catch (ImageDslException e) when (e.Instruction is { } instruction && e.Origin is null && !string.IsNullOrEmpty(ProjectDirectory))
        {
            // An image a FROM or COPY --from names could not be read: reported at the C# call that named it.
            e.Origin = ImageDsl.Build.Metadata.StepLocator.OfInstruction(manifest, instruction, ProjectDirectory!);
            throw;
        }
        catch (ContextSourceMissingException e)
        {
            throw new ImageDslException(ErrorCodes.BuildStepFailed, name, $"line {e.Line} of the Dockerfile", $"COPY source '{e.Path}': not found in the build context", "");
        }
        catch (NeedsDaemonException e) when (!forced)
        {
            // What only the build reveals (a local ADD source that is an archive, a base image's ONBUILD trigger that
            // runs a command): auto sends the image to the daemon, as for a base it cannot read.
            Log.LogMessage(MessageImportance.High, "ImageDsl: {0}: line {1} of its Dockerfile ({2}) needs the daemon: {3}; building with the daemon instead (ImageDslBuilder=daemonless would make this an error).",
                name, e.Line, e.Instruction, e.Reason);
            return null;
        }
        catch (NeedsDaemonException e)
        {
            throw NeedsDaemon(name, forced, e, manifest);
        }
        catch (ArgumentHiddenException e)
        {
            throw new ImageDslException(ErrorCodes.ArgumentHiddenByEnv, name, e.Name, $"line {e.Line} of its Dockerfile: {e.Instruction}", e.BaseImage)
            {
                Origin = !string.IsNullOrEmpty(ProjectDirectory) ? ImageDsl.Build.Metadata.StepLocator.OfInstruction(manifest, e.Index, ProjectDirectory!) : null,
            };
        }
        catch (Exception e) when (e is FormatException or NotSupportedException)
        {
            throw new ImageDslException(ErrorCodes.NeedsDaemon, name, forced ? "ImageDslBuilder=daemonless" : "no daemon", 0, "", e.Message);
        }

        // The image this machine runs (for the checks and the image id): the host's platform, else the first.
        var artifacts = images.FirstOrDefault(i => i.Image.Platform == ImagePlatform.Host) ?? images[0];
        var index = images.Count > 1 ? ImageIndex.Of(images) : null;
        var tags = request.Tags;
        var item = new TaskItem(name);
        image.CopyMetadataTo(item);
        item.SetMetadata("ImageId", artifacts.ConfigDigest);
        item.SetMetadata("References", string.Join(";", tags));
        item.SetMetadata("Rebuilt", "true");
        item.SetMetadata("Builder", "daemonless");
        // The daemon, where the checks (or a build without push or archive) want the image in it; with auto also where
        // nothing does, when it answers, since auto promises the image docker build would make there. Connected before
        // anything is sent, so that a base it holds otherwise than the registry is known first.
        // The checks are this image's when the build runs them (ImageDslSmokeRun) and its definition does not turn them
        // off ([Image] SmokeRun = false, which RunImages honours too).
        var checks = SmokeRun && image.GetMetadata("SmokeRun") != "false";
        var loads = checks || !(Push || !string.IsNullOrEmpty(ArchiveOutputPath));
        using var engine = loads ? await ReachableDaemonAsync(name, endpoint, item, checks, manifest, cancellationToken).ConfigureAwait(false)
            : forced ? null : await AnsweringDaemonAsync(endpoint, cancellationToken).ConfigureAwait(false);
        if (engine is not null && await DivergentBaseAsync(engine, bases.Resolved, cancellationToken).ConfigureAwait(false) is var (baseReference, local, digest))
        {
            // docker build (and so the daemon's builders) stands on the daemon's own copy of a base; auto promises that image.
            if (!forced)
            {
                Log.LogMessage(MessageImportance.High, "ImageDsl: {0}: the daemon's copy of its base {1} ({2}) is not the registry's ({3}), and a daemon build stands on its copy; building with the daemon instead (docker pull {1} makes them one; ImageDslBuilder=daemonless builds on the registry's).",
                    name, baseReference, Short(local), digest);
                return null;
            }

            Log.LogMessage(MessageImportance.High, "ImageDsl: {0}: built on the registry's {1} ({2}), as ImageDslBuilder=daemonless asks; the daemon's copy ({3}) differs, and docker build would stand on that.",
                name, baseReference, digest, Short(local));
        }

        foreach (var built in images)
        {
            Log.LogMessage(MessageImportance.High, "ImageDsl: built {0} for {1} as {2} without a daemon (manifest {3}).", name, built.Image.Platform, Short(built.ConfigDigest), built.ManifestDigest);
        }

        if (index is not null) Log.LogMessage(MessageImportance.High, "ImageDsl: {0}: index {1} over {2}.", name, index.Digest, string.Join(", ", images.Select(i => i.Image.Platform)));

        if (Push)
        {
            var pushed = new List<string>();
            foreach (var group in ImageReference.ForPush(Registry, name, image.GetMetadata("Tags").Split(';', StringSplitOptions.RemoveEmptyEntries))
                         .GroupBy(r => (r.Registry, r.Repository)))
            {
                var client = bases.Client(group.Key.Registry);
                void Report(string message) => Log.LogMessage(MessageImportance.High, "ImageDsl: {0}/{1}: {2}", group.Key.Registry, group.Key.Repository, message);
                var outcome = index is null
                    ? await ImageOutputs.PushAsync(artifacts, client, group.Key.Repository, group.Select(r => r.Tag).ToList(), Report, cancellationToken).ConfigureAwait(false)
                    : await ImageOutputs.PushIndexAsync(images, index, client, group.Key.Repository, group.Select(r => r.Tag).ToList(), Report, cancellationToken).ConfigureAwait(false);
                foreach (var reference in group)
                {
                    Log.LogMessage(MessageImportance.High, outcome.UpToDate
                        ? "ImageDsl: {0} is up to date ({1}): the registry holds this image under that tag; nothing pushed."
                        : "ImageDsl: pushed {0}@{1} (daemonless).", reference.FullName, outcome.Digest);
                    pushed.Add(reference.FullName + "@" + outcome.Digest);
                }
            }

            item.SetMetadata("PushedReferences", string.Join(";", pushed));
        }

        if (!string.IsNullOrEmpty(ArchiveOutputPath))
        {
            var path = ArchivePath(name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using (var file = File.Create(path))
            await using (var output = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                ? new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest) : (Stream)file)
            {
                await ImageOutputs.WriteArchiveAsync(images, artifacts, tags, output, heldLayers: 0, cancellationToken).ConfigureAwait(false);
            }

            Log.LogMessage(MessageImportance.High, "ImageDsl: wrote {0} to {1} (docker load, OCI layout).", name, path);
            item.SetMetadata("ArchivePath", path);
        }

        if (engine is not null && loads) await LoadAsync(engine, name, artifacts, tags, bases.Resolved.Keys, cancellationToken).ConfigureAwait(false);

        return item;
    }

    /// <summary>
    /// Loads the image into the daemon. The layers it already holds — its base's, when the daemon has that base, and
    /// those of this image's last load — are not sent: for a web app on the .NET runtime base, a few hundred kilobytes
    /// instead of the whole image (measured: 0.6–0.75 s of each build that checks the image). An image the daemon has
    /// (a rebuild of the same bytes) is only tagged.
    /// </summary>
    private async System.Threading.Tasks.Task LoadAsync(DockerEngine engine, string name, ImageArtifacts artifacts, IReadOnlyList<string> tags, IEnumerable<string> bases,
        CancellationToken cancellationToken)
    {
        if (await engine.EnsureTaggedAsync(artifacts.ConfigDigest, tags, cancellationToken).ConfigureAwait(false) is not null)
        {
            Log.LogMessage(MessageImportance.High, "ImageDsl: the daemon holds {0} ({1}); tagged it {2}.", name, Short(artifacts.ConfigDigest), string.Join(", ", tags));
            return;
        }

        var layers = artifacts.Image.Layers;
        var held = await engine.HeldLayersAsync(layers.Select(l => l.DiffId).ToList(), bases.Concat(tags), cancellationToken).ConfigureAwait(false);
        async System.Threading.Tasks.Task LoadArchiveAsync(int heldLayers)
        {
            using var archive = new MemoryStream();
            await ImageOutputs.WriteArchiveAsync(new[] { artifacts }, artifacts, tags, archive, heldLayers, cancellationToken).ConfigureAwait(false);
            archive.Position = 0;
            await engine.LoadAsync(archive, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await LoadArchiveAsync(held).ConfigureAwait(false);
        }
        catch (ImageDslException) when (held > 0)
        {
            // The image that held those layers was removed meanwhile: send them all.
            held = 0;
            await LoadArchiveAsync(held).ConfigureAwait(false);
        }

        Log.LogMessage(MessageImportance.High, held == 0 ? "ImageDsl: loaded {0} into the daemon as {1} ({2} of {3} layers sent)." : "ImageDsl: loaded {0} into the daemon as {1} ({2} of {3} layers sent; it held the others).",
            name, string.Join(", ", tags), layers.Count - held, layers.Count);
    }

    /// <summary>The daemon when it answers; else null, with the checks marked skipped (and warning IMAGEDSL2025 when they were wanted).</summary>
    private async Task<DockerEngine?> ReachableDaemonAsync(string name, DockerEndpoint endpoint, TaskItem item, bool checks, ImageDsl.Build.Metadata.ImageManifest manifest,
        CancellationToken cancellationToken)
    {
        if (await AnsweringDaemonAsync(endpoint, cancellationToken).ConfigureAwait(false) is { } engine) return engine;
        item.SetMetadata("SmokeRun", "false");
        item.SetMetadata("ChecksSkipped", "true");
        if (checks)
        {
            // Said where [Image] declares the checks, like their failures.
            LogWarning(new ImageDslException(ErrorCodes.ChecksSkippedWithoutDaemon, name, endpoint.Uri)
            {
                Origin = string.IsNullOrEmpty(ProjectDirectory) ? null : ImageDsl.Build.Metadata.StepLocator.OfDeclaration(manifest, ProjectDirectory!),
            });
        }
        return null;
    }

    /// <summary>The daemon when it answers, else null: asked only to compare bases, so its absence is no warning.</summary>
    private async Task<DockerEngine?> AnsweringDaemonAsync(DockerEndpoint endpoint, CancellationToken cancellationToken)
    {
        try
        {
            return await ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (ImageDslException e) when (e.Code is ErrorCodes.DaemonUnreachable or ErrorCodes.DaemonTimeout or ErrorCodes.ContextNotFound or ErrorCodes.TlsIncomplete)
        {
            return null;
        }
    }

    /// <summary>
    /// A base the daemon holds under the same reference as something other than what the registry gave: its copy's
    /// RepoDigests do not name the registry's digest for that repository (a copy built or tagged locally, or a tag
    /// that moved since it was pulled). Null when every base agrees or the daemon has none of them.
    /// </summary>
    private static async Task<(string Reference, string Local, string Digest)?> DivergentBaseAsync(DockerEngine engine, IReadOnlyDictionary<string, string> resolved,
        CancellationToken cancellationToken)
    {
        foreach (var (reference, digest) in resolved)
        {
            if (await engine.InspectImageAsync(reference, cancellationToken).ConfigureAwait(false) is not { } local) continue;
            var location = RegistryLocation.Parse(reference);
            var agrees = (local.RepoDigests ?? new List<string>()).Any(repoDigest =>
            {
                var at = repoDigest.IndexOf('@');
                if (at < 0 || repoDigest.Substring(at + 1) != digest) return false;
                var named = ImageReference.Parse(repoDigest.Substring(0, at));
                return named.Registry == location.Registry && named.Repository == location.Repository;
            });
            if (!agrees) return (reference, local.ID, digest);
        }

        return null;
    }

    /// <summary>IMAGEDSL2021, reported at the C# call that wrote the instruction when the manifest knows it.</summary>
    private ImageDslException NeedsDaemon(string name, bool forced, NeedsDaemonException e, ImageDsl.Build.Metadata.ImageManifest manifest) =>
        new(ErrorCodes.NeedsDaemon, name, forced ? "ImageDslBuilder=daemonless" : "no daemon", e.Line, e.Instruction, e.Reason)
        {
            Origin = e.Index is { } index && !string.IsNullOrEmpty(ProjectDirectory) ? ImageDsl.Build.Metadata.StepLocator.OfInstruction(manifest, index, ProjectDirectory!) : null,
        };

    // ContainerArchiveOutputPath, as the SDK reads it: a file (gzip-compressed when it ends in .gz), or a directory (ends
    // with a separator or exists) that gets NAME.tar.gz.
    private string ArchivePath(string name)
    {
        var path = ArchiveOutputPath!;
        var isDirectory = path.EndsWith('/') || path.EndsWith(Path.DirectorySeparatorChar) || Directory.Exists(path);
        return Path.GetFullPath(isDirectory ? Path.Combine(path, name.Replace('/', '-') + ".tar.gz") : path);
    }

    /// <summary>Where base layers are kept, whose credentials a registry gets, and how its requests are retried.</summary>
    private (BlobStore Store, RegistryCredentials Credentials, PushPolicy Policy) RegistrySettings() =>
        (BlobStore.Default(Environment.GetEnvironmentVariable), RegistryCredentials.OfCurrentUser(),
            new PushPolicy(Math.Max(1, PushAttempts), TimeSpan.FromMilliseconds(PushRetryDelayMilliseconds), TimeSpan.FromSeconds(Math.Max(1, PushTimeoutSeconds))));

    /// <summary>Where this project's reads ahead wait for its BuildImages, for the rest of the build (MSBuild disposes them at its end).</summary>
    private string ReadsAheadKey => "ImageDsl.BaseImagesAhead|" + Path.GetFullPath(StampDirectory);

    /// <summary>
    /// <see cref="ReadAhead"/>: starts reading the bases of every image the daemonless builder will build, as it will
    /// ask for them, and leaves them for this build's BuildImages (the targets call it only for tasks loaded in
    /// process: a task host's process ends with its task).
    /// </summary>
    private void StartReadingAhead(string builderName)
    {
        if (BuildEngine is not IBuildEngine4 engine) return;
        // What the task was given is read here, on MSBuild's thread; the Dockerfiles are read and planned in the background.
        var dockerfiles = Images.Select(i => i.GetMetadata("DockerfilePath")).ToList();
        var target = string.IsNullOrEmpty(Target) ? null : Target;
        Dictionary<string, string> buildArgs;
        List<ImagePlatform?> platforms;
        try
        {
            buildArgs = ParseBuildArgs();
            platforms = PlatformList.Count > 0 ? PlatformList.Select(p => (ImagePlatform?)p.Platform).ToList() : new List<ImagePlatform?> { null };
        }
        catch (Exception e) when (e is ImageDslException or FormatException)
        {
            return; // BuildImages reports it
        }

        IEnumerable<(string, ImagePlatform)> Bases()
        {
            foreach (var dockerfile in dockerfiles.Where(File.Exists).Select(File.ReadAllText).Where(d => UsesDaemonless(builderName, d, target)))
            {
                foreach (var platform in platforms)
                {
                    var (references, asked) = ImageAssembler.BaseImages(dockerfile, target, buildArgs, platform);
                    foreach (var reference in references) yield return (reference, asked);
                }
            }
        }

        var (store, credentials, policy) = RegistrySettings();
        engine.RegisterTaskObject(ReadsAheadKey, BaseImagesAhead.Start(Bases, log => new RegistryBaseImages(store, credentials, policy, log)),
            RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
    }

    /// <summary>The bases read ahead for this build, taken for all of its images at the start of the task.</summary>
    private BaseImagesAhead? _readsAhead;

    /// <summary>The bases read ahead for this build (<see cref="ReadAhead"/>), taken: null when none were.</summary>
    private BaseImagesAhead? TakeReadsAhead() =>
        BuildEngine is IBuildEngine4 engine ? engine.UnregisterTaskObject(ReadsAheadKey, RegisteredTaskObjectLifetime.Build) as BaseImagesAhead : null;

    /// <summary>
    /// ImageDslPlatforms (';'-separated), else ImageDslPlatform; empty: the build machine's platform. Each platform as
    /// BuildKit reads it (linux/arm is arm v7), with the folder key the targets gave its host publish (the text as
    /// written, '/' as '-'); two spellings of one platform are one platform.
    /// </summary>
    private IReadOnlyList<(string Key, ImagePlatform Platform)> PlatformList =>
        (string.IsNullOrEmpty(Platforms) ? Platform ?? "" : Platforms!).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(text => (Key: text.Replace('/', '-'), Platform: ImagePlatform.Parse(text))).DistinctBy(p => p.Platform).ToList();

}
