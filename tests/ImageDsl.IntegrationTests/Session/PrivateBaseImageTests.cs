using System.Text;
using ImageDsl.Build.Docker;
using ImageDsl.Build.Registry;
using Xunit;

namespace ImageDsl.IntegrationTests.Session;

/// <summary>
/// A FROM image that exists only in the authenticated registry: BuildKit pulls it itself and asks the session's auth
/// service for a login, which ImageDsl answers from the user's docker configuration.
/// </summary>
[Collection(nameof(MSBuildTests))]
public class PrivateBaseImageTests
{
    private static string Reference => $"{TestEngine.AuthRegistry}/imagedsl-tests/private-base:1";

    private static string Definition => $$"""
        [Image("tests/from-private-base", ExpectOutput = "private-base")]
        public static partial class App
        {
            static Dockerfile Define() => Dockerfile.From("{{Reference}}").Cmd("cat", "/private-marker");
        }
        """;

    [Fact]
    public async Task A_base_image_in_an_authenticated_registry_is_pulled_with_the_users_docker_login()
    {
        await PublishPrivateBaseAsync();
        var config = Directory.CreateTempSubdirectory("imagedsl-docker-config-");
        var empty = Directory.CreateTempSubdirectory("imagedsl-docker-config-");
        try
        {
            var login = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestEngine.AuthRegistryUser}:{TestEngine.AuthRegistryPassword}"));
            await File.WriteAllTextAsync(Path.Combine(config.FullName, "config.json"), $$"""{ "auths": { "{{TestEngine.AuthRegistry}}": { "auth": "{{login}}" } } }""");
            using var project = new MSBuildProject(Definition);

            // Without a login the daemon's pull is refused: the image really is only in the authenticated registry.
            var refused = project.Build("-p:ImageDslBuildOnBuild=true -p:ImageDslBuilder=buildkit", new Dictionary<string, string?> { ["DOCKER_CONFIG"] = empty.FullName });
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("IMAGEDSL2004", Assert.Single(refused.Errors));

            var pulled = project.Build("-p:ImageDslBuildOnBuild=true -p:ImageDslBuilder=buildkit", new Dictionary<string, string?> { ["DOCKER_CONFIG"] = config.FullName });
            Assert.True(pulled.ExitCode == 0, pulled.Output);
            Assert.Contains("| private-base", pulled.Output);
            Assert.DoesNotContain(TestEngine.AuthRegistryPassword, pulled.Output);
        }
        finally
        {
            config.Delete(true);
            empty.Delete(true);
            using var engine = await TestEngine.ConnectAsync();
            await engine.RemoveImageAsync(Reference, CancellationToken.None);
        }
    }

    /// <summary>Builds the base, pushes it to the authenticated registry, and removes every local copy of it.</summary>
    private static async Task PublishPrivateBaseAsync()
    {
        using var engine = await TestEngine.ConnectAsync();
        await TestEngine.BuildAsync(engine, Reference, $"FROM {TestEngine.BaseImage}\nRUN echo private-base > /private-marker\n", BuilderKind.BuildKit);
        var credential = new RegistryCredential(TestEngine.AuthRegistryUser, TestEngine.AuthRegistryPassword, false, "test");
        await engine.PushAsync(ImageReference.Parse(Reference), credential, PushPolicy.Default, _ => { }, CancellationToken.None);
        await engine.RemoveImageAsync(Reference, CancellationToken.None);
        Assert.Null(await engine.InspectImageAsync(Reference, CancellationToken.None));
    }
}
