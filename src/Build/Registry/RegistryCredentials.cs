using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ImageDsl.Build.Diagnostics;

namespace ImageDsl.Build.Registry;

/// <summary>A registry login. <see cref="ToString"/> never shows the secret, so a stray log line cannot leak it.</summary>
public sealed record RegistryCredential(string Username, string Secret, bool IsIdentityToken, string Source)
{
    public override string ToString() => $"{Username} (from {Source})";
}

/// <summary>
/// Finds registry credentials where docker users keep them, in the CLI's order: a credHelpers entry for the
/// registry, else the credsStore helper, else an "auths" entry in $DOCKER_CONFIG/config.json (default
/// ~/.docker/config.json); then, for CI, IMAGEDSL_REGISTRY_USERNAME and IMAGEDSL_REGISTRY_PASSWORD, which go only to
/// the registry IMAGEDSL_REGISTRY_HOST names — like docker's config, a login is keyed by its registry, so that a
/// changed ImageDslRegistry (or a base image's host) in a pull request cannot send CI's secret elsewhere. Helpers are
/// the docker-credential-* programs, which receive the registry on standard input — never on a command line.
/// </summary>
public sealed class RegistryCredentials
{
    public const string UsernameVariable = "IMAGEDSL_REGISTRY_USERNAME";
    public const string PasswordVariable = "IMAGEDSL_REGISTRY_PASSWORD";
    public const string HostVariable = "IMAGEDSL_REGISTRY_HOST";

    private readonly Func<string, string?> _environment;
    private readonly string _configPath;
    private readonly Func<string, string, (int ExitCode, string Output)> _runHelper;

    public RegistryCredentials(Func<string, string?> environment, string homeDirectory, Func<string, string, (int, string)>? runHelper = null)
    {
        _environment = environment;
        var configDirectory = environment("DOCKER_CONFIG") is { Length: > 0 } configured ? configured : Path.Combine(homeDirectory, ".docker");
        _configPath = Path.Combine(configDirectory, "config.json");
        _runHelper = runHelper ?? RunHelper;
    }

    /// <summary>The credentials of the user the build runs as: this process's environment and home directory.</summary>
    public static RegistryCredentials OfCurrentUser() =>
        new(Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    public RegistryCredential? Find(ImageReference reference) => Find(reference.Registry);

    /// <summary>The login for a registry host, e.g. 127.0.0.1:5001 or docker.io.</summary>
    public RegistryCredential? Find(string registry)
    {
        return FromConfig(registry) ?? FromEnvironment(registry);
    }

    private RegistryCredential? FromEnvironment(string registry)
    {
        if (_environment(UsernameVariable) is not { Length: > 0 } user || _environment(PasswordVariable) is not { Length: > 0 } password) return null;
        if (_environment(HostVariable) is not { Length: > 0 } host)
        {
            throw new ImageDslException(ErrorCodes.RegistryCredentialsUnscoped, UsernameVariable, PasswordVariable, HostVariable);
        }

        return ImageReference.AuthKeyOf(HostOf(host)) == ImageReference.AuthKeyOf(registry)
            ? new RegistryCredential(user, password, false, $"{UsernameVariable} for {HostOf(host)}")
            : null;
    }

    /// <summary>The host of a registry as people write it: ghcr.io, https://ghcr.io/, index.docker.io or docker.io.</summary>
    private static string HostOf(string registry)
    {
        var host = registry.Trim();
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) host = host.Substring(scheme + 3);
        host = host.Split('/')[0];
        return host is "index.docker.io" or "registry-1.docker.io" ? ImageReference.DockerHub : host;
    }

    private RegistryCredential? FromConfig(string registry)
    {
        var authKey = ImageReference.AuthKeyOf(registry);
        if (!File.Exists(_configPath)) return null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(_configPath));
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new ImageDslException(ErrorCodes.DockerConfigUnreadable, e, _configPath, e.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            var keys = new[] { authKey, registry, "https://" + registry, "http://" + registry };
            if (root.TryGetProperty("credHelpers", out var helpers) && helpers.ValueKind == JsonValueKind.Object)
            {
                foreach (var key in keys)
                {
                    if (helpers.TryGetProperty(key, out var helper) && helper.GetString() is { Length: > 0 } name) return FromHelper(name, authKey);
                }
            }

            if (root.TryGetProperty("credsStore", out var store) && store.GetString() is { Length: > 0 } storeName)
            {
                var stored = FromHelper(storeName, authKey, missingIsNull: true);
                if (stored is not null) return stored;
            }

            if (root.TryGetProperty("auths", out var auths) && auths.ValueKind == JsonValueKind.Object)
            {
                foreach (var key in keys)
                {
                    if (!auths.TryGetProperty(key, out var entry)) continue;
                    if (entry.TryGetProperty("identitytoken", out var token) && token.GetString() is { Length: > 0 } identity)
                    {
                        return new RegistryCredential("<token>", identity, true, _configPath);
                    }

                    if (entry.TryGetProperty("auth", out var auth) && auth.GetString() is { Length: > 0 } encoded)
                    {
                        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
                        var colon = decoded.IndexOf(':');
                        if (colon > 0) return new RegistryCredential(decoded.Substring(0, colon), decoded.Substring(colon + 1), false, _configPath);
                    }
                }
            }
        }

        return null;
    }

    private RegistryCredential? FromHelper(string helper, string serverUrl, bool missingIsNull = false)
    {
        var (exitCode, output) = _runHelper(helper, serverUrl);
        if (exitCode != 0)
        {
            // The CLI treats "credentials not found" from the store as no login rather than an error.
            if (missingIsNull && output.Contains("credentials not found", StringComparison.OrdinalIgnoreCase)) return null;
            throw new ImageDslException(ErrorCodes.CredentialHelperFailed, helper, serverUrl, FirstLine(output), _configPath);
        }

        try
        {
            using var document = JsonDocument.Parse(output);
            var username = document.RootElement.GetProperty("Username").GetString() ?? "";
            var secret = document.RootElement.GetProperty("Secret").GetString() ?? "";
            return new RegistryCredential(username, secret, username == "<token>", "docker-credential-" + helper);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // The helper's output may contain the secret: report only that it was not understood.
            throw new ImageDslException(ErrorCodes.CredentialHelperFailed, e, helper, serverUrl, "its answer was not the expected JSON", _configPath);
        }
    }

    private static (int, string) RunHelper(string helper, string serverUrl)
    {
        var start = new ProcessStartInfo("docker-credential-" + helper, "get")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(start)!;
            process.StandardInput.Write(serverUrl);
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEnd();
            var error = process.StandardError.ReadToEnd();
            if (!process.WaitForExit(30_000))
            {
                process.Kill();
                return (-1, "timed out after 30 s");
            }

            return (process.ExitCode, process.ExitCode == 0 ? output : output + error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
