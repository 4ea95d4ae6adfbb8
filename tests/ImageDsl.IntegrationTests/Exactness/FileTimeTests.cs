using ImageDsl.Build.Context;
using ImageDsl.Build.Docker;
using Xunit;

namespace ImageDsl.IntegrationTests.Exactness;

/// <summary>
/// With a file time (ImageDslFileTime, SOURCE_DATE_EPOCH by default), the files COPY writes into a layer carry that
/// time, not the time they were checked out at, with both builders; without it they keep their own. What the builder
/// creates itself — the destination directory of a COPY — carries the build's time on Engine 20.10 (its BuildKit has
/// no timestamp rewriting), so a layer as a whole is not yet identical across checkouts: measured here, said in the docs.
/// </summary>
public class FileTimeTests
{
    public static TheoryData<BuilderKind> Builders => new() { BuilderKind.Classic, BuilderKind.BuildKit };

    [Theory]
    [MemberData(nameof(Builders))]
    public async Task Copied_files_carry_the_file_time_not_the_checkout_time(BuilderKind builder)
    {
        var root = Directory.CreateTempSubdirectory("imagedsl-filetime-");
        try
        {
            var marker = Guid.NewGuid().ToString("N");
            var contexts = new[] { new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2011, 6, 1, 12, 0, 0, DateTimeKind.Utc) }.Select((time, i) =>
            {
                var context = Directory.CreateDirectory(Path.Combine(root.FullName, "checkout" + i, "app")).Parent!.FullName;
                File.WriteAllText(Path.Combine(context, "app", "data.txt"), "the same bytes " + marker + "\n");
                File.SetLastWriteTimeUtc(Path.Combine(context, "app", "data.txt"), time);
                Directory.SetLastWriteTimeUtc(Path.Combine(context, "app"), time);
                return context;
            }).ToList();
            var dockerfile = Dockerfile.From(TestEngine.BaseImage).Copy("app", "/app").ToString();
            using var engine = await TestEngine.ConnectAsync();

            async Task<Dictionary<string, DateTimeOffset>> CopyLayerTimesAsync(string context, long? fileTime)
            {
                var tag = "imagedsl-tests/filetime:" + Guid.NewGuid().ToString("N")[..12];
                var request = new BuildRequest(tag, dockerfile, context, new[] { tag }, new Dictionary<string, string>(), new Dictionary<string, string>(),
                    NoCache: true, NetworkMode: TestEngine.NetworkMode);
                var layout = TestEngine.Layout(context, builder);
                await engine.BuildAsync(request, fileTime is { } seconds ? layout.WithFileTime(seconds) : layout, builder, new ListLog(), CancellationToken.None);
                return await LastLayerTimesAsync(tag);
            }

            var normalized = new[] { await CopyLayerTimesAsync(contexts[0], 1_700_000_000), await CopyLayerTimesAsync(contexts[1], 1_700_000_000) };
            Assert.All(normalized, layer => Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), layer["app/data.txt"]));
            var own = await CopyLayerTimesAsync(contexts[0], null);
            Assert.Equal(new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero), own["app/data.txt"]);
            Assert.True(normalized[0]["app/"] > DateTimeOffset.UtcNow.AddHours(-1)); // the directory COPY creates: the build's time
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    /// <summary>The modification times of the entries of an image's last layer, from `docker save` through the Engine API.</summary>
    private static async Task<Dictionary<string, DateTimeOffset>> LastLayerTimesAsync(string image)
    {
        using var client = new Docker.DotNet.DockerClientBuilder().WithEndpoint(TestEngine.SocketEndpoint.Uri).WithApiVersion(DockerEngine.ApiVersion).Build();
        await using var saved = await client.Images.SaveImageAsync(image);
        using var archive = new MemoryStream();
        await saved.CopyToAsync(archive);
        archive.Position = 0;
        var files = new Dictionary<string, byte[]>();
        using (var reader = new System.Formats.Tar.TarReader(archive))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.DataStream is null) continue;
                using var data = new MemoryStream();
                entry.DataStream.CopyTo(data);
                files[entry.Name] = data.ToArray();
            }
        }

        var manifest = System.Text.Json.JsonDocument.Parse(files["manifest.json"]);
        var layer = manifest.RootElement[0].GetProperty("Layers").EnumerateArray().Last().GetString()!;
        var times = new Dictionary<string, DateTimeOffset>();
        using var layerReader = new System.Formats.Tar.TarReader(new MemoryStream(files[layer]));
        while (layerReader.GetNextEntry() is { } entry) times[entry.Name] = entry.ModificationTime;
        return times;
    }
}
