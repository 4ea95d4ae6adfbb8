using System.Text.Json;
using ImageDsl.Build.Diagnostics;

namespace ImageDsl.Build.Registry;

/// <summary>
/// One question to a registry, asked the way the docker daemon asks it: which manifest digest does this tag point at?
/// A HEAD of <c>/v2/REPOSITORY/manifests/TAG</c> through <see cref="RegistryClient"/>, with the credential the push
/// would use. Any failure is "unknown" (null), and the caller then pushes as usual: the probe can only save work,
/// never change what is pushed.
/// </summary>
public static class RegistryManifestProbe
{
    public static async Task<string?> DigestAsync(ImageReference reference, RegistryCredential? credential, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new RegistryClient(reference.Registry, credential, new PushPolicy(1, TimeSpan.Zero, timeout));
            return await client.HeadManifestAsync(reference.Repository, reference.Tag, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ImageDslException or HttpRequestException or TaskCanceledException or JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }
}
