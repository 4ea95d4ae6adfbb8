using Xunit;

namespace ImageDsl.IntegrationTests;

/// <summary>
/// A push of what the registry already holds under the tag moves nothing: one HEAD of the manifest (answering the
/// registry's challenge where there is one), no blob and no manifest upload, and the build says "up to date".
/// Through <see cref="RegistryProxy"/>, which records every request the registry gets.
/// </summary>
[Collection(nameof(MSBuildTests))]
public class PushUpToDateTests
{
    private static string Definition(string marker) => $$"""
        [Image("tests/up-to-date", SmokeRun = false)]
        public static partial class App
        {
            static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
            static Dockerfile Define() => Dockerfile.From(BaseImage).Env("MARKER", "{{marker}}");
        }
        """;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_second_push_of_the_same_image_is_one_HEAD_and_up_to_date(bool authenticated)
    {
        var registry = authenticated ? TestEngine.AuthRegistry : TestEngine.Registry;
        await using var proxy = new RegistryProxy(registry);
        using var project = new MSBuildProject(Definition(Guid.NewGuid().ToString("N")));
        var noHome = Directory.CreateTempSubdirectory("imagedsl-empty-home-");
        var environment = authenticated
            ? new Dictionary<string, string?>
            {
                ["DOCKER_CONFIG"] = noHome.FullName,
                ["IMAGEDSL_REGISTRY_USERNAME"] = TestEngine.AuthRegistryUser,
                ["IMAGEDSL_REGISTRY_PASSWORD"] = TestEngine.AuthRegistryPassword,
                ["IMAGEDSL_REGISTRY_HOST"] = proxy.Address,
            }
            : new Dictionary<string, string?> { ["DOCKER_CONFIG"] = noHome.FullName };
        var push = $"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage} -t:PushImages -p:ImageDslRegistry={proxy.Address}";
        try
        {
            var first = project.Build(push, environment);
            Assert.True(first.ExitCode == 0, first.Output);
            Assert.Contains($"pushed {proxy.Address}/tests/up-to-date:latest@sha256:", first.Output);
            Assert.Contains(proxy.Requests, r => r.StartsWith("PUT /v2/tests/up-to-date/manifests/latest", StringComparison.Ordinal));
            var before = proxy.Requests.Count;

            var second = project.Build(push, environment);

            Assert.True(second.ExitCode == 0, second.Output);
            Assert.Contains($"{proxy.Address}/tests/up-to-date:latest is up to date (sha256:", second.Output);
            Assert.DoesNotContain("ImageDsl: pushing", second.Output);
            var requests = proxy.Requests.Skip(before).ToList();
            Assert.All(requests, r => Assert.Equal("HEAD /v2/tests/up-to-date/manifests/latest", r));
            Assert.Equal(authenticated ? 2 : 1, requests.Count); // the challenge, then the answer
            Assert.DoesNotContain(TestEngine.AuthRegistryPassword, second.Output);

            // Another image under the same tag in the registry: the next push is a push again.
            project.WriteDefinition(Definition(Guid.NewGuid().ToString("N")));
            var changed = project.Build(push, environment);
            Assert.True(changed.ExitCode == 0, changed.Output);
            Assert.Contains($"pushed {proxy.Address}/tests/up-to-date:latest@sha256:", changed.Output);
        }
        finally
        {
            noHome.Delete(true);
        }
    }
}
