using System.Globalization;
using ImageDsl.Build.Files;
using ImageDsl.Build.Metadata;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Task = System.Threading.Tasks.Task;

namespace ImageDsl.Build.Tasks;

public sealed partial class WriteDockerfiles : ImageDslTask
{
    protected override Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var images = ImageMetadataReader.Read(AssemblyPath);
        // Every repository and tag is decided and checked before anything is written or built.
        var naming = new Registry.ImageNaming(ImageTags, Repository,
            ImageOverrides.Select(i => new Registry.ImageOverride(i.ItemSpec, NonEmpty(i.GetMetadata("Repository")), NonEmpty(i.GetMetadata("Tags")))).ToList(),
            images.Select(i => i.Name).ToList());
        var names = images.Select(i => naming.For(i.Name, i.Tags)).ToList();
        var items = new List<ITaskItem>();
        var publish = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var feed = false;
        var inImage = new SortedSet<string>(StringComparer.Ordinal);
        var self = string.IsNullOrEmpty(ProjectPath) ? "" : Path.GetFullPath(ProjectPath);
        foreach (var (image, (repository, tags)) in images.Zip(names))
        {
            var contextDirectory = Path.GetFullPath(Path.Combine(ProjectDirectory, image.Context));
            foreach (var published in image.Manifest.Stages.Select(s => s.Publishes).OfType<string>())
            {
                var project = Path.GetFullPath(Path.Combine(contextDirectory, published));
                // This project's items cost nothing to ask for (its own evaluation): all of them, a NuGet configuration in
                // a subfolder too; another project's only where its folder holds one (an evaluation of its own).
                if (project == self || Context.ShippedNuGetConfigs.NextTo(project)) inImage.Add(project);
            }

            var (keys, readsFeed) = Context.ContextAdditions.Requests(image.Manifest);
            feed |= readsFeed;
            foreach (var key in keys)
            {
                var project = Context.ContextAdditions.ProjectOf(key) is { } relative ? Path.GetFullPath(Path.Combine(ProjectDirectory, relative)) : ProjectPath;
                if (!File.Exists(project))
                {
                    throw new Diagnostics.ImageDslException(Diagnostics.ErrorCodes.ContextSourceMissing, image.Name, $"{Context.ContextAdditions.Folder}/publish/{key}/",
                        "(the output of DotNet.HostPublish)", $"the project {project} does not exist");
                }

                publish[key] = project;
            }

            var path = Path.GetFullPath(Path.Combine(IntermediateDirectory, DockerfileFiles.FileName(image)));
            if (DockerfileFiles.WriteIfChanged(path, image.Dockerfile)) Log.LogMessage(MessageImportance.Low, "ImageDsl: wrote {0}.", path);
            var manifestPath = Path.GetFullPath(Path.Combine(IntermediateDirectory, DockerfileFiles.ManifestFileName(image)));
            DockerfileFiles.WriteIfChanged(manifestPath, image.ManifestJson);
            var item = new TaskItem(repository);
            item.SetMetadata("DefinedName", image.Name);
            item.SetMetadata("DockerfilePath", path);
            item.SetMetadata("ManifestPath", manifestPath);
            item.SetMetadata("ContextDirectory", contextDirectory);
            item.SetMetadata("Tags", string.Join(";", tags));
            item.SetMetadata("ExpectOutput", image.ExpectOutput ?? "");
            item.SetMetadata("HasExpectOutput", image.ExpectOutput is null ? "false" : "true");
            item.SetMetadata("ExpectExitCode", image.ExpectExitCode.ToString(CultureInfo.InvariantCulture));
            item.SetMetadata("SmokeRun", image.SmokeRun ? "true" : "false");
            items.Add(item);
        }

        if (!string.IsNullOrEmpty(CheckedInDirectory))
        {
            var directory = Path.GetFullPath(Path.Combine(ProjectDirectory, CheckedInDirectory));
            foreach (var path in DockerfileFiles.SyncCheckedIn(images, directory, Check))
            {
                Log.LogMessage(MessageImportance.High, "ImageDsl: updated {0}; review and commit it.", path);
            }
        }

        Images = items.ToArray();
        HostPublish = publish.Select(p =>
        {
            var item = new TaskItem(p.Value);
            item.SetMetadata("Key", p.Key);
            return (ITaskItem)item;
        }).ToArray();
        ReadsFeed = feed;
        InImagePublish = inImage.Select(p =>
        {
            var item = new TaskItem(p);
            item.SetMetadata("Self", p == self ? "true" : "false");
            return (ITaskItem)item;
        }).ToArray();
        return Task.CompletedTask;
    }

    private static string? NonEmpty(string value) => value.Length == 0 ? null : value;
}
