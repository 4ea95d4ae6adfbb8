extern alias tool;
using System.Reflection;
using System.Text.Json;
using Docker.DotNet;
using ImageDsl.Build.Docker;
using ImageDsl.IntegrationTests.Daemonless;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using tool::ImageDsl.Tool.Import;
using Xunit;

namespace ImageDsl.IntegrationTests.Import;

/// <summary>
/// The judge for <c>imagedsl import</c>: a Dockerfile and the Dockerfile its imported C# definition renders are both
/// built by the daemon (with BuildKit; see Cases for the classic builder), from the same context, and the two images must have the same config and the same
/// file tree (every path's type, mode, owner, size, link and content). The stream round trip over the corpus runs in
/// the unit tests; this proves, where a Dockerfile builds here, that equal streams are equal images. (The daemon's
/// built-in Dockerfile frontend predates --link, RUN --network and heredocs, so those are checked by the stream only.)
/// The configuration case is built by the classic builder as well.
/// </summary>
public sealed class ImportImageParityTests
{
    private const string Config = """
            ARG BASE=@BASE@
            FROM ${BASE}
            ARG VERSION=1.2
            LABEL org.opencontainers.image.version=$VERSION
            LABEL "quoted key"="a \"b\" c"
            ENV APP_HOME=/opt/app
            ENV LEGACY value with  spaces
            ENV MODE=production GREETING="two words" RELEASE=$VERSION
            ENV PATH=$APP_HOME/bin:$PATH HOME_LABEL="[$APP_HOME]"
            LABEL org.example.a=1 "org.example.b"="two words" org.example.home=${APP_HOME}
            WORKDIR $APP_HOME
            USER 1000:1000
            EXPOSE 8080 53/udp 7000-7002
            VOLUME ["/data", "/logs"]
            STOPSIGNAL SIGINT
            SHELL ["/bin/sh", "-eu", "-c"]
            HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s --retries=3 CMD wget -q -O- http://127.0.0.1/ || exit 1
            ONBUILD RUN echo triggered
            ENTRYPOINT ["/bin/echo"]
            CMD ["hello", "world"]
            """;

    public static TheoryData<string, BuilderKind, string> Cases => new()
    {
        { "config", BuilderKind.BuildKit, Config },
        // The classic builder too, where the Dockerfile is one it builds (no --chmod, no RUN --mount).
        { "config", BuilderKind.Classic, Config },
        { "copy", BuilderKind.BuildKit, """
            FROM @BASE@ AS assets
            RUN mkdir -p /out/deep && echo made > /out/deep/made.txt

            FROM @BASE@
            WORKDIR /work
            COPY app /dest/
            COPY --chown=1000:1000 app /chowned
            COPY --chmod=640 app/a.txt rel.txt
            COPY app/*.txt /pattern/
            COPY ["app/a.txt", "app/sub/b.txt", "/two/"]
            COPY --from=assets /out/ /from-stage/
            """ },
        { "spellings", BuilderKind.BuildKit, """
            ARG BASE=@BASE@
            from ${BASE} as first
            arg UID=1000
            ARG GID=${UID}
            ARG PORT=8080
            env A=\$HOME B='$HOME single' C="$HOME double" D=pre${UID}post
            Label multi="one \
                two" other=x
            workdir /other
            copy --chown=1000:1000 app/a.txt owned.txt
            user 1000
            expose 8080/udp
            FROM ${BASE}
            COPY --from=0 /other/owned.txt /copied.txt
            COPY --from=first /etc/passwd /passwd
            """ },
        { "run", BuilderKind.BuildKit, """
            FROM @BASE@
            RUN echo one > /one.txt && \
                # a comment inside the continuation
                echo two >> /one.txt
            RUN --mount=type=cache,target=/cache,id=import-parity sh -c 'echo cached > /cache/x; cp /cache/x /from-cache.txt'
            RUN ["/bin/sh", "-c", "echo exec > /exec.txt"]
            """ },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Imported_definition_builds_the_same_image(string name, BuilderKind builder, string original)
    {
        original = original.Replace("@BASE@", DaemonlessParityTests.RegistryBase, StringComparison.Ordinal);
        var imported = DockerfileImporter.Import(original, "ImportedImage", "imported");
        Assert.Empty(imported.Problems);
        var emitted = Render(imported.Source);
        Assert.NotEqual(original.Trim(), emitted.Trim());

        var context = await DaemonlessParityTests.SampleContextAsync("imagedsl-import-");
        try
        {

            using var engine = await TestEngine.ConnectAsync();
            async Task BuildAsync(string tag, string dockerfile) =>
                await engine.BuildAsync(new BuildRequest(tag, dockerfile, context.FullName, new[] { tag }, new Dictionary<string, string>(), new Dictionary<string, string>(),
                    NetworkMode: TestEngine.NetworkMode), TestEngine.Layout(context.FullName, builder), builder, new ListLog(), CancellationToken.None);
            var originalTag = $"tests/import-{name}-{builder.ToString().ToLowerInvariant()}:original";
            var importedTag = $"tests/import-{name}-{builder.ToString().ToLowerInvariant()}:imported";
            await BuildAsync(originalTag, original);
            await BuildAsync(importedTag, emitted);

            using var client = new DockerClientBuilder().WithEndpoint(TestEngine.SocketEndpoint.Uri).WithApiVersion(DockerEngine.ApiVersion).Build();
            var expected = await client.Images.InspectImageAsync(originalTag);
            var actual = await client.Images.InspectImageAsync(importedTag);
            Assert.Equal(JsonSerializer.Serialize(expected.Config), JsonSerializer.Serialize(actual.Config));
            Assert.Equal(await DaemonlessParityTests.FilesAsync(client, originalTag), await DaemonlessParityTests.FilesAsync(client, importedTag));
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }

    /// <summary>The Dockerfile the imported class's <c>Define()</c> renders at run time (the generator's text, as the unit tests prove).</summary>
    private static string Render(string source)
    {
        var compilation = CSharpCompilation.Create("Imported" + Guid.NewGuid().ToString("N"), new[] { CSharpSyntaxTree.ParseText(source) },
            Basic.Reference.Assemblies.Net100.References.All.Append(MetadataReference.CreateFromFile(typeof(Dockerfile).Assembly.Location)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var stream = new MemoryStream();
        var emit = compilation.Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics) + "\n" + source);
        var assembly = Assembly.Load(stream.ToArray());
        var define = assembly.GetType("ImportedImage")!.GetMethod("Define", BindingFlags.NonPublic | BindingFlags.Static)!;
        return ((Dockerfile)define.Invoke(null, null)!).ToString();
    }
}
