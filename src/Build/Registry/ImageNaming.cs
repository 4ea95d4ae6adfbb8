using ImageDsl.Build.Diagnostics;
using ImageDsl.Rendering;

namespace ImageDsl.Build.Registry;

/// <summary>A per-image override from an ImageDslImage item: Include = the name in [Image], optional Repository and Tags.</summary>
public sealed record ImageOverride(string Image, string? Repository, string? Tags);

/// <summary>
/// The repository and tags each image is built and pushed as. [Image] gives the defaults; MSBuild overrides them the
/// way the .NET SDK's container properties do — ContainerRepository (a project with one image) and ContainerImageTags
/// or ContainerImageTag for every image — and ImageDslImage items per image, which win. Every resulting reference is
/// checked here, before anything is built, with the property or item that produced it named in the error.
/// </summary>
public sealed class ImageNaming
{
    private readonly string? _tags;
    private readonly string? _repository;
    private readonly IReadOnlyDictionary<string, ImageOverride> _overrides;

    public ImageNaming(string? tags, string? repository, IReadOnlyList<ImageOverride> overrides, IReadOnlyCollection<string> imageNames)
    {
        _tags = string.IsNullOrWhiteSpace(tags) ? null : tags;
        _repository = string.IsNullOrWhiteSpace(repository) ? null : repository!.Trim();
        if (_repository is not null && imageNames.Count != 1)
        {
            throw new ImageDslException(ErrorCodes.InvalidProperty, "ContainerRepository", _repository,
                $"it names one image, and this project defines {imageNames.Count} ({string.Join(", ", imageNames)}); give each its own with ImageDslImage items and Repository metadata");
        }

        var byImage = new Dictionary<string, ImageOverride>(StringComparer.Ordinal);
        foreach (var item in overrides)
        {
            if (!imageNames.Contains(item.Image))
            {
                throw new ImageDslException(ErrorCodes.InvalidProperty, "ImageDslImage", item.Image,
                    $"it names no image of this project, which defines {string.Join(", ", imageNames)}");
            }

            byImage[item.Image] = item;
        }

        _overrides = byImage;
    }

    /// <summary>The repository and tags of <paramref name="image"/>, whose [Image] says <paramref name="definedTags"/>.</summary>
    public (string Repository, IReadOnlyList<string> Tags) For(string image, IReadOnlyList<string> definedTags)
    {
        _overrides.TryGetValue(image, out var item);
        var (repository, repositorySource) = item?.Repository is { Length: > 0 } own ? (own.Trim(), $"ImageDslImage '{image}' Repository")
            : _repository is not null ? (_repository, "ContainerRepository")
            : (image, $"[Image(\"{image}\")]");
        var (tags, tagsSource) = item?.Tags is { Length: > 0 } ownTags ? (Split(ownTags), $"ImageDslImage '{image}' Tags")
            : _tags is not null ? (Split(_tags), "ContainerImageTags")
            : (definedTags, $"[Image(\"{image}\")] Tags");

        if (!ReferenceGrammar.IsRepositoryPath(repository))
        {
            throw new ImageDslException(ErrorCodes.InvalidProperty, repositorySource, repository,
                "a repository is lowercase letters, digits and separators ('.', '_', '__', '-', '/'), e.g. team/api");
        }

        if (tags.Count == 0) throw new ImageDslException(ErrorCodes.InvalidProperty, tagsSource, "", "give at least one tag");
        foreach (var tag in tags)
        {
            if (!ReferenceGrammar.IsTag(tag))
            {
                throw new ImageDslException(ErrorCodes.InvalidProperty, tagsSource, tag,
                    "a tag is up to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-' (a version like 1.2.3+build needs its '+' replaced)");
            }
        }

        return (repository, tags);
    }

    private static IReadOnlyList<string> Split(string tags) =>
        tags.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
}
