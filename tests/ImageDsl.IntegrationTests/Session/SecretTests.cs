using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Docker.DotNet;
using ImageDsl.Build.Docker;
using Xunit;

namespace ImageDsl.IntegrationTests.Session;

/// <summary>
/// Build secrets through the BuildKit session: a RUN step reads the secret (and writes only its hash into the image);
/// the value must appear nowhere — not in the build's output at any verbosity, the binlog, anything under the project
/// (obj/, stamps, generated files), nor the image's history, config or layers.
/// </summary>
[Collection(nameof(MSBuildTests))]
public class SecretTests
{
    // BuildKit keeps secret values out of its cache keys (as docker does), so each test's step is made unique.
    private static string Definition(string imageName, string expectedHash) => $$"""
        [Image("{{imageName}}", ExpectOutput = "{{expectedHash}}")]
        public static partial class App
        {
            static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
            static Dockerfile Define() => Dockerfile.From(BaseImage)
                .Run("echo {{Guid.NewGuid():N}} > /run-id && sha256sum /run/secrets/token | cut -d ' ' -f 1 > /token.sha256", mounts: [Mount.Secret("token", required: true)])
                .Cmd("cat", "/token.sha256");
        }
        """;

    public static TheoryData<string> Sources => new() { "File", "Environment" };

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task A_secret_reaches_the_RUN_step_and_nothing_else(string source)
    {
        var value = "imagedsl-secret-" + Guid.NewGuid().ToString("N");
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value))).ToLowerInvariant();
        var image = "tests/secret-" + source.ToLowerInvariant();
        var secretFile = Path.Combine(Path.GetTempPath(), "imagedsl-secret-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(secretFile, value);
        var item = source == "File" ? $"File=\"{secretFile}\"" : "Environment=\"IMAGEDSL_TEST_TOKEN\"";
        using var project = new MSBuildProject(Definition(image, hash), projectXml: $"<ItemGroup><ImageDslSecret Include=\"token\" {item} /></ItemGroup>");
        var binlog = Path.Combine(project.Directory.FullName, "build.binlog");
        try
        {
            // MSBuild itself prints the whole environment at diagnostic verbosity, so a secret kept in an environment
            // variable is tested at normal verbosity and a file-kept one at diagnostic (see docs/secrets.md).
            var verbosity = source == "File" ? "-v:diag" : "-v:n";
            var result = project.Build($"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage} -p:ImageDslBuildOnBuild=true -p:ImageDslBuilder=buildkit {verbosity} -bl:\"{binlog}\"",
                new Dictionary<string, string?> { ["IMAGEDSL_TEST_TOKEN"] = source == "Environment" ? value : null });

            Assert.True(result.ExitCode == 0, result.Output);
            Assert.Contains("| " + hash, result.Output); // the RUN step read exactly the value
            Assert.DoesNotContain(value, result.Output);
            Assert.False(Contains(DecompressedBinlog(binlog), value), "the binlog holds the secret");
            foreach (var file in project.Directory.EnumerateFiles("*", SearchOption.AllDirectories).Where(f => f.FullName != binlog))
            {
                Assert.False(Contains(await File.ReadAllBytesAsync(file.FullName), value), "the secret is in " + file.FullName);
            }

            using var client = new DockerClientBuilder().WithEndpoint(TestEngine.SocketEndpoint.Uri).WithApiVersion(DockerEngine.ApiVersion).Build();
            var inspect = await client.Images.InspectImageAsync(image + ":latest");
            var history = await client.Images.GetImageHistoryAsync(image + ":latest");
            Assert.DoesNotContain(value, System.Text.Json.JsonSerializer.Serialize(inspect));
            Assert.DoesNotContain(value, System.Text.Json.JsonSerializer.Serialize(history));
            await using var saved = await client.Images.SaveImageAsync(image + ":latest");
            using var layers = new MemoryStream();
            await saved.CopyToAsync(layers);
            Assert.True(layers.Length > 0);
            Assert.False(Contains(layers.ToArray(), value), "the secret is in the image's layers");
            Assert.True(Contains(layers.ToArray(), hash), "the image holds the hash the RUN step wrote (the layers were searched)");
        }
        finally
        {
            File.Delete(secretFile);
        }
    }

    [Fact]
    public void A_required_secret_without_a_source_is_a_coded_error_before_the_build()
    {
        using var project = new MSBuildProject(Definition("tests/secret-missing", "x"));

        var result = project.Build($"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage} -p:ImageDslBuildOnBuild=true -p:ImageDslBuilder=buildkit");

        Assert.NotEqual(0, result.ExitCode);
        var error = Assert.Single(result.Errors);
        Assert.Contains("IMAGEDSL2013", error);
        Assert.Contains("'token'", error);
        Assert.DoesNotContain("building tests/secret-missing", result.Output);
    }

    [Fact]
    public void An_unreadable_secret_source_names_the_secret_and_its_source_not_a_value()
    {
        var missing = Path.Combine(Path.GetTempPath(), "imagedsl-no-such-secret-" + Guid.NewGuid().ToString("N"));
        using var project = new MSBuildProject(Definition("tests/secret-unreadable", "x"), projectXml: $"<ItemGroup><ImageDslSecret Include=\"token\" File=\"{missing}\" /></ItemGroup>");

        var result = project.Build($"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage} -p:ImageDslBuildOnBuild=true -p:ImageDslBuilder=buildkit");

        Assert.NotEqual(0, result.ExitCode);
        var error = Assert.Single(result.Errors);
        Assert.Contains("IMAGEDSL2013", error);
        Assert.Contains(missing, error);
    }

    private static bool Contains(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0;

    private static byte[] DecompressedBinlog(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        return buffer.ToArray();
    }
}
