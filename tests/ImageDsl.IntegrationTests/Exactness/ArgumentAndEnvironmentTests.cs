using ImageDsl.Build.Docker;
using Xunit;

namespace ImageDsl.IntegrationTests.Exactness;

/// <summary>
/// IDSL0026 refuses a build argument that an ENV of the definition hides, and lets through the one ENV that cannot
/// hide it: <c>ENV V=${V}</c>, the argument itself. Judged by the daemon with both builders: after that ENV, every use
/// of the argument is the value the build gave it — in ENV, LABEL and WORKDIR — and a stage starting from that stage
/// sees it too.
/// </summary>
public sealed class ArgumentAndEnvironmentTests
{
    [Theory]
    [InlineData(BuilderKind.BuildKit)]
    [InlineData(BuilderKind.Classic)]
    public async Task An_env_that_holds_its_own_argument_keeps_the_arguments_value_for_every_later_use(BuilderKind builder)
    {
        var version = new BuildArg("VERSION", "default");
        var parent = Dockerfile.From(TestEngine.BaseImage).As("parent")
            .Arg(version)
            .Env("VERSION", version)
            .Label("in-parent", "v" + version);
        var definition = Dockerfile.From(parent)
            .Arg(version)
            .Env("COPY_OF_VERSION", version)
            .Label("in-child", version)
            .Workdir("/w/" + version);
        Assert.Empty(definition.Validate());

        var given = "given $HOME 'quoted'";
        var tag = $"imagedsl-tests/own-argument:{builder.ToString().ToLowerInvariant()}";
        var context = Directory.CreateTempSubdirectory("imagedsl-own-argument-");
        try
        {
            using var engine = await TestEngine.ConnectAsync();
            var request = new BuildRequest(tag, definition.ToString(), context.FullName, new[] { tag }, new Dictionary<string, string> { ["VERSION"] = given },
                new Dictionary<string, string>(), NetworkMode: TestEngine.NetworkMode);
            await engine.BuildAsync(request, TestEngine.Layout(context.FullName, builder), builder, new ListLog(), CancellationToken.None);

            var config = (await engine.InspectImageAsync(tag, CancellationToken.None))!.Config!;
            Assert.Contains("VERSION=" + given, config.Env!);
            Assert.Contains("COPY_OF_VERSION=" + given, config.Env!);
            Assert.Equal("v" + given, config.Labels!["in-parent"]);
            Assert.Equal(given, config.Labels["in-child"]);
            Assert.Equal("/w/" + given, config.WorkingDir);
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }

    /// <summary>
    /// <c>User(uid + ":" + Value.Env("APP_UID") + …)</c>, a build argument and a variable of the stage's environment (as
    /// the .NET images set APP_UID) among literal text: every builder expands both in USER and keeps the text as written,
    /// so the image's user is the argument's value, the variable's and the text.
    /// </summary>
    [Theory]
    [InlineData("buildkit")]
    [InlineData("classic")]
    [InlineData("daemonless")]
    public async Task A_user_from_a_build_argument_and_an_environment_variable_is_expanded_by_every_builder(string builder)
    {
        var uid = new BuildArg("UID", "1000");
        var definition = Dockerfile.From(builder == "daemonless" ? Daemonless.DaemonlessParityTests.RegistryBase : TestEngine.BaseImage)
            .Env("APP_UID", "1654")
            .Arg(uid)
            .User(uid + ":" + Value.Env("APP_UID") + " $HOME \"q\" 'y' \\");
        Assert.Empty(definition.Validate());
        var tag = $"imagedsl-tests/user-references:{builder}";
        var buildArgs = new Dictionary<string, string> { ["UID"] = "4242" };

        using var engine = await TestEngine.ConnectAsync();
        if (builder == "daemonless")
        {
            await TestEngine.BuildDaemonlessAsync(engine, tag, definition.ToString(), buildArgs: buildArgs);
        }
        else
        {
            var kind = builder == "classic" ? BuilderKind.Classic : BuilderKind.BuildKit;
            var context = Directory.CreateTempSubdirectory("imagedsl-user-references-");
            try
            {
                await engine.BuildAsync(new BuildRequest(tag, definition.ToString(), context.FullName, new[] { tag }, buildArgs, new Dictionary<string, string>(), NetworkMode: TestEngine.NetworkMode),
                    TestEngine.Layout(context.FullName, kind), kind, new ListLog(), CancellationToken.None);
            }
            finally
            {
                context.Delete(recursive: true);
            }
        }

        // The literal text around the references arrives as written ('$', quotes, a backslash), whichever builder.
        Assert.Equal("4242:1654 $HOME \"q\" 'y' \\", (await engine.InspectImageAsync(tag, CancellationToken.None))!.Config!.User);
    }
}
