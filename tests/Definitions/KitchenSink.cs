using System;
using ImageDsl;

namespace ImageDsl.Tests.Definitions;

/// <summary>Every instruction and every flag the DSL offers, across three stages. Its output is a snapshot.</summary>
[Image("tests/kitchen-sink", Context = "context", Tags = ["latest", "v1"], ExpectOutput = "ok", ExpectExitCode = 3, SmokeRun = false)]
public static partial class KitchenSink
{
    static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
    static readonly BuildArg Version = new("VERSION", "1.2.3");
    static readonly BuildArg Channel = new("CHANNEL");
    const string Greeting = "hello";

    static Dockerfile Define()
    {
        var tools = Dockerfile.From(BaseImage, Platform.BuildPlatform).As("tools")
            .Comment("Tools stage: every RUN form")
            .Arg(Version)
            .Arg(Channel)
            .Shell("/bin/sh", "-ec")
            .Run("echo building version")
            .Run("make install",
                mounts:
                [
                    Mount.Bind("/src", source: "src", readWrite: true),
                    Mount.Cache("/root/.cache", id: "tool-cache", sharing: CacheSharing.Private, mode: FileMode.Octal("0755"), uid: 1000, gid: 1000),
                    Mount.Tmpfs("/scratch", sizeBytes: 1048576),
                    Mount.Secret("token", target: "/run/secrets/token", required: true, mode: FileMode.Octal("0400")),
                    Mount.Secret("npm", env: "NPM_TOKEN"),
                    Mount.Ssh("default", required: true),
                ],
                network: RunNetwork.None,
                security: RunSecurity.Insecure)
            .Run("apk add curl", network: RunNetwork.Host, security: RunSecurity.Sandbox)
            .RunExec(["/bin/echo", "exec form"])
            .RunHeredoc("set -e\necho one\necho EOF\n")
            .Workdir("/opt/" + Version)
            .Env("CHANNEL", Channel)
            .Env(("MODE", "kitchen sink"), ("FROM_ARG", "v" + Version))
            .Label("version", "v" + Version + "-" + Channel)
            .Label(("org.example.a", "1"), ("org.example.channel", Channel));

        var assets = Dockerfile.Scratch.As("assets")
            .Copy(["a.txt", "b dir/c.txt"], "/assets/", chown: Owner.Name("app", "app"), chmod: FileMode.Octal("644"), link: true, parents: true, exclude: [Glob.Of("*.tmp"), Glob.Of("**/secret*")])
            .CopyHeredoc("[settings]\nname=demo\n", "/assets/settings.ini", chown: Owner.Id(1000), chmod: FileMode.Octal("600"));

        var greeting = $"{Greeting}, world";
        return Dockerfile.From(tools).As("final")
            .WithSyntax("docker/dockerfile:1.7")
            .WithCheck("skip=JSONArgsRecommended;error=true")
            .Copy("/opt/", "/opt/", from: tools)
            .Copy("/assets/", "/srv/", from: assets)
            .Copy("/etc/nginx/nginx.conf", "/etc/nginx.conf", from: "nginx:1.27")
            .Add(new Uri("https://example.com/archive.tar.gz"), "/downloads/", checksum: "sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", link: true)
            .Add(new Uri("ssh://git@git.example.com/team/repo.git"), "/repo", keepGitDir: true, exclude: [Glob.Of("*.md")])
            .Copy(Glob.Of("*.csproj"), "/src/")
            .Copy([Glob.Of("config/*.json"), Glob.Literal("odd [name].txt")], "/etc/app/")
            .Add("vendor.tar", "/vendor/", chown: Owner.Id(0, 0), chmod: FileMode.Octal("0755"))
            .Run("cp /assets/settings.ini /etc/", mounts: [Mount.Bind("/assets", from: assets), Mount.Cache("/cache", from: tools, source: "/opt", readOnly: true)])
            .Env("GREETING", greeting)
            .Env("EMPTY", "")
            .Label("org.opencontainers.image.title", "Kitchen sink")
            .Expose(80, Port.Udp(53), Port.Sctp(9899), Port.Range(8000, 8010), Port.Range(6000, 6001, PortProtocol.Udp))
            .User(Owner.Name("app", "app"))
            .Volume("/data", "/var/log/app")
            .Healthcheck(Command.Exec("/bin/check", "--quick"), interval: TimeSpan.FromSeconds(30), timeout: TimeSpan.FromMilliseconds(1500),
                startPeriod: TimeSpan.FromMinutes(1), startInterval: TimeSpan.FromSeconds(5), retries: 3)
            .StopSignal(Signal.SIGQUIT)
            .OnBuild(next => next.Copy(".", "/app/src").Run("make -C /app/src"))
            .EntrypointShell("exec /bin/server")
            .Cmd("--port", "80");
    }
}

/// <summary>The other forms of HEALTHCHECK, CMD, ENTRYPOINT and the escape directive.</summary>
[Image("tests/alternate-forms", SmokeRun = false)]
public static partial class AlternateForms
{
    static Dockerfile Define() => Dockerfile.From("registry.example.com:5000/team/base:1.0@sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", Platform.Parse("linux/arm64/v8"))
        .WithEscape('`')
        .Workdir("/app")
        .Env("WINDOWS_PATH", @"C:\Program Files\App\")
        .Healthcheck("curl -f http://localhost/ || exit 1")
        .ResetEntrypoint()
        .Shell("/bin/sh", "-c")
        .CmdShell("echo `date`");
}

/// <summary>HEALTHCHECK NONE, and shell-form commands that only the exec form of the stated SHELL can carry exactly.</summary>
[Image("tests/shell-fallbacks", SmokeRun = false)]
public static partial class ShellFallbacks
{
    static Dockerfile Define() => Dockerfile.From("busybox")
        .HealthcheckNone()
        .Shell("/bin/sh", "-c")
        .Run("  leading and trailing blanks  ")
        .Run("echo continued \\")
        .Run("[\"looks\", \"like\", \"json\"]")
        .Run("--not-a-flag")
        .Run("cat <<EOF")
        .Run("printf 'two\\nlines'\necho second")
        .Shell("/bin/bash", "-o", "pipefail", "-c")
        .EntrypointShell("echo uses the stage shell \\")
        .CmdShell("[1, 2]");
}
