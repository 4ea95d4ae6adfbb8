using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ImageDsl.Build.Diagnostics;

namespace ImageDsl.Build.Registry;

/// <summary>A manifest or index as the registry serves it: its media type, bytes and digest.</summary>
public sealed record RegistryManifest(string MediaType, byte[] Content, string Digest)
{
    public bool IsIndex => MediaType is RegistryClient.DockerManifestList or RegistryClient.OciIndex;
}

/// <summary>
/// The OCI distribution API (registry API v2), as much of it as building without a daemon needs: manifests and
/// indexes read and written, blobs checked (HEAD), fetched, mounted from another repository of the same registry, and
/// uploaded in one PUT; the registry's Basic or Bearer challenge answered with the docker credential for its host
/// (a token per scope the registry names, reused until refused or expired). Safe for concurrent requests (blobs are
/// pushed in parallel): each keeps the token it was answered with. Transient failures (a reset, 5xx, 429, a timeout)
/// are retried with a doubling delay within <see cref="PushPolicy"/>; anything else is one coded error.
/// Written by hand: no OCI distribution client is among the packages available here (the .NET SDK's lives inside
/// its MSBuild tasks and is not a package), and HttpClient does the HTTP.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public static readonly string[] ManifestTypes = { DockerManifest, OciManifest, DockerManifestList, OciIndex };

    private readonly HttpClient _http;
    private readonly string _registry;
    private readonly RegistryCredential? _credential;
    private readonly PushPolicy _policy;

    // What each scope (repository, actions, another repository's pull) was granted: asked for once however many
    // concurrent requests are challenged for it. The latest grant is tried first by requests whose scope has none yet
    // (a push token serves a pull too), which saves a challenge's round trip.
    private readonly ConcurrentDictionary<string, Lazy<Task<Grant>>> _grants = new(StringComparer.Ordinal);
    private AuthenticationHeaderValue? _latest;

    private sealed record Grant(AuthenticationHeaderValue? Authorization, DateTimeOffset Until)
    {
        public bool Serves(AuthenticationHeaderValue? refused) => Authorization is not null && !Authorization.Equals(refused) && Until > DateTimeOffset.UtcNow;
    }

    public RegistryClient(string registry, RegistryCredential? credential, PushPolicy policy, HttpMessageHandler? handler = null)
    {
        _registry = registry;
        _credential = credential;
        _policy = policy;
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(Math.Min(30, policy.Timeout.TotalSeconds)),
        })
        {
            Timeout = policy.Timeout,
        };
        var host = registry == ImageReference.DockerHub ? "registry-1.docker.io" : registry;
        // As the daemon does: plain HTTP to loopback registries (insecure by default), HTTPS to every other.
        BaseAddress = new Uri($"{(IsLoopback(registry) ? "http" : "https")}://{host}/v2/");
    }

    public Uri BaseAddress { get; }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// GET a manifest or index by tag or digest; null when the registry has none (404). One asked for by digest must
    /// have that digest, as containerd checks it: a pinned base (<c>image@sha256:…</c>) or an index entry is exactly
    /// that content, or IMAGEDSL1011.
    /// </summary>
    public async Task<RegistryManifest?> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseAddress, $"{repository}/manifests/{reference}"));
            foreach (var type in ManifestTypes) request.Headers.Accept.ParseAdd(type);
            return request;
        }, repository, "pull", cancellationToken, allowNotFound: true).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        var content = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (reference.Contains(':') && DigestOf(content, reference) is var actual && actual != reference)
        {
            throw new ImageDslException(ErrorCodes.RegistryBlobInvalid, _registry, repository, "manifest " + reference, actual);
        }

        // The registry's Content-Type, unless it is a generic one (application/json): then what the content says.
        var mediaType = response.Content.Headers.ContentType?.MediaType is { } header && header.StartsWith("application/vnd.", StringComparison.Ordinal)
            ? header : MediaTypeOf(content);
        return new RegistryManifest(mediaType, content, Digest(content));
    }

    /// <summary>HEAD a manifest: the digest the tag points at, or null.</summary>
    public async Task<string?> HeadManifestAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Head, new Uri(BaseAddress, $"{repository}/manifests/{reference}"));
            foreach (var type in ManifestTypes) request.Headers.Accept.ParseAdd(type);
            return request;
        }, repository, "pull", cancellationToken, allowNotFound: true).ConfigureAwait(false);
        return response.IsSuccessStatusCode && response.Headers.TryGetValues("Docker-Content-Digest", out var digests) ? digests.FirstOrDefault() : null;
    }

    public async Task<bool> BlobExistsAsync(string repository, string digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, new Uri(BaseAddress, $"{repository}/blobs/{digest}")),
            repository, "pull", cancellationToken, allowNotFound: true).ConfigureAwait(false);
        return response.IsSuccessStatusCode;
    }

    /// <summary>Downloads a blob to <paramref name="path"/> (through a temporary file), checking its digest.</summary>
    public Task DownloadBlobAsync(string repository, string digest, string path, CancellationToken cancellationToken) =>
        DownloadBlobAsync<object>(repository, digest, path, null, cancellationToken);

    /// <summary>
    /// Downloads a blob to <paramref name="path"/> (through a temporary file), checking its digest, while
    /// <paramref name="readAlong"/> reads the same bytes on a thread of its own as they arrive (see <see cref="ReadAlong{T}"/>).
    /// Returns what the reader made once the digest has matched — null when the reader failed or there is none.
    /// </summary>
    public async Task<T?> DownloadBlobAsync<T>(string repository, string digest, string path, Func<Stream, T>? readAlong, CancellationToken cancellationToken)
        where T : class
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri(BaseAddress, $"{repository}/blobs/{digest}")),
            repository, "pull", cancellationToken, streamed: true).ConfigureAwait(false);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = path + "." + Guid.NewGuid().ToString("N") + ".partial";
        using var along = readAlong is null ? null : new ReadAlong<T>(readAlong);
        try
        {
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            await using (var file = File.Create(partial))
            await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    if (along is not null) await along.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }

                var actual = "sha256:" + Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
                if (actual != digest) throw new ImageDslException(ErrorCodes.RegistryBlobInvalid, _registry, repository, "blob " + digest, actual);
            }

            File.Move(partial, path, overwrite: true);
            return along is null ? null : await along.EndAsync().ConfigureAwait(false);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <summary>
    /// Makes a blob present in <paramref name="repository"/>: nothing when it is there (HEAD), a cross-repository mount
    /// when <paramref name="mountFrom"/> (same registry) has it, else one monolithic upload from <paramref name="content"/>.
    /// Returns what happened: "exists", "mounted" or "uploaded".
    /// </summary>
    public async Task<string> EnsureBlobAsync(string repository, string digest, long size, Func<Stream>? content, string? mountFrom, CancellationToken cancellationToken)
    {
        if (await BlobExistsAsync(repository, digest, cancellationToken).ConfigureAwait(false)) return "exists";
        Uri? location = null;
        if (mountFrom is not null && mountFrom != repository)
        {
            using var mount = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post,
                    new Uri(BaseAddress, $"{repository}/blobs/uploads/?mount={Uri.EscapeDataString(digest)}&from={Uri.EscapeDataString(mountFrom)}")),
                repository, "pull,push", cancellationToken, extraScope: $"repository:{mountFrom}:pull").ConfigureAwait(false);
            if (mount.StatusCode == HttpStatusCode.Created) return "mounted";
            location = UploadLocation(mount);
        }

        if (content is null) throw new ImageDslException(ErrorCodes.RegistryRequestFailed, _registry, "POST", $"{repository}/blobs/uploads/?mount={digest}", $"the blob is not there and ImageDsl has no copy of it to upload");
        if (location is null)
        {
            using var start = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, new Uri(BaseAddress, $"{repository}/blobs/uploads/")),
                repository, "pull,push", cancellationToken).ConfigureAwait(false);
            location = UploadLocation(start);
        }

        var separator = location.Query.Length > 0 ? "&" : "?";
        var target = new Uri(location + separator + "digest=" + Uri.EscapeDataString(digest));
        using var put = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, target) { Content = new StreamContent(content()) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            request.Content.Headers.ContentLength = size;
            return request;
        }, repository, "pull,push", cancellationToken).ConfigureAwait(false);
        return "uploaded";
    }

    /// <summary>PUT a manifest or index under a tag (or its digest); returns the digest the registry reports.</summary>
    public async Task<string> PutManifestAsync(string repository, string reference, string mediaType, byte[] content, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, new Uri(BaseAddress, $"{repository}/manifests/{reference}")) { Content = new ByteArrayContent(content) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return request;
        }, repository, "pull,push", cancellationToken).ConfigureAwait(false);
        return response.Headers.TryGetValues("Docker-Content-Digest", out var digests) ? digests.First() : Digest(content);
    }

    public static string Digest(byte[] content) => "sha256:" + Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant();

    // The digest of content in the algorithm another digest names (those the OCI spec registers; any other cannot match it).
    private static string DigestOf(byte[] content, string digest) => digest.Substring(0, digest.IndexOf(':')) switch
    {
        "sha256" => Digest(content),
        "sha384" => "sha384:" + Convert.ToHexString(SHA384.HashData(content)).ToLowerInvariant(),
        "sha512" => "sha512:" + Convert.ToHexString(SHA512.HashData(content)).ToLowerInvariant(),
        var other => other + ": (not an algorithm ImageDsl checks)",
    };

    private Uri UploadLocation(HttpResponseMessage response)
    {
        var location = response.Headers.Location ?? throw new ImageDslException(ErrorCodes.RegistryRequestFailed, _registry, response.RequestMessage?.Method.Method, response.RequestMessage?.RequestUri?.AbsolutePath, "an upload was started without a Location header");
        return location.IsAbsoluteUri ? location : new Uri(BaseAddress, location);
    }

    private static string MediaTypeOf(byte[] content)
    {
        using var document = JsonDocument.Parse(content);
        // OCI lets a manifest or index leave out its mediaType: an index is the one with "manifests".
        if (document.RootElement.TryGetProperty("mediaType", out var type) && type.GetString() is { } stated) return stated;
        return document.RootElement.TryGetProperty("manifests", out _) ? OciIndex : OciManifest;
    }

    /// <summary>
    /// Sends a request (made anew for each attempt), answering an authentication challenge once and retrying
    /// transient failures. A final failure is a coded error naming the registry and what it said.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> make, string repository, string actions, CancellationToken cancellationToken,
        bool allowNotFound = false, bool streamed = false, string? extraScope = null)
    {
        var delay = _policy.FirstRetryDelay;
        var scope = repository + " " + actions + " " + extraScope;
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage? response = null;
            try
            {
                var sent = _grants.TryGetValue(scope, out var known) && known.Value.IsCompletedSuccessfully && known.Value.Result.Serves(null)
                    ? known.Value.Result.Authorization : Volatile.Read(ref _latest);
                response = await SendOnceAsync(make, sent, streamed, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Unauthorized && response.Headers.WwwAuthenticate.FirstOrDefault() is { } challenge)
                {
                    var granted = await GrantAsync(scope, sent, challenge, repository, actions, extraScope, cancellationToken).ConfigureAwait(false);
                    response.Dispose();
                    response = await SendOnceAsync(make, granted, streamed, cancellationToken).ConfigureAwait(false);
                }

                if (response.IsSuccessStatusCode || (allowNotFound && response.StatusCode == HttpStatusCode.NotFound)) return response;
                var status = (int)response.StatusCode;
                var body = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
                if (status is 401 or 403) throw new ImageDslException(ErrorCodes.RegistryDenied, _registry, repository, _credential?.ToString() ?? "no credentials", body);
                if (!(status >= 500 || status == 429) || attempt >= _policy.Attempts)
                {
                    using var shown = make();
                    throw new ImageDslException(ErrorCodes.RegistryRequestFailed, _registry, shown.Method.Method, shown.RequestUri!.AbsolutePath, $"{status} {body}");
                }
            }
            catch (HttpRequestException e) when (attempt < _policy.Attempts && !cancellationToken.IsCancellationRequested && !NobodyThere(e))
            {
                response?.Dispose();
            }
            catch (HttpRequestException e)
            {
                throw new ImageDslException(ErrorCodes.RegistryConnectionFailed, e, _registry, e.Message);
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ImageDslException(ErrorCodes.RegistryTimedOut, e, _registry, (int)_policy.Timeout.TotalSeconds);
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay += delay;
        }
    }

    // A name that does not resolve or a refused connection: nobody answers there, and another attempt will not change that.
    private static bool NobodyThere(HttpRequestException e) =>
        e.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.ConnectionRefused
            or System.Net.Sockets.SocketError.TryAgain or System.Net.Sockets.SocketError.NoData };

    private async Task<HttpResponseMessage> SendOnceAsync(Func<HttpRequestMessage> make, AuthenticationHeaderValue? authorization, bool streamed, CancellationToken cancellationToken)
    {
        using var request = make();
        request.Headers.Authorization = authorization;
        return await _http.SendAsync(request, streamed ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, cancellationToken)
            .ConfigureAwait(false);
    }

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return text.Length > 300 ? text.Substring(0, 300) + "…" : text.Trim();
    }

    /// <summary>
    /// The authorization for <paramref name="scope"/> after a challenge: what concurrent requests were already granted
    /// for it, unless that is what was <paramref name="refused"/> or has expired; then asked for again, once for all.
    /// </summary>
    private async Task<AuthenticationHeaderValue?> GrantAsync(string scope, AuthenticationHeaderValue? refused, AuthenticationHeaderValue challenge, string repository,
        string actions, string? extraScope, CancellationToken cancellationToken)
    {
        // An ask that fails (the token service unreachable, no token in its answer) fails for the requests waiting on
        // it, and is forgotten: the next request challenged for the scope asks again.
        Lazy<Task<Grant>> Ask()
        {
            Lazy<Task<Grant>>? ask = null;
            ask = new(async () =>
            {
                try
                {
                    return await AuthorizeAsync(challenge, repository, actions, extraScope, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    _grants.TryRemove(new KeyValuePair<string, Lazy<Task<Grant>>>(scope, ask!));
                    throw;
                }
            });
            return ask;
        }

        var current = _grants.GetOrAdd(scope, _ => Ask());
        var grant = await current.Value.ConfigureAwait(false);
        if (!grant.Serves(refused))
        {
            var fresh = Ask();
            grant = await (_grants.TryUpdate(scope, fresh, current) ? fresh : _grants.GetOrAdd(scope, fresh)).Value.ConfigureAwait(false);
        }

        Volatile.Write(ref _latest, grant.Authorization);
        return grant.Authorization;
    }

    /// <summary>
    /// Basic: the credential itself. Bearer: a token from the challenge's realm for its scope (or ours), until the
    /// lifetime the token service states (60 s where it states none, as the token specification says).
    /// </summary>
    private async Task<Grant> AuthorizeAsync(AuthenticationHeaderValue challenge, string repository, string actions, string? extraScope, CancellationToken cancellationToken)
    {
        var none = new Grant(null, DateTimeOffset.MinValue);
        if (challenge.Scheme.Equals("basic", StringComparison.OrdinalIgnoreCase))
        {
            return _credential is { IsIdentityToken: false } ? new Grant(Basic(_credential), DateTimeOffset.MaxValue) : none;
        }

        if (!challenge.Scheme.Equals("bearer", StringComparison.OrdinalIgnoreCase)) return none;
        var parameters = Regex.Matches(challenge.Parameter ?? "", "(\\w+)=\"([^\"]*)\"").ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.OrdinalIgnoreCase);
        if (!parameters.TryGetValue("realm", out var realm)) return none;
        var scopes = new List<string> { parameters.TryGetValue("scope", out var asked) ? asked : $"repository:{repository}:{actions}" };
        if (extraScope is not null) scopes.Add(extraScope);
        var query = new StringBuilder("?").AppendJoin("&", scopes.Select(s => "scope=" + Uri.EscapeDataString(s)));
        if (parameters.TryGetValue("service", out var service)) query.Append("&service=").Append(Uri.EscapeDataString(service));
        using var request = new HttpRequestMessage(HttpMethod.Get, realm + query);
        if (_credential is { IsIdentityToken: false }) request.Headers.Authorization = Basic(_credential);
        var requested = DateTimeOffset.UtcNow;
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) return none;
        var answer = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        string? token = null;
        var lifetime = 60;
        try
        {
            using var json = JsonDocument.Parse(answer);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object && (root.TryGetProperty("token", out var t) || root.TryGetProperty("access_token", out t)) && t.ValueKind == JsonValueKind.String)
            {
                token = t.GetString();
                if (root.TryGetProperty("expires_in", out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var seconds) && seconds > 0) lifetime = seconds;
            }
        }
        catch (JsonException)
        {
        }

        // A login page of a proxy, say: named as what it is, not as the registry refusing the credentials.
        if (string.IsNullOrEmpty(token))
        {
            throw new ImageDslException(ErrorCodes.RegistryRequestFailed, _registry, "GET", realm,
                "its token service answered 200 without a token (a JSON object with \"token\" or \"access_token\")");
        }

        // Renewed a little before the registry would refuse it (a request sent just before then is still answered).
        return new Grant(new AuthenticationHeaderValue("Bearer", token), requested.AddSeconds(lifetime * 0.9));
    }

    private static AuthenticationHeaderValue Basic(RegistryCredential credential) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.Username + ":" + credential.Secret)));

    public static bool IsLoopback(string registry)
    {
        var host = registry.StartsWith('[') ? registry.Substring(1, registry.IndexOf(']') - 1) : registry.Split(':')[0];
        return host == "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
