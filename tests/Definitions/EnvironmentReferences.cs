using ImageDsl;

namespace ImageDsl.Tests.Definitions;

/// <summary>
/// Values read from the stage's environment (Value.Env): the base image's PATH, a variable the definition sets, one
/// inherited from the stage it starts from, in ENV, LABEL, WORKDIR and a COPY destination. Built both ways by the
/// daemonless parity test.
/// </summary>
[Image("tests/environment-references", SmokeRun = false)]
public static partial class EnvironmentReferences
{
    static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");

    static Dockerfile Define()
    {
        var tools = Dockerfile.From(BaseImage).As("tools")
            .Env("APP_HOME", "/opt/app");
        return Dockerfile.From(tools)
            .Env(("PATH", Value.Env("APP_HOME") + "/bin:" + Value.Env("PATH")), ("BEFORE", "[" + Value.Env("PATH") + "]"))
            .Label("org.example.home", Value.Env("APP_HOME"))
            .Workdir(Value.Env("APP_HOME"))
            .Copy("/etc/passwd", Value.Env("APP_HOME") + "/conf/", from: tools)
            .Cmd("cat", "conf/passwd");
    }
}
