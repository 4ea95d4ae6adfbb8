using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Docker;
using ImageDsl.Build.Registry;
using Xunit;

namespace ImageDsl.IntegrationTests;

/// <summary>Pushing to the real registries: anonymous and htpasswd-protected, plus refused, unreachable and dropped.</summary>
public class RegistryTests
{
    private static async Task<(DockerEngine Engine, string ImageId)> BuildAsync(string marker)
    {
        var engine = await TestEngine.ConnectAsync();
        var id = await TestEngine.BuildAsync(engine, "imagedsl-tests/push:" + marker, Dockerfile.From(TestEngine.BaseImage).Env("MARKER", marker).ToString(), BuilderKind.BuildKit);
        return (engine, id);
    }

    private static async Task<string> PushAsync(DockerEngine engine, string imageId, string reference, RegistryCredential? credential = null, int attempts = 3,
        List<string>? log = null, TimeSpan? timeout = null)
    {
        var parsed = ImageReference.Parse(reference);
        await engine.TagAsync(imageId, parsed, CancellationToken.None);
        return await engine.PushAsync(parsed, credential, new PushPolicy(attempts, TimeSpan.FromMilliseconds(100), timeout ?? TimeSpan.FromMinutes(5)),
            m => log?.Add(m), CancellationToken.None);
    }

    [Fact]
    public async Task Push_to_the_anonymous_registry_returns_the_digest_the_registry_serves()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var (engine, id) = await BuildAsync(marker);
        using var _ = engine;

        var digest = await PushAsync(engine, id, $"{TestEngine.Registry}/tests/push:{marker}");

