using ImageDsl.Build.Diagnostics;
using ImageDsl.Rendering;

namespace ImageDsl.Build.Registry;

/// <summary>
/// An image reference normalised as docker does: a first path component counts as a registry host only if it
/// contains '.' or ':' or is "localhost"; otherwise the registry is docker.io and a single-component name gets
/// "library/" (<c>busybox</c> → <c>docker.io/library/busybox:latest</c>).
/// </summary>
public sealed record ImageReference(string Registry, string Repository, string Tag)
{
    public const string DockerHub = "docker.io";

    /// <summary>The fully qualified form, e.g. docker.io/library/busybox:latest.</summary>
    public string FullName => $"{Registry}/{Repository}:{Tag}";

    /// <summary>The name the daemon uses for the repository (without the docker.io prefix that it adds itself).</summary>
    public string DaemonRepository => Registry == DockerHub ? Repository : $"{Registry}/{Repository}";

    /// <summary>The key of this registry in docker's config.json "auths".</summary>
    public string AuthKey => AuthKeyOf(Registry);

    public override string ToString() => FullName;

    /// <summary>The registry host an image reference pulls from (docker.io when the first component is not a host).</summary>
    public static string RegistryOf(string reference)
    {
        var slash = reference.IndexOf('/');
        if (slash <= 0) return DockerHub;
        var first = reference.Substring(0, slash);
        return first.Contains('.') || first.Contains(':') || first == "localhost" ? (first == "index.docker.io" ? DockerHub : first) : DockerHub;
    }

    /// <summary>The key of a registry in docker's config.json "auths" (Docker Hub keeps its historic URL).</summary>
    public static string AuthKeyOf(string registry) => registry == DockerHub ? "https://index.docker.io/v1/" : registry;

    /// <summary>
    /// The references an image is pushed as: NAME:TAG for each tag, under the registry (ImageDslRegistry, optionally with
    /// a namespace) when one is set. The daemon's push and the daemonless builder's both push exactly these.
    /// </summary>
    public static IReadOnlyList<ImageReference> ForPush(string? registry, string name, IEnumerable<string> tags)
    {
        var qualified = string.IsNullOrEmpty(registry) ? name : registry!.TrimEnd('/') + "/" + name;
        return tags.Select(tag => Parse(qualified + ":" + tag)).ToList();
    }

    public static ImageReference Parse(string reference)
    {
        var name = reference;
        var tag = "latest";
        var lastSlash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        if (colon > lastSlash)
        {
            tag = name.Substring(colon + 1);
            name = name.Substring(0, colon);
        }

        var registry = DockerHub;
        var firstSlash = name.IndexOf('/');
        if (firstSlash > 0)
        {
            var first = name.Substring(0, firstSlash);
            if (first.Contains('.') || first.Contains(':') || first == "localhost")
            {
                registry = first;
                name = name.Substring(firstSlash + 1);
            }
        }

        if (registry == DockerHub && !name.Contains('/')) name = "library/" + name;
        if (registry == "index.docker.io") registry = DockerHub;
        if (!ReferenceGrammar.IsRepositoryPath(name)) throw new ImageDslException(ErrorCodes.InvalidPushReference, reference, "the repository name must be lowercase letters, digits and separators");
        if (!ReferenceGrammar.IsTag(tag)) throw new ImageDslException(ErrorCodes.InvalidPushReference, reference, "a tag is up to 128 letters, digits, '_', '.' or '-'");
        return new ImageReference(registry, name, tag);
    }
}
