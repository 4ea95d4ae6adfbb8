using ImageDsl.Build.Daemonless;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Registry;

namespace ImageDsl.Build.Docker;

/// <summary>
/// What the daemon's builder would stand each base image on, as the build stamp records it, so that a base whose tag
/// moved since the last build (a <c>docker pull</c> of a patched base, a base rebuilt locally, a tag pushed anew) builds
/// the image again, as <c>docker build</c> of the same Dockerfile would. Both builders take the daemon's copy when it
/// has one (no <c>--pull</c>), else the registry's: so the daemon's image id, else the digest the registry gives the
/// tag (one HEAD). Where neither can be known (the registry does not answer), a value no earlier stamp holds: the
/// build goes to the daemon, whose builder then decides (and reports what it cannot reach).
/// </summary>
public static class BaseImageIdentity
{
    /// <param name="platform">The platform named for the build (ImageDslPlatform), or null.</param>
    public static async Task<string> OfAsync(DockerEngine engine, IEnumerable<string> references, string? platform, BuilderKind builder, RegistryCredentials credentials,
        PushPolicy policy, CancellationToken cancellationToken)
    {
        var identities = new List<string>();
        foreach (var reference in references.OrderBy(r => r, StringComparer.Ordinal))
        {
            identities.Add(reference + "=" + await OfAsync(engine, reference, platform, builder, credentials, policy, cancellationToken).ConfigureAwait(false));
        }

        return string.Join(",", identities);
    }

    /// <summary>
    /// Whether the daemon's builder stands on the daemon's own copy of a base: the classic builder always does (judged:
    /// an amd64 copy for linux/arm64), BuildKit unless a platform is named that the copy is not for — it then resolves
    /// the reference in the registry (judged).
    /// </summary>
    public static bool DaemonCopyServes(global::Docker.DotNet.Models.ImageInspectResponse local, string? platform, BuilderKind builder) =>
        builder == BuilderKind.Classic || string.IsNullOrEmpty(platform)
        || ImagePlatform.Stated(local.Os, local.Architecture, local.Variant)?.Normalize() == ImagePlatform.Parse(platform!);

    private static async Task<string> OfAsync(DockerEngine engine, string reference, string? platform, BuilderKind builder, RegistryCredentials credentials, PushPolicy policy,
        CancellationToken cancellationToken)
    {
        if (await engine.InspectImageAsync(reference, cancellationToken).ConfigureAwait(false) is { } local && DaemonCopyServes(local, platform, builder)) return "daemon:" + local.ID;
        var location = RegistryLocation.Parse(reference);
        if (location.Reference.Contains(':')) return "pinned"; // image@sha256:…: the reference is its identity
        try
        {
            using var client = new RegistryClient(location.Registry, credentials.Find(location.Registry), policy);
            return "registry:" + (await client.HeadManifestAsync(location.Repository, location.Reference, cancellationToken).ConfigureAwait(false) ?? "none");
        }
        catch (ImageDslException)
        {
            return "unknown:" + Guid.NewGuid().ToString("N");
        }
    }
}