        Assert.Equal(digest, await ManifestDigestAsync(TestEngine.Registry, "tests/push", marker));
    }

    [Fact]
    public async Task Push_to_the_authenticated_registry_without_credentials_is_refused_with_a_coded_error()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var (engine, id) = await BuildAsync(marker);
        using var _ = engine;

        var error = await Assert.ThrowsAsync<ImageDslException>(() => PushAsync(engine, id, $"{TestEngine.AuthRegistry}/tests/push:{marker}"));

        Assert.Equal(ErrorCodes.RegistryAuthenticationFailed, error.Code);
        Assert.Contains(TestEngine.AuthRegistry, error.Message);
    }

    [Fact]
    public async Task Wrong_password_is_refused_and_never_appears_in_the_error()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var (engine, id) = await BuildAsync(marker);
        using var _ = engine;
        var wrong = new RegistryCredential(TestEngine.AuthRegistryUser, "wrong-" + marker, false, "test");

        var error = await Assert.ThrowsAsync<ImageDslException>(() => PushAsync(engine, id, $"{TestEngine.AuthRegistry}/tests/push:{marker}", wrong));

        Assert.Equal(ErrorCodes.RegistryAuthenticationFailed, error.Code);
        Assert.DoesNotContain("wrong-" + marker, error.ToString());
    }

    [Fact]
    public async Task Push_with_credentials_from_docker_config_reaches_the_authenticated_registry()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var (engine, id) = await BuildAsync(marker);
        using var _ = engine;
        var home = Directory.CreateTempSubdirectory("imagedsl-auth-");
        try
        {
            Directory.CreateDirectory(Path.Combine(home.FullName, ".docker"));
            var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestEngine.AuthRegistryUser}:{TestEngine.AuthRegistryPassword}"));
            await File.WriteAllTextAsync(Path.Combine(home.FullName, ".docker", "config.json"), $$"""{ "auths": { "{{TestEngine.AuthRegistry}}": { "auth": "{{auth}}" } } }""");
            var reference = ImageReference.Parse($"{TestEngine.AuthRegistry}/tests/push:{marker}");
            var credential = new RegistryCredentials(_ => null, home.FullName).Find(reference);

            var digest = await PushAsync(engine, id, reference.FullName, credential);

            Assert.Equal(digest, await ManifestDigestAsync(TestEngine.AuthRegistry, "tests/push", marker, authenticated: true));
        }
        finally
        {
            home.Delete(true);
        }
    }

    [Fact]
    public async Task Unreachable_registry_is_one_coded_error_without_retries()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var (engine, id) = await BuildAsync(marker);
        using var _ = engine;
        var log = new List<string>();

        var error = await Assert.ThrowsAsync<ImageDslException>(() => PushAsync(engine, id, $"127.0.0.1:5999/tests/push:{marker}", log: log));

        Assert.Equal(ErrorCodes.RegistryUnreachable, error.Code);
        Assert.Contains("127.0.0.1:5999", error.Message);
        Assert.Empty(log);
    }

    [Fact]
    public async Task Connection_dropped_mid_push_is_retried_and_then_succeeds()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var (engine, id) = await BuildAsync(marker);
        using var _ = engine;
        await using var proxy = new RegistryProxy(TestEngine.Registry, drops: 1);
        var log = new List<string>();

        var digest = await PushAsync(engine, id, $"{proxy.Address}/tests/dropped:{marker}", log: log);

        Assert.Equal(1, proxy.Dropped);
        Assert.Contains(log, l => l.Contains("retrying"));
        Assert.Equal(digest, await ManifestDigestAsync(TestEngine.Registry, "tests/dropped", marker));
    }

    [Fact]
    public async Task Push_that_keeps_failing_is_one_coded_error_and_publishes_no_tag()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var (engine, id) = await BuildAsync(marker);
        using var _ = engine;
        await using var proxy = new RegistryProxy(TestEngine.Registry, drops: int.MaxValue);

        var error = await Assert.ThrowsAsync<ImageDslException>(() => PushAsync(engine, id, $"{proxy.Address}/tests/dropped:{marker}", attempts: 2));

        Assert.Equal(ErrorCodes.PushFailed, error.Code);
        Assert.Equal(2, proxy.Dropped);
        Assert.Null(await ManifestDigestAsync(TestEngine.Registry, "tests/dropped", marker));
    }

    [Fact]
    public async Task A_registry_that_answers_500_is_not_retried_on_top_of_the_daemons_own_retries()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var (engine, id) = await BuildAsync(marker);
        using var _ = engine;
        await using var registry = new FailingRegistry();
        var log = new List<string>();

        var error = await Assert.ThrowsAsync<ImageDslException>(() => PushAsync(engine, id, $"{registry.Address}/tests/broken:{marker}", attempts: 3, log: log));

        Assert.Equal(ErrorCodes.PushFailed, error.Code);
        Assert.Contains("500", error.Message);
        Assert.True(registry.Requests > 0);
        // The daemon retried each upload itself ("Retrying in …"), so ImageDsl made its one attempt and no more.
        Assert.Contains("after 1 attempt, the daemon having retried the uploads itself", error.Message);
        Assert.Empty(log);
    }

    [Fact]
    public async Task A_registry_that_hangs_on_the_manifest_is_cancelled_at_the_push_timeout()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var (engine, id) = await BuildAsync(marker);
        using var _ = engine;
        await using var proxy = new RegistryProxy(TestEngine.Registry, hangManifests: true);

        var error = await Assert.ThrowsAsync<ImageDslException>(() =>
            PushAsync(engine, id, $"{proxy.Address}/tests/hanging:{marker}", timeout: TimeSpan.FromSeconds(8)));

        Assert.Equal(ErrorCodes.PushTimedOut, error.Code);
        Assert.Contains("within 8 s", error.Message);
        Assert.Contains("The last the registry answered: ", error.Message);
        Assert.DoesNotContain("answered: nothing", error.Message); // the layers' answers came before the manifest hung
        Assert.Null(await ManifestDigestAsync(TestEngine.Registry, "tests/hanging", marker));
    }

    [Theory]
    [InlineData("Get \"http://127.0.0.1:5003/v2/\": net/http: request canceled (Client.Timeout exceeded while awaiting headers)", PushFailure.Kind.Transient)]
    [InlineData("Get \"http://127.0.0.1:5003/v2/\": read tcp 127.0.0.1:40000->127.0.0.1:5003: i/o timeout", PushFailure.Kind.Transient)]
    [InlineData("Get \"http://127.0.0.1:5003/v2/\": context deadline exceeded", PushFailure.Kind.Transient)]
    [InlineData("Get \"http://127.0.0.1:5999/v2/\": dial tcp 127.0.0.1:5999: connect: connection refused", PushFailure.Kind.Unreachable)]
    [InlineData("Get \"http://10.1.2.3:5000/v2/\": dial tcp 10.1.2.3:5000: i/o timeout", PushFailure.Kind.Unreachable)]
    [InlineData("received unexpected HTTP status: 500 Internal Server Error", PushFailure.Kind.Transient)]
    [InlineData("unauthorized: authentication required", PushFailure.Kind.Authentication)]
    [InlineData("manifest invalid: manifest invalid", PushFailure.Kind.Permanent)]
    public void Push_failures_are_classified_by_what_another_attempt_could_change(string daemonMessage, PushFailure.Kind expected) =>
        Assert.Equal(expected, PushFailure.Classify(daemonMessage));

    /// <summary>The digest the registry serves for a tag, or null when the tag does not exist.</summary>
    private static async Task<string?> ManifestDigestAsync(string registry, string repository, string tag, bool authenticated = false)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Head, $"http://{registry}/v2/{repository}/manifests/{tag}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.docker.distribution.manifest.v2+json"));
        if (authenticated)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestEngine.AuthRegistryUser}:{TestEngine.AuthRegistryPassword}")));
        }

        using var response = await http.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return response.Headers.GetValues("Docker-Content-Digest").Single();
    }
}
