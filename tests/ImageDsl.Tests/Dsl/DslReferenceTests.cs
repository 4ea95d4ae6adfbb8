using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using Xunit;

namespace ImageDsl.Tests.Dsl;

/// <summary>
/// docs/dsl.md is generated from these examples: the C# is the example's own source text, the Dockerfile line is what
/// the renderer produces for it. The test fails when the document is not current and writes docs/dsl.received.md.
/// </summary>
public class DslReferenceTests
{
    private static readonly Dockerfile Base = Dockerfile.From("busybox");
    private static readonly BuildArg Version = new("VERSION", "1.0");

    private static readonly List<(string Section, string Code, string Dockerfile)> Examples = new();

    private static void Example(string section, Func<Dockerfile> define, [CallerArgumentExpression(nameof(define))] string code = "")
    {
        var full = define().ToString();
        var shown = full.StartsWith("FROM busybox\n", StringComparison.Ordinal) ? full.Substring("FROM busybox\n".Length) : full;
        Examples.Add((section, code.Substring(code.IndexOf("=>", StringComparison.Ordinal) + 2).Trim(), shown.TrimEnd('\n')));
    }

    static DslReferenceTests()
    {
        Example("FROM", () => Dockerfile.From("busybox:1.36"));
        Example("FROM", () => Dockerfile.From("busybox:1.36", Platform.LinuxArm64));
        Example("FROM", () => Dockerfile.From("busybox:" + Version));
        Example("FROM", () => Dockerfile.From(new BuildArg("IMAGE", "busybox:" + Version)));
        Example("FROM", () => Dockerfile.From(Dockerfile.From("busybox").As("base")).As("final"));
        Example("FROM", () => Dockerfile.Scratch);
        Example("FROM", () => Dockerfile.From("busybox", Platform.TargetPlatform).Copy("/bin/tool", "/tool", from: Dockerfile.From("golang", Platform.LinuxAmd64).As("cross")));
        Example("RUN", () => Base.Run("make install"));
        Example("RUN", () => Base.RunExec(["/bin/make", "install"]));
        Example("RUN", () => Base.Run(Command.Exec("/bin/make", "install")));
        Example("RUN", () => Base.Shell("/bin/sh", "-c").Run("echo done \\"));
        Example("RUN", () => Base.Run("dotnet restore", mounts: [Mount.Cache("/root/.nuget/packages", sharing: CacheSharing.Locked)]));
        Example("RUN", () => Base.Run("make", mounts: [Mount.Bind("/src", source: "src", readWrite: true)]));
        Example("RUN", () => Base.Run("make", mounts: [Mount.Tmpfs("/tmp", sizeBytes: 1048576)]));
        Example("RUN", () => Base.Run("cat /run/secrets/token", mounts: [Mount.Secret("token", required: true)]));
        Example("RUN", () => Base.Run("ssh git@example.com", mounts: [Mount.Ssh()]));
        Example("RUN", () => Base.Run("apk add curl", network: RunNetwork.Host, security: RunSecurity.Insecure));
        Example("RUN", () => Base.RunHeredoc("set -e\necho one\necho two\n"));
        Example("CMD / ENTRYPOINT / SHELL", () => Base.Cmd("/app/server", "--port", "80"));
        Example("CMD / ENTRYPOINT / SHELL", () => Base.CmdShell("echo $HOME"));
        Example("CMD / ENTRYPOINT / SHELL", () => Base.Entrypoint("/docker-entrypoint.sh"));
        Example("CMD / ENTRYPOINT / SHELL", () => Base.EntrypointShell("exec /app/server"));
        Example("CMD / ENTRYPOINT / SHELL", () => Base.ResetEntrypoint().Cmd("/app/server"));
        Example("CMD / ENTRYPOINT / SHELL", () => Base.ResetCmd());
        Example("CMD / ENTRYPOINT / SHELL", () => Base.Shell("/bin/bash", "-o", "pipefail", "-c").CmdShell("[ -f /ready ]"));
        Example("ENV / LABEL / ARG", () => Base.Env("GREETING", "say \"hi\" to $USER"));
        Example("ENV / LABEL / ARG", () => Base.Label("org.opencontainers.image.title", "My app"));
        Example("ENV / LABEL / ARG", () => Base.Env(("TZ", "Etc/UTC"), ("DOTNET_gcServer", "0")));
        Example("ENV / LABEL / ARG", () => Base.Label(("org.opencontainers.image.title", "My app"), ("org.opencontainers.image.vendor", "Example")));
        Example("ENV / LABEL / ARG", () => Base.Arg(Version).Env("APP_VERSION", "v" + Version));
        Example("ENV / LABEL / ARG", () => Base.Arg(new BuildArg("CHANNEL")));
        Example("ENV / LABEL / ARG", () => Base.Arg(Version).Arg(new BuildArg("CHANNEL", "v" + Version + "-stable")));
        Example("ENV / LABEL / ARG", () => Base.Env("PATH", "/opt/app/bin:" + Value.Env("PATH")));
        Example("EXPOSE / USER / WORKDIR / VOLUME", () => Base.Expose(80, Port.Udp(53), Port.Sctp(9899), Port.Range(8000, 8010)));
        Example("EXPOSE / USER / WORKDIR / VOLUME", () => Base.User(Owner.Id(1000, 1000)));
        Example("EXPOSE / USER / WORKDIR / VOLUME", () => Base.User("app"));
        Example("EXPOSE / USER / WORKDIR / VOLUME", () => Base.User("1000:1000"));
        Example("EXPOSE / USER / WORKDIR / VOLUME", () => Base.User(Owner.Parse("app:staff")));
        Example("EXPOSE / USER / WORKDIR / VOLUME", () => Base.User(Value.Env("APP_UID")));
        Example("EXPOSE / USER / WORKDIR / VOLUME", () => Base.Workdir("/srv/my app"));
        Example("EXPOSE / USER / WORKDIR / VOLUME", () => Base.Workdir(Value.Env("HOME") + "/app"));
        Example("EXPOSE / USER / WORKDIR / VOLUME", () => Base.Volume("/data", "/var/log"));
        Example("COPY / ADD", () => Base.Copy("app.dll", "/app/"));
        Example("COPY / ADD", () => Base.Copy(["a b.txt", "c.txt"], "/app/"));
        Example("COPY / ADD", () => Base.Copy("notes [draft]*.txt", "/docs/"));
        Example("COPY / ADD", () => Base.Copy(Glob.Of("*.csproj"), "/src/"));
        Example("COPY / ADD", () => Base.Copy([Glob.Of("config/*.json"), Glob.Literal("odd [name].txt")], "/etc/app/"));
        Example("COPY / ADD", () => Base.Copy("/out", "/app", from: Dockerfile.From("busybox").As("build")));
        Example("COPY / ADD", () => Base.Copy("/etc/nginx/nginx.conf", "/etc/", from: "nginx:1.27"));
        Example("COPY / ADD", () => Base.Copy("run.sh", "/app/", chown: Owner.Name("app", "app"), chmod: FileMode.Octal("755"), link: true));
        Example("COPY / ADD", () => Base.Copy("src", "/app/", parents: true, exclude: [Glob.Of("*.tmp")]));
        Example("COPY / ADD", () => Base.CopyHeredoc("[settings]\nname=demo\n", "/etc/app.ini"));
        Example("COPY / ADD", () => Base.Add(new Uri("https://example.com/app.tar.gz"), "/opt/", checksum: "sha256:" + new string('0', 64)));
        Example("COPY / ADD", () => Base.Add(new Uri("https://example.com/team/repo.git#v1.0"), "/src", keepGitDir: true));
        Example("HEALTHCHECK / STOPSIGNAL / ONBUILD", () => Base.Healthcheck(Command.Exec("/bin/check"), interval: TimeSpan.FromSeconds(30), timeout: TimeSpan.FromSeconds(3), startPeriod: TimeSpan.FromSeconds(10), startInterval: TimeSpan.FromSeconds(2), retries: 3));
        Example("HEALTHCHECK / STOPSIGNAL / ONBUILD", () => Base.Healthcheck("wget -q -O- http://localhost/health || exit 1"));
        Example("HEALTHCHECK / STOPSIGNAL / ONBUILD", () => Base.HealthcheckNone());
        Example("HEALTHCHECK / STOPSIGNAL / ONBUILD", () => Base.StopSignal(Signal.SIGQUIT));
        Example("HEALTHCHECK / STOPSIGNAL / ONBUILD", () => Base.StopSignal(37));
        Example("HEALTHCHECK / STOPSIGNAL / ONBUILD", () => Base.OnBuild(next => next.Copy(".", "/src").Run("make -C /src")));
        Example(".NET projects", () => Base.Copy(DotNet.HostPublish(), "/app/"));
        Example(".NET projects", () => Base.Copy(DotNet.HostPublish("../Api/Api.csproj"), "/app/"));
        Example(".NET projects", () => Base.Copy("/app/", "/app/", from: DotNet.InImagePublish("mcr.microsoft.com/dotnet/sdk:10.0", "Api.csproj")));
        Example(".NET projects", () => Base.Copy("/app/", "/app/", from: DotNet.InImagePublish("mcr.microsoft.com/dotnet/sdk:10.0", "src/Api/Api.csproj")));
        Example("Directives and comments", () => Base.WithSyntax("docker/dockerfile:1.7").WithEscape('`').WithCheck("skip=JSONArgsRecommended"));
        Example("Directives and comments", () => Base.Comment("Runtime stage"));
        Example("Reuse", () => Base.Apply(stage => stage.Run("install-tools").Env("TOOLS", "installed")));
        Example("Reuse", () => Base.Expose(Port.Tcp(80), Port.Udp(53)).Copy("a", "/a", chmod: FileMode.FromBits(0x1ED), chown: Owner.Id(1000)).Run("true", mounts: [Mount.Bind("/ctx", from: StageOrImage.FromImage("busybox"))]).Cmd(["true"]));
        Example("Reuse", () => Dockerfile.From("busybox", Platform.Parse("linux/arm64/v8")).Copy("/x", "/x", from: StageOrImage.FromStage(Dockerfile.From("busybox", Platform.BuildPlatform).As("tools"))).Run(Command.Shell("make"), mounts: [Mount.Cache("/c")]).Arg(Version).Env("P", Value.Concat("a", Value.Of(Version), Value.Literal("$"))));
    }

