using System.Security.Cryptography;
using System.Text;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Docker;
using ImageDsl.Build.Registry;
using Xunit;

namespace ImageDsl.IntegrationTests.Engine;

/// <summary>Endpoint and credential lookup over a fake home directory and environment (our own logic, not docker's).</summary>
public sealed class EndpointAndCredentialTests : IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("imagedsl-home-");
    private readonly Dictionary<string, string> _environment = new();

    public void Dispose() => _home.Delete(true);

    private string? Env(string name) => _environment.TryGetValue(name, out var value) ? value : null;

    private DockerEndpoint Resolve(string? explicitHost = null) => DockerEndpointResolver.Resolve(explicitHost, Env, _home.FullName);

    [Fact]
    public async Task A_socket_that_is_missing_or_not_listened_on_is_IMAGEDSL3001_saying_which()
    {
        var missing = Path.Combine(_home.FullName, "missing.sock");
        var error = await Assert.ThrowsAsync<ImageDslException>(() =>
            DockerEngine.ConnectAsync(Resolve("unix://" + missing), TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(ErrorCodes.DaemonUnreachable, error.Code);
        Assert.Contains("there is no socket at " + missing, error.Text);

        // A socket that is bound but not listening, as a daemon's is while it starts: the file exists, nothing accepts.
        var stale = Path.Combine(_home.FullName, "stale.sock");
        using var bound = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        bound.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(stale));

        error = await Assert.ThrowsAsync<ImageDslException>(() =>
            DockerEngine.ConnectAsync(Resolve("unix://" + stale), TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(ErrorCodes.DaemonUnreachable, error.Code);
        Assert.True(error.Text.Contains("nothing accepts connections on " + stale, StringComparison.Ordinal), error.Text);
    }

    [Fact]
    public void Default_is_the_local_socket() => Assert.Equal("unix:///var/run/docker.sock", Resolve().Uri.ToString());

    [Fact]
    public void Explicit_property_beats_DOCKER_HOST_which_beats_the_context()
    {
        WriteContext("remote", "tcp://10.9.8.7:2375");
        WriteConfig("""{ "currentContext": "remote" }""");
        Assert.Equal("tcp://10.9.8.7:2375/", Resolve().Uri.ToString());

        _environment["DOCKER_HOST"] = "tcp://127.0.0.1:2375";
        Assert.Equal("DOCKER_HOST", Resolve().Source);

        Assert.Equal("unix:///run/other.sock", Resolve("unix:///run/other.sock").Uri.ToString());
    }

    [Fact]
    public void DOCKER_CONTEXT_selects_a_context_and_its_tls_files()
    {
        WriteContext("secure", "tcp://127.0.0.1:2376", withTls: true);
        _environment["DOCKER_CONTEXT"] = "secure";

        var endpoint = Resolve();

        Assert.Equal("tcp://127.0.0.1:2376/", endpoint.Uri.ToString());
        Assert.True(endpoint.UsesTls);
        Assert.Equal("docker context 'secure'", endpoint.Source);
    }

    [Fact]
    public void Missing_context_and_incomplete_tls_are_coded_errors()
    {
        _environment["DOCKER_CONTEXT"] = "nope";
        Assert.Equal(ErrorCodes.ContextNotFound, Assert.Throws<ImageDslException>(() => Resolve()).Code);

        _environment.Remove("DOCKER_CONTEXT");
        _environment["DOCKER_HOST"] = "tcp://127.0.0.1:2376";
        _environment["DOCKER_TLS_VERIFY"] = "1";
        _environment["DOCKER_CERT_PATH"] = _home.FullName;
        var error = Assert.Throws<ImageDslException>(() => Resolve());
        Assert.Equal(ErrorCodes.TlsIncomplete, error.Code);
        Assert.Contains("ca.pem", error.Message);
    }

    [Fact]
    public void Credentials_come_from_auths_then_environment()
    {
        var reference = ImageReference.Parse("127.0.0.1:5001/team/app:1");
        var credentials = new RegistryCredentials(Env, _home.FullName);
        Assert.Null(credentials.Find(reference));

        _environment[RegistryCredentials.UsernameVariable] = "ci";
        _environment[RegistryCredentials.PasswordVariable] = "from-env";
        Assert.Equal(ErrorCodes.RegistryCredentialsUnscoped, Assert.Throws<ImageDslException>(() => credentials.Find(reference)).Code);
        _environment[RegistryCredentials.HostVariable] = "https://127.0.0.1:5001/";
        Assert.Equal("from-env", credentials.Find(reference)!.Secret);
        Assert.Null(credentials.Find(ImageReference.Parse("127.0.0.1:5000/team/app:1")));
        Assert.Null(credentials.Find(ImageReference.Parse("busybox")));
        _environment[RegistryCredentials.HostVariable] = "index.docker.io";
        Assert.Equal("from-env", credentials.Find(ImageReference.Parse("busybox"))!.Secret);
        Assert.Null(credentials.Find(reference));
        _environment[RegistryCredentials.HostVariable] = "127.0.0.1:5001";

        WriteConfig($$"""{ "auths": { "127.0.0.1:5001": { "auth": "{{Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:s3cret:with:colons"))}}" } } }""");
        var fromConfig = credentials.Find(reference)!;
        Assert.Equal(("alice", "s3cret:with:colons"), (fromConfig.Username, fromConfig.Secret));
        Assert.DoesNotContain("s3cret", fromConfig.ToString());
    }

    [Fact]
    public void Credential_helpers_get_the_registry_on_stdin_and_failures_hide_the_answer()
    {
        WriteConfig("""{ "credsStore": "store", "credHelpers": { "127.0.0.1:5001": "special" } }""");
        var asked = new List<(string Helper, string Server)>();
        var credentials = new RegistryCredentials(Env, _home.FullName, (helper, server) =>
        {
            asked.Add((helper, server));
            return helper == "special" ? (0, """{ "Username": "bob", "Secret": "helper-secret" }""") : (1, "credentials not found in native keychain");
        });

        Assert.Equal("helper-secret", credentials.Find(ImageReference.Parse("127.0.0.1:5001/app"))!.Secret);
        Assert.Null(credentials.Find(ImageReference.Parse("busybox")));
        Assert.Equal(new[] { ("special", "127.0.0.1:5001"), ("store", "https://index.docker.io/v1/") }, asked);

        var broken = new RegistryCredentials(Env, _home.FullName, (_, _) => (0, "Secret: leaked-value not json"));
        var error = Assert.Throws<ImageDslException>(() => broken.Find(ImageReference.Parse("127.0.0.1:5001/app")));
        Assert.Equal(ErrorCodes.CredentialHelperFailed, error.Code);
        Assert.DoesNotContain("leaked-value", error.Message);
    }

    [Theory]
    [InlineData("busybox", "docker.io/library/busybox:latest")]
    [InlineData("team/app:1.0", "docker.io/team/app:1.0")]
    [InlineData("localhost/app", "localhost/app:latest")]
    [InlineData("127.0.0.1:5000/a/b:c", "127.0.0.1:5000/a/b:c")]
    [InlineData("ghcr.io/owner/image:v2", "ghcr.io/owner/image:v2")]
    public void References_are_normalised_as_docker_does(string reference, string expected) =>
        Assert.Equal(expected, ImageReference.Parse(reference).FullName);

    private void WriteConfig(string json)
    {
        Directory.CreateDirectory(Path.Combine(_home.FullName, ".docker"));
        File.WriteAllText(Path.Combine(_home.FullName, ".docker", "config.json"), json);
    }

    private void WriteContext(string name, string host, bool withTls = false)
    {
        var id = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name))).ToLowerInvariant();
        var meta = Path.Combine(_home.FullName, ".docker", "contexts", "meta", id);
        Directory.CreateDirectory(meta);
        File.WriteAllText(Path.Combine(meta, "meta.json"), $$"""{ "Name": "{{name}}", "Endpoints": { "docker": { "Host": "{{host}}", "SkipTLSVerify": false } } }""");
        if (!withTls) return;
        var tls = Path.Combine(_home.FullName, ".docker", "contexts", "tls", id, "docker");
        Directory.CreateDirectory(tls);
        foreach (var file in new[] { "ca.pem", "cert.pem", "key.pem" }) File.WriteAllText(Path.Combine(tls, file), "pem");
    }
}
