using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ImageDsl.Build.Diagnostics;

namespace ImageDsl.Build.Docker;

/// <summary>Where the daemon is and how to trust it. <see cref="Source"/> says which setting chose it, for messages.</summary>
public sealed record DockerEndpoint(Uri Uri, string? TlsCertificatePath, bool VerifyTls, string Source)
{
    public bool UsesTls => TlsCertificatePath is not null;

    public override string ToString() => Uri.ToString();
}

/// <summary>
/// Finds the daemon the way the docker CLI does, in its order: an explicit host (the ImageDslDockerHost property),
/// DOCKER_HOST (with DOCKER_TLS_VERIFY / DOCKER_CERT_PATH), the current docker context (DOCKER_CONTEXT, else
/// currentContext in config.json), and finally the local unix socket. Pure logic over an environment and a file
/// system root, so that it is testable without touching the machine's settings.
/// </summary>
public static class DockerEndpointResolver
{
    public const string DefaultUnixSocket = "unix:///var/run/docker.sock";

    public static DockerEndpoint Resolve(string? explicitHost, Func<string, string?> environment, string homeDirectory)
    {
        var configDirectory = environment("DOCKER_CONFIG") is { Length: > 0 } configured ? configured : Path.Combine(homeDirectory, ".docker");
        var tlsVerify = environment("DOCKER_TLS_VERIFY") is { Length: > 0 } verify && verify != "0";
        var certPath = environment("DOCKER_CERT_PATH") is { Length: > 0 } certs ? certs : configDirectory;

        if (explicitHost is { Length: > 0 })
        {
            return FromHost(explicitHost, tlsVerify ? certPath : null, tlsVerify, "the ImageDslDockerHost property");
        }

        if (environment("DOCKER_HOST") is { Length: > 0 } host)
        {
            return FromHost(host, tlsVerify ? certPath : null, tlsVerify, "DOCKER_HOST");
        }

        var context = environment("DOCKER_CONTEXT") is { Length: > 0 } named ? named : CurrentContext(configDirectory);
        if (context is not null && context != "default")
        {
            return FromContext(context, configDirectory);
        }

        return FromHost(DefaultUnixSocket, null, false, "the default socket");
    }

    private static DockerEndpoint FromHost(string host, string? certPath, bool verify, string source)
    {
        if (!Uri.TryCreate(host, UriKind.Absolute, out var uri) || uri.Scheme is not ("unix" or "tcp" or "npipe" or "http" or "https"))
        {
            throw new ImageDslException(ErrorCodes.InvalidProperty, source, host, "a daemon address is unix:///path/to/socket or tcp://host:port");
        }

        if (certPath is not null)
        {
            var missing = new[] { "ca.pem", "cert.pem", "key.pem" }.Where(f => !File.Exists(Path.Combine(certPath, f))).ToList();
            if (missing.Count > 0)
            {
                throw new ImageDslException(ErrorCodes.TlsIncomplete, host, $"{string.Join(", ", missing)} not found in {certPath}");
            }
        }

        return new DockerEndpoint(uri, certPath, verify, source);
    }

    private static string? CurrentContext(string configDirectory)
    {
        var path = Path.Combine(configDirectory, "config.json");
        if (!File.Exists(path)) return null;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return document.RootElement.TryGetProperty("currentContext", out var current) ? current.GetString() : null;
        }
        catch (JsonException e)
        {
            throw new ImageDslException(ErrorCodes.DockerConfigUnreadable, e, path, e.Message);
        }
    }

    /// <summary>A context lives in contexts/meta/&lt;sha256(name)&gt;/meta.json, its TLS files in contexts/tls/&lt;sha256(name)&gt;/docker.</summary>
    private static DockerEndpoint FromContext(string name, string configDirectory)
    {
        var id = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name))).ToLowerInvariant();
        var meta = Path.Combine(configDirectory, "contexts", "meta", id, "meta.json");
        if (!File.Exists(meta)) throw new ImageDslException(ErrorCodes.ContextNotFound, name, meta + " is missing");
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(meta));
            var docker = document.RootElement.GetProperty("Endpoints").GetProperty("docker");
            var host = docker.GetProperty("Host").GetString() ?? DefaultUnixSocket;
            var skipVerify = docker.TryGetProperty("SkipTLSVerify", out var skip) && skip.ValueKind == JsonValueKind.True;
            var tls = Path.Combine(configDirectory, "contexts", "tls", id, "docker");
            return FromHost(host, Directory.Exists(tls) ? tls : null, !skipVerify, $"docker context '{name}'");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ImageDslException(ErrorCodes.ContextNotFound, e, name, $"{meta} is not a docker context: {e.Message}");
        }
    }
}