    [Fact]
    public void Every_public_method_of_the_DSL_appears_in_the_reference()
    {
        var doc = File.ReadAllText(Path.Combine(AllDefinitions.RepositoryRoot, "docs", "dsl.md"));
        var types = new[] { typeof(Dockerfile), typeof(Mount), typeof(Command), typeof(Port), typeof(Owner), typeof(FileMode), typeof(Platform), typeof(Value), typeof(StageOrImage), typeof(Glob) };
        var methods = types.SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly)
                .Where(m => !m.IsSpecialName && m.Name is not ("ToString" or "Equals" or "GetHashCode" or "Deconstruct" or "PrintMembers" or "<Clone>$" or "Validate"))
                .Select(m => t.Name + "." + m.Name))
            .Concat(types.SelectMany(t => t.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static).Select(p => t.Name + "." + p.Name)))
            .Distinct();

        var missing = methods.Where(m => !doc.Contains("." + m.Split('.')[1] + "(", StringComparison.Ordinal) && !doc.Contains(m, StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "Not in docs/dsl.md: " + string.Join(", ", missing));
    }

    /// <summary>What a string means in each position, so that a reviewer of a definition knows what will be copied.</summary>
    private const string StringMeanings = """

        ## What a string means where

        A plain C# string means exactly one thing in each position. Where docker would read text in another way (a
        pattern, a URL, a stage name), ImageDsl writes it so that docker reads what the string says, or refuses it at
        compile time and names the typed alternative.

        | position | a string is | to mean something else |
        | --- | --- | --- |
        | `Copy` / `Add` source | a literal path: the file or directory of exactly that name, whatever characters it holds (`*`, `?`, `[`, `\`, blanks, line breaks) | `Glob.Of("*.csproj")` for a pattern (Go `filepath.Match` syntax: `*`, `?`, `[a-z]`, `[^a-z]`, `\c`); `Glob.Literal(...)` lists an exact name among patterns; `new Uri("https://…")` for an `Add` URL or git repository |
        | `exclude:` | — (a `Glob` only) | `Glob.Of("**/*.md")` (.dockerignore syntax, with `**`) |
        | `Copy` / `Add` destination, `Workdir`, `Volume` | a literal path in the image | a `BuildArg` joined with `+` for a build-time value; `Value.Env("HOME")` for the stage's environment variable (not in `Volume`) |
        | `Dockerfile.From`, `from:` (COPY --from, mounts) | an image reference `[registry/]name[:tag][@digest]`, checked at compile time | a stage value (a `Dockerfile`) for a stage; a bare number is refused (docker reads it as a stage index) |
        | `.As(...)` | a stage name; it may not be `scratch` or any image reference the same Dockerfile uses (docker would pick the stage instead of the image) | — |
        | `Env`, `Label`, `BuildArg` default, `User`, `Cmd`/`Entrypoint`/`RunExec` arguments | literal text, byte for byte (`$`, quotes and backslashes included) | a `BuildArg` joined with `+` to expand `${NAME}`; in `Env`, `Label` and `User` values, `Value.Env("PATH")` for the stage's environment variable |
        | `Run`, `CmdShell`, `EntrypointShell`, `Healthcheck` command line | a shell command line, given to the stage's shell unchanged | `Command.Exec(...)` for an argument vector without a shell |
        | `User` | docker's `user[:group]` | `Owner.Id(1000, 1000)`, `Owner.Name("app", "staff")`; `Value.Env("APP_UID")` (the .NET images' user) or a `BuildArg` for one the builder expands |

        A literal source whose name holds `*`, `?`, `[` or `\` is written as a pattern that matches only that name,
        e.g. `[[]draft].txt` (the one escape that BuildKit's transfer filter, its copy, and the classic builder all
        read the same way); ImageDsl warns (IDSL0020) for `*`, `?` and `[`, because such names are usually meant as
        patterns. Before a build, ImageDsl checks that every literal source exists in the build context. One limit it
        cannot check: such a name copied `from:` another stage or image that does not exist there copies nothing with
        BuildKit (which allows a pattern to match nothing) instead of failing.

        A shell-form command that the Dockerfile parser would change (surrounding blanks, a trailing escape character,
        a leading `[` or `--`, a line break, `<<`) is written in the exec form of the stage's shell. That needs the
        shell to be known: set by `.Shell(...)` in the stage or a stage it starts from, or `FROM scratch`. In a stage
        that starts from an image, whose SHELL only the daemon sees, such a command is IDSL0022.

        A `BuildArg` means the build argument's value. Docker expands `${NAME}` from the stage's environment too, and
        where both have the name the builders disagree (the classic builder always takes the variable; BuildKit takes
        whichever was set last, so an `ARG` after an inherited `ENV` wins). ImageDsl refuses every such case: an `ENV`
        of the same name earlier in the stage, or in a stage it starts from, at compile time (IDSL0026); an `ENV` of
        the base image that the builder would expand instead — the classic builder always, BuildKit for an argument
        without a value — before anything is built (IMAGEDSL2026, with the base image's config from the daemon or its
        registry). `.Env("VERSION", Version)`, the argument itself, hides nothing.

        A `BuildArg`'s default may be built from other build arguments: `new BuildArg("CHANNEL", "v" + Version)` is
        `ARG CHANNEL=v${VERSION}`. Docker expands it where the ARG stands, so a stage declares `Version` before
        `CHANNEL` (IDSL0006 otherwise), with its one default (IDSL0017); an argument a FROM line uses is declared
        before the first FROM with those its default refers to. A value given for `CHANNEL` at build time replaces
        the whole default; a value given for `VERSION` changes it. The default cannot refer to `Value.Env` nor to its
        own name.

        `Value.Env("PATH")` is the stage's environment variable: set by an earlier `ENV` of the stage or a stage it
        starts from, or by the base image; empty when unset. All values of one `ENV` are expanded before any is set, as
        docker does. It cannot stand in FROM (which sees only global build arguments), in COPY/ADD sources and patterns
        (ImageDsl must know what a source matches before the build), nor in a stage that declares a build argument of
        the same name (IDSL0027).

        """;

    [Fact]
    public void Reference_document_is_current()
    {
        var text = new StringBuilder();
        text.Append("# DSL reference\n\n");
        text.Append("<!-- Generated by tests/ImageDsl.Tests/Dsl/DslReferenceTests.cs from live examples; edit the examples, not this file. -->\n\n");
        text.Append("Every method of `Dockerfile` with the Dockerfile text it emits. `Base` is `Dockerfile.From(\"busybox\")` and its\n");
        text.Append("`FROM` line is left out; `Version` is `new BuildArg(\"VERSION\", \"1.0\")`. Values are written exactly: what you pass\n");
        text.Append("arrives in the image byte for byte, or the compiler reports a diagnostic ([diagnostics.md](diagnostics.md)).\n");
        text.Append(StringMeanings);
        foreach (var section in Examples.GroupBy(e => e.Section))
        {
            text.Append("\n## ").Append(section.Key).Append("\n");
            foreach (var (_, code, dockerfile) in section)
            {
                text.Append("\n```csharp\n").Append(code).Append("\n```\n```dockerfile\n").Append(dockerfile).Append("\n```\n");
            }
        }

        var path = Path.Combine(AllDefinitions.RepositoryRoot, "docs", "dsl.md");
        var received = Path.Combine(AllDefinitions.RepositoryRoot, "docs", "dsl.received.md");
        if (File.Exists(path) && File.ReadAllText(path) == text.ToString())
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, text.ToString());
        Assert.Fail("docs/dsl.md is not current: review docs/dsl.received.md and rename it over docs/dsl.md.");
    }
}
