using ImageDsl;

namespace ImageDsl.Tests.Definitions;

/// <summary>
/// Build arguments whose defaults are built from other build arguments: the FROM line's image (declared globally with
/// the arguments it refers to), and a stage's channel and path (expanded where the stage declares them, again in a
/// stage that starts from it). Built both ways by the daemonless parity test.
/// </summary>
[Image("tests/composed-arguments", SmokeRun = false)]
public static partial class ComposedArguments
{
    static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
    static readonly BuildArg Variant = new("VARIANT", "");
    static readonly BuildArg Image = new("IMAGE", BaseImage + Variant);
    static readonly BuildArg Version = new("VERSION", "1.2");
    static readonly BuildArg Channel = new("CHANNEL", "v" + Version + "-stable");
    static readonly BuildArg Home = new("APP_HOME", "/opt/app-" + Channel);

    static Dockerfile Define()
    {
        var app = Dockerfile.From(Image).As("app")
            .Arg(Version)
            .Arg(Channel)
            .Arg(Home)
            .Arg(Image)
            .Env(("CHANNEL_SEEN", Channel), ("IMAGE_SEEN", Image))
            .Workdir(Home);
        return Dockerfile.From(app)
            .Arg(Version)
            .Arg(Channel)
            .Label("org.example.channel", Channel)
            .Cmd("pwd");
    }
}
