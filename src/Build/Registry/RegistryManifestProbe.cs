using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ImageDsl.Build.Registry;

/// <summary>
/// One question to a registry, asked the way the docker daemon asks it: which manifest digest does this tag point at?
/// A HEAD of <c>/v2/REPOSITORY/manifests/TAG</c>, answering the registry's Basic or Bearer challenge with the
/// credential the push would use. Written by hand and kept to that one request: no OCI distribution client is among
/// the packages available here, and the push itself stays the daemon's. Any failure is "unknown" (null), and the
/// caller then pushes as usual: the probe can only save work, never change what is pushed.
/// </summary>
public static class RegistryManifestProbe
{
    private static readonly string[] ManifestTypes =
    {
        "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.oci.image.index.v1+json",
    };

    public static async Task<string?> DigestAsync(ImageReference reference, RegistryCredential? credential, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true }) { Timeout = timeout };
            // The daemon speaks plain HTTP to loopback registries (they are insecure by default); to others, HTTPS.
            var host = reference.Registry == ImageReference.DockerHub ? "registry-1.docker.io" : reference.Registry;
            var url = new Uri($"{(IsLoopback(reference.Registry) ? "http" : "https")}://{host}/v2/{reference.Repository}/manifests/{reference.Tag}");
            using var first = await HeadAsync(http, url, null, cancellationToken).ConfigureAwait(false);
            var response = first;
            HttpResponseMessage? second = null;
            if (first.StatusCode == HttpStatusCode.Unauthorized && first.Headers.WwwAuthenticate.FirstOrDefault() is { } challenge)
            {
                var authorization = challenge.Scheme.ToLowerInvariant() switch
                {
                    "basic" when credential is { IsIdentityToken: false } => Basic(credential),
                    "bearer" => await BearerAsync(http, challenge.Parameter ?? "", reference, credential, cancellationToken).ConfigureAwait(false),
                    _ => null,
                };
                if (authorization is null) return null;
                second = await HeadAsync(http, url, authorization, cancellationToken).ConfigureAwait(false);
                response = second;
            }

            using (second)
            {
                return response.IsSuccessStatusCode && response.Headers.TryGetValues("Docker-Content-Digest", out var digests) ? digests.FirstOrDefault() : null;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    private static async Task<HttpResponseMessage> HeadAsync(HttpClient http, Uri url, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, url);
        foreach (var type in ManifestTypes) request.Headers.Accept.ParseAdd(type);
        request.Headers.Authorization = authorization;
        return await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    // The token service of a Bearer challenge: realm, service and a pull scope for this repository.
    private static async Task<AuthenticationHeaderValue?> BearerAsync(HttpClient http, string challenge, ImageReference reference, RegistryCredential? credential,
        CancellationToken cancellationToken)
    {
        var parameters = Regex.Matches(challenge, "(\\w+)=\"([^\"]*)\"").ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.OrdinalIgnoreCase);
        if (!parameters.TryGetValue("realm", out var realm)) return null;
        var query = new StringBuilder("?scope=").Append(Uri.EscapeDataString($"repository:{reference.Repository}:pull"));
        if (parameters.TryGetValue("service", out var service)) query.Append("&service=").Append(Uri.EscapeDataString(service));
        using var request = new HttpRequestMessage(HttpMethod.Get, realm + query);
        if (credential is { IsIdentityToken: false }) request.Headers.Authorization = Basic(credential);
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) return null;
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        var token = json.RootElement.TryGetProperty("token", out var t) ? t.GetString() : json.RootElement.TryGetProperty("access_token", out var a) ? a.GetString() : null;
        return token is null ? null : new AuthenticationHeaderValue("Bearer", token);
    }

    private static AuthenticationHeaderValue Basic(RegistryCredential credential) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.Username + ":" + credential.Secret)));

    private static bool IsLoopback(string registry)
    {
        var host = registry.StartsWith('[') ? registry.Substring(1, registry.IndexOf(']') - 1) : registry.Split(':')[0];
        return host == "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
