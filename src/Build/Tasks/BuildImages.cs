using ImageDsl.Build.Context;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Docker;
using ImageDsl.Build.Metadata;
using ImageDsl.Build.Session;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Task = System.Threading.Tasks.Task;

namespace ImageDsl.Build.Tasks;

public sealed partial class BuildImages : ImageDslTask
{
    protected override async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var builderChoice = Builder.ToLowerInvariant() switch
        {
            "" or "auto" => (BuilderKind?)null,
            "buildkit" => BuilderKind.BuildKit,
            "classic" => BuilderKind.Classic,
            _ => throw new ImageDslException(ErrorCodes.InvalidProperty, "ImageDslBuilder", Builder, "use auto, buildkit or classic"),
        };
        var endpoint = ResolveEndpoint();
        DockerEngine? engine = null;
        var built = new List<ITaskItem>();
        var contextInputs = new List<string>();
        var contextDirectories = new List<string>();
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

                var listed = ContextPacker.List(contextDirectory, new ContextExclusions(new[] { StampDirectory }, DefaultExcludedDirectories));
                var manifest = (File.Exists(image.GetMetadata("ManifestPath")) ? ImageManifest.Parse(File.ReadAllText(image.GetMetadata("ManifestPath"))) : ImageManifest.Empty)
                    .ForTarget(request.Target);
                var reads = manifest.Reads;
                manifest.CheckBaseImages(name, request.BuildArgs);
                ContextReads.RequireLiteralSources(name, reads, request.BuildArgs, listed, contextDirectory);
                // Only what the definition can copy is sent, hashed into the stamp, or watched for the next build.
                var entries = ContextReads.Minimal(listed, reads, request.BuildArgs);
                contextDirectories.Add(contextDirectory);
                contextInputs.AddRange(entries.Where(e => e.Type != System.Formats.Tar.TarEntryType.Directory).Select(e => e.FullPath));
                contextInputs.Add(image.GetMetadata("DockerfilePath"));
                var stampPath = Files.DockerfileFiles.StampPath(StampDirectory, name);
                var stamp = ContextPacker.Stamp(entries, dockerfile, request.Settings + "\nendpoint=" + endpoint.Uri + "\nbuilder=" + builderChoice + "\nimagedsl=" + ImageDslVersion
                    + "\nsecrets=" + string.Join(",", SecretItems().Select(i => i.Id + ":" + i.Environment + ":" + i.File))
                    + "\nssh=" + string.Join(",", SshItems().Select(i => i.Id + ":" + i.Socket + ":" + string.Join("|", i.Keys))));
                var previous = File.Exists(stampPath) ? File.ReadAllLines(stampPath) : Array.Empty<string>();
                string imageId;
                var rebuilt = false;
                if (!NoCache && previous.Length == 2 && previous[0] == stamp)
                {
                    imageId = previous[1];
                    Log.LogMessage(MessageImportance.High, "ImageDsl: {0} is up to date ({1}); nothing sent to the daemon.", name, Short(imageId));
                }
                else
                {
                    engine ??= await ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
                    var builder = builderChoice ?? (engine.OffersBuildKit ? BuilderKind.BuildKit : BuilderKind.Classic);
                    new BuilderCapabilities(builder, engine.EngineVersion).Check(name, dockerfile);
                    var layout = DockerfilePlacement.For(builder, name, entries, contextDirectory, reads, request.BuildArgs);
                    var secrets = SessionSources.Secrets(name, manifest.Secrets, SecretItems(), Environment.GetEnvironmentVariable);
                    using var agents = SessionSources.SshAgents(name, manifest.SshAgents, SshItems(), Environment.GetEnvironmentVariable);
                    var credentials = SessionSources.Credentials(manifest.ImageReferences(request.BuildArgs),
                        new Registry.RegistryCredentials(Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)));
                    var sessionRequest = request with { Session = new SessionResources(secrets, agents.Agents, credentials) };
                    Log.LogMessage(MessageImportance.High, "ImageDsl: building {0} with {1} ({2} context entries)…", name, builder == BuilderKind.BuildKit ? "BuildKit" : "the classic builder", entries.Count);
                    File.Delete(stampPath);
                    imageId = await engine.BuildAsync(sessionRequest, layout, builder, new TaskBuildLog(Log, name), cancellationToken).ConfigureAwait(false);
                    Directory.CreateDirectory(StampDirectory);
                    File.WriteAllLines(stampPath, new[] { stamp, imageId });
                    rebuilt = true;
                    Log.LogMessage(MessageImportance.High, "ImageDsl: built {0} as {1} ({2}).", name, Short(imageId), string.Join(", ", tags));
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
            Files.DockerfileFiles.WriteIfChanged(ContextInputsFile!, string.Join("\n", contextInputs.Distinct(StringComparer.Ordinal)) + "\n");
            Files.DockerfileFiles.WriteIfChanged(ContextInputsFile + ".dirs", string.Join("\n", contextDirectories.Distinct(StringComparer.Ordinal)) + "\n");
        }
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

    // Items added later (a project's own ImageDslLabel) override earlier ones (the OCI defaults).
    private static Dictionary<string, string> LastWins(IEnumerable<ITaskItem> items)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items) result[item.ItemSpec] = item.GetMetadata("Value");
        return result;
    }

    // A new ImageDsl may pack or build differently: its version is part of the stamp.
    private static readonly string ImageDslVersion = typeof(BuildImages).Assembly.ManifestModule.ModuleVersionId.ToString();

    private static string Short(string imageId) => imageId.StartsWith("sha256:", StringComparison.Ordinal) ? imageId.Substring(7, 12) : imageId;
}
