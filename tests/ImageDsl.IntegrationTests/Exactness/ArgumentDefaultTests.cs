using ImageDsl.Build.Docker;
using Xunit;
using Builder = ImageDsl.IntegrationTests.HostileValueRoundTripTests.Builder;

namespace ImageDsl.IntegrationTests.Exactness;

/// <summary>
/// Build arguments whose defaults are built from other build arguments (<c>new BuildArg("CHANNEL", "v" + version)</c>,
/// <c>ARG CHANNEL=v${VERSION}</c>), judged by the daemon's two builders and the daemonless one: in the global scope
/// (the FROM line's image) and in a stage, with nothing given, with a referred-to argument given (the default follows
/// it), and with the argument itself given (the default is not used at all). Every value is what the C# says.
/// </summary>
public sealed class ArgumentDefaultTests
{
    private const string Suffix = "-$table \"q\" 'x' \\n";

    public static TheoryData<Builder, string> Cases()
    {
        var data = new TheoryData<Builder, string>();
        foreach (var builder in Enum.GetValues<Builder>())
        {
            foreach (var given in new[] { "", "VERSION=9.9", "CHANNEL=given $x" }) data.Add(builder, given);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_default_built_from_other_arguments_is_the_value_the_definition_says(Builder builder, string given)
    {
        // The base reference split in two global arguments and joined by a third, which FROM uses.
        var reference = builder == Builder.Daemonless ? Daemonless.DaemonlessParityTests.RegistryBase : TestEngine.BaseImage;
        var colon = reference.LastIndexOf(':');
        var repository = new BuildArg("REPOSITORY", reference[..colon]);
        var tag = new BuildArg("TAG", reference[(colon + 1)..]);
        var image = new BuildArg("IMAGE", repository + ":" + tag);
        var version = new BuildArg("VERSION", "1.2");
        var channel = new BuildArg("CHANNEL", "v" + version + Suffix);
        var home = new BuildArg("APP_HOME", "/opt/app-" + channel);
        var parent = Dockerfile.From(image).As("parent")
            .Arg(version).Arg(channel).Arg(home).Arg(image)
            .Env(("OUT_CHANNEL", channel), ("OUT_IMAGE", image))
            .Workdir(home)
            .Label("channel", channel);
        // A stage FROM that stage declares the arguments again: the same defaults, expanded again there.
        var definition = Dockerfile.From(parent).Arg(version).Arg(channel).Label("child", channel);
        Assert.Empty(definition.Validate());

        var buildArgs = given.Length == 0 ? new Dictionary<string, string>() : new Dictionary<string, string> { [given[..given.IndexOf('=')]] = given[(given.IndexOf('=') + 1)..] };
        var expectedChannel = buildArgs.TryGetValue("CHANNEL", out var channelGiven) ? channelGiven
            : "v" + (buildArgs.TryGetValue("VERSION", out var versionGiven) ? versionGiven : "1.2") + Suffix;

        using var engine = await TestEngine.ConnectAsync();
        var name = $"imagedsl-tests/argument-defaults:{builder.ToString().ToLowerInvariant()}-{given.Length}";
        if (builder == Builder.Daemonless) await TestEngine.BuildDaemonlessAsync(engine, name, definition.ToString(), buildArgs: buildArgs);
        else await TestEngine.BuildAsync(engine, name, definition.ToString(), builder == Builder.Classic ? BuilderKind.Classic : BuilderKind.BuildKit, buildArgs: buildArgs);

        var config = (await engine.InspectImageAsync(name, CancellationToken.None))!.Config!;
        Assert.Contains("OUT_CHANNEL=" + expectedChannel, config.Env!);
        Assert.Contains("OUT_IMAGE=" + reference, config.Env!);
        Assert.Equal("/opt/app-" + expectedChannel, config.WorkingDir);
        Assert.Equal(expectedChannel, config.Labels!["channel"]);
        Assert.Equal(expectedChannel, config.Labels["child"]);
    }
}
