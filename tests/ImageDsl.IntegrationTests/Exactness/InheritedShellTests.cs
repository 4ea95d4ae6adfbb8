using ImageDsl.Build.Docker;
using Xunit;

namespace ImageDsl.IntegrationTests.Exactness;

/// <summary>
/// A shell-form command runs in the SHELL the stage has, which may come from its base image (issue: the exec-form
/// fallback ignored an inherited SHELL). The base here sets SHELL to a wrapper that logs each use.
/// </summary>
public sealed class InheritedShellTests : IClassFixture<InheritedShellTests.MarkerShellImage>
{
    private const string Base = "imagedsl-tests/marker-shell:1";

    public static TheoryData<BuilderKind> Builders => new() { BuilderKind.Classic, BuilderKind.BuildKit };

    public InheritedShellTests(MarkerShellImage image) => _ = image;

    [Theory]
    [MemberData(nameof(Builders))]
    public async Task An_exact_shell_form_runs_in_the_base_images_shell(BuilderKind builder)
    {
        var definition = Dockerfile.From(Base).Run("echo exact > /exact");
        var (run, _) = await BuildAndRunAsync(definition, builder, "cat /tmp/shell.log /exact");
        Assert.Equal("marker\nexact\n", run.Stdout);
    }

    [Fact]
    public void A_command_that_needs_the_exec_form_is_refused_until_the_stage_states_its_shell()
    {
        var problem = Assert.Single(Dockerfile.From(Base).Run("  echo padded  ").Validate());
        Assert.Equal(DiagnosticIds.UnknownShell, problem.Id);
    }

    [Theory]
    [MemberData(nameof(Builders))]
    public async Task With_the_shell_stated_the_exec_form_runs_the_exact_command_in_that_shell(BuilderKind builder)
    {
        var definition = Dockerfile.From(Base)
            .Shell("/bin/marker-shell", "-c")
            .Run("  echo padded > /padded  ")
            .CmdShell(" echo cmd ");
        var (run, config) = await BuildAndRunAsync(definition, builder, "cat /tmp/shell.log /padded");

        Assert.Equal("marker\npadded\n", run.Stdout);
        Assert.Equal(new[] { "/bin/marker-shell", "-c", " echo cmd " }, config.Cmd);
        Assert.Equal(new[] { "/bin/marker-shell", "-c" }, config.Shell);
    }

    private static async Task<(RunResult Run, Docker.DotNet.Models.DockerOCIImageConfig Config)> BuildAndRunAsync(Dockerfile definition, BuilderKind builder, string script)
    {
        var tag = $"imagedsl-tests/inherited-shell:{builder.ToString().ToLowerInvariant()}";
        using var engine = await TestEngine.ConnectAsync();
        await TestEngine.BuildAsync(engine, tag, definition.ToString(), builder);
        var config = (await engine.InspectImageAsync(tag, CancellationToken.None))!.Config!;
        var run = await engine.RunAsync(tag, TimeSpan.FromSeconds(30), "none", CancellationToken.None, new[] { "/bin/sh", "-c", script });
        return (run, config);
    }

    /// <summary>A base image whose config sets SHELL ["/bin/marker-shell", "-c"]: a wrapper that appends "marker" to /tmp/shell.log.</summary>
    public sealed class MarkerShellImage : IAsyncLifetime
    {
        public async Task InitializeAsync()
        {
            using var engine = await TestEngine.ConnectAsync();
            var dockerfile = $"FROM {TestEngine.BaseImage}\n" +
                             "RUN printf '#!/bin/sh\\necho marker >> /tmp/shell.log\\nexec /bin/sh \"$@\"\\n' > /bin/marker-shell && chmod 755 /bin/marker-shell && rm -f /tmp/shell.log\n" +
                             "SHELL [\"/bin/marker-shell\", \"-c\"]\n";
            await TestEngine.BuildAsync(engine, Base, dockerfile, BuilderKind.BuildKit);
        }

        public Task DisposeAsync() => Task.CompletedTask;
    }
}
